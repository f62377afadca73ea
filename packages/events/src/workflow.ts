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

/** An Avro full name: what follows `<topic>-` in a subject of that topic. */
const RECORD_FULL_NAME = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

/**
 * The subjects of the topic that none of the local schemas reads: event types a writer may
 * already write and a consumer of this build would halt on (UNKNOWN_EVENT_TYPE). A deploy gate
 * or a start-up check, so that "readers before writers" (ADR 0007) is checked, not hoped for.
 */
export async function unknownEventSubjects(
  client: RegistryClient,
  topic: string,
  schemas: readonly LocalSchema[],
): Promise<string[]> {
  const known = new Set(schemas.map((local) => subjectFor(topic, local.fullName)));
  const prefix = subjectFor(topic, '');
  return (await client.subjects())
    .filter((subject) => subject.startsWith(prefix))
    .filter((subject) => RECORD_FULL_NAME.test(subject.slice(prefix.length)))
    .filter((subject) => !known.has(subject))
    .sort();
}
