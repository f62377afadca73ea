import { writeFileSync } from 'node:fs';
import { generateRecordTypes } from './codegen.js';
import { compatibilityProblems, formatProblem } from './compatibility.js';
import { RegistryError, type RegistryClient } from './registry-client.js';
import type { LocalSchema, RecordSchema } from './schemas.js';
import { EVENT_SUBJECT_COMPATIBILITY, subjectFor } from './subjects.js';
import { registerSchemas, unknownEventSubjects } from './workflow.js';

// The schema workflow behind `pnpm schemas <command>`. Each command writes lines through `out`
// and returns the process exit code, so tests can run them against the real registry.

export interface SchemaCommandContext {
  readonly client: RegistryClient;
  readonly topic: string;
  readonly schemas: readonly LocalSchema[];
  readonly out: (line: string) => void;
}

async function registeredVersions(
  client: RegistryClient,
  subject: string,
): Promise<{ version: number; schema: RecordSchema }[]> {
  let versions: number[];
  try {
    versions = await client.versions(subject);
  } catch (error) {
    if (error instanceof RegistryError && error.status === 404) return [];
    throw error;
  }
  const all = [];
  for (const version of versions.sort((a, b) => a - b)) {
    const registered = await client.version(subject, version);
    all.push({ version, schema: JSON.parse(registered.schema) as RecordSchema });
  }
  return all;
}

/** Every local schema against its subject, at the subject's level; exit 1 if any would be refused. */
export async function checkCommand(ctx: SchemaCommandContext): Promise<number> {
  let failures = 0;
  for (const local of ctx.schemas) {
    const subject = subjectFor(ctx.topic, local.fullName);
    const text = JSON.stringify(local.schema);
    const registered = await registeredVersions(ctx.client, subject);
    const level = (await ctx.client.subjectCompatibility(subject)) ?? EVENT_SUBJECT_COMPATIBILITY;
    if (registered.length === 0) {
      ctx.out(
        `new        ${subject}: not registered yet; \`register\` makes it version 1 (${level})`,
      );
      continue;
    }
    const existing = await ctx.client.lookup(subject, text);
    if (existing) {
      ctx.out(`unchanged  ${subject}: version ${existing.version}, id ${existing.id}`);
      continue;
    }
    const verdict = await ctx.client.checkCompatibility(subject, text);
    const problems = compatibilityProblems(local.schema, registered, level);
    if (verdict.compatible && problems.length === 0) {
      ctx.out(
        `compatible ${subject}: can be registered as version ${registered.length + 1} (${level})`,
      );
      continue;
    }
    failures++;
    ctx.out(`BREAKING   ${subject} (${level}):`);
    for (const problem of problems) ctx.out(`  - ${formatProblem(problem)}`);
    for (const message of verdict.compatible ? [] : verdict.messages)
      ctx.out(`  - registry: ${message}`);
    if (verdict.compatible) ctx.out('  - registry: accepts it, but the local rules above do not');
  }
  ctx.out(
    failures === 0 ? 'check passed' : `check failed: ${failures} subject(s) would be refused`,
  );
  return failures === 0 ? 0 : 1;
}

export async function registerCommand(ctx: SchemaCommandContext): Promise<number> {
  const results = await registerSchemas(ctx.client, ctx.topic, ctx.schemas);
  for (const r of results) {
    ctx.out(
      `${r.created ? 'registered' : 'unchanged '} ${r.subject} version ${r.version} id ${r.id}`,
    );
  }
  return 0;
}

/** `unknown`: the topic's subjects no local schema reads; exit 1 if there is any. */
export async function unknownCommand(ctx: SchemaCommandContext): Promise<number> {
  const unknown = await unknownEventSubjects(ctx.client, ctx.topic, ctx.schemas);
  for (const subject of unknown) {
    ctx.out(`unknown    ${subject}: a reader of this build halts on its events`);
  }
  ctx.out(
    unknown.length === 0
      ? `every event subject of ${ctx.topic} has a local schema`
      : `${unknown.length} subject(s) unknown to this build: deploy readers that know them first`,
  );
  return unknown.length === 0 ? 0 : 1;
}

export async function listCommand(ctx: SchemaCommandContext): Promise<number> {
  const subjects = (await ctx.client.subjects()).sort();
  if (subjects.length === 0) ctx.out('no subjects registered');
  for (const subject of subjects) {
    const latest = await ctx.client.version(subject, 'latest');
    const level = (await ctx.client.subjectCompatibility(subject)) ?? 'global default';
    ctx.out(`${subject}  version ${latest.version}  id ${latest.id}  ${level}`);
  }
  return 0;
}

/** `show <subject or event type> [version]`: the registered schema, pretty-printed. */
export async function showCommand(
  ctx: SchemaCommandContext,
  name: string | undefined,
  version: string | undefined,
): Promise<number> {
  if (name === undefined) {
    ctx.out('usage: schemas show <subject | event type, e.g. MoneyDeposited> [version]');
    return 2;
  }
  const local = ctx.schemas.find((s) => s.name === name || s.fullName === name);
  const subject = local ? subjectFor(ctx.topic, local.fullName) : name;
  const wanted = version === undefined ? 'latest' : Number(version);
  if (wanted !== 'latest' && !(Number.isInteger(wanted) && wanted > 0)) {
    ctx.out(`version must be a positive integer or omitted, got ${JSON.stringify(version)}`);
    return 2;
  }
  const registered = await ctx.client.version(subject, wanted);
  ctx.out(`${subject} version ${registered.version} id ${registered.id}`);
  ctx.out(JSON.stringify(JSON.parse(registered.schema), null, 2));
  return 0;
}

/** Regenerates src/generated/records.ts from the .avsc files. */
export function codegenCommand(ctx: SchemaCommandContext, target: string): number {
  writeFileSync(target, generateRecordTypes(ctx.schemas));
  ctx.out(`wrote ${target}`);
  return 0;
}
