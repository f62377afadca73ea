import type { RegistryClient } from './registry-client.js';
import type { LocalSchema } from './schemas.js';
import { EVENT_SUBJECT_COMPATIBILITY, subjectFor } from './subjects.js';

export interface RegistrationResult {
  readonly subject: string;
  readonly version: number;
  readonly id: number;
  /** False when this exact schema was already the subject's registered version. */
  readonly created: boolean;
}

/**
 * Registers each local schema under its subject, idempotently. The subject's compatibility is set
 * before its first version, so no version is ever accepted under a weaker level.
 */
export async function registerSchemas(
  client: RegistryClient,
  topic: string,
  schemas: readonly LocalSchema[],
  compatibility: string = EVENT_SUBJECT_COMPATIBILITY,
): Promise<RegistrationResult[]> {
  const results: RegistrationResult[] = [];
  for (const local of schemas) {
    const subject = subjectFor(topic, local.fullName);
    const text = JSON.stringify(local.schema);
    const existing = await client.lookup(subject, text);
    if (existing) {
      results.push({ subject, version: existing.version, id: existing.id, created: false });
      continue;
    }
    if ((await client.subjectCompatibility(subject)) !== compatibility) {
      await client.setSubjectCompatibility(subject, compatibility);
    }
    await client.register(subject, text);
    const registered = await client.lookup(subject, text);
    if (!registered) throw new Error(`${subject}: registered, but the registry cannot find it`);
    results.push({ subject, version: registered.version, id: registered.id, created: true });
  }
  return results;
}
