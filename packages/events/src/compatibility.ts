import avro from 'avsc';
import type { RecordSchema } from './schemas.js';

// Explains Avro schema-resolution failures field by field, in the words of the compatibility rule
// that breaks. The registry stays the authority; this is what a person needs to fix the schema.

export type Direction = 'BACKWARD' | 'FORWARD';

export interface CompatibilityProblem {
  /** BACKWARD: the new schema cannot read data written with an old one. FORWARD: the reverse. */
  readonly direction: Direction;
  /** The registered version the candidate was compared with. */
  readonly againstVersion: number;
  readonly field: string;
  readonly message: string;
}

type Field = RecordSchema['fields'][number] & { aliases?: readonly string[] };

function describeType(type: unknown): string {
  if (typeof type === 'string') return type;
  if (Array.isArray(type)) return type.map(describeType).join(' | ');
  if (typeof type === 'object' && type !== null) {
    const t = type as { type: unknown; name?: string; logicalType?: string };
    if (t.name !== undefined) return t.name;
    return t.logicalType ? `${describeType(t.type)} (${t.logicalType})` : describeType(t.type);
  }
  return JSON.stringify(type);
}

function readable(readerType: unknown, writerType: unknown): boolean {
  try {
    avro.Type.forSchema(readerType as avro.Schema).createResolver(
      avro.Type.forSchema(writerType as avro.Schema),
    );
    return true;
  } catch {
    return false;
  }
}

/** Why `reader` cannot read data written with `writer`, one entry per offending field. */
export function resolutionProblems(
  reader: RecordSchema,
  writer: RecordSchema,
): { field: string; message: string }[] {
  const problems: { field: string; message: string }[] = [];
  const writerFields = new Map(writer.fields.map((field) => [field.name, field]));
  for (const field of reader.fields as readonly Field[]) {
    const names = [field.name, ...(field.aliases ?? [])];
    const source = names.map((name) => writerFields.get(name)).find((f) => f !== undefined);
    if (source === undefined) {
      if (field.default === undefined) {
        problems.push({
          field: field.name,
          message:
            `field '${field.name}' is in the reader but not in the writer and has no default ` +
            `(add a default, or an alias naming the field it was renamed from)`,
        });
      }
      continue;
    }
    if (!readable(field.type, source.type)) {
      problems.push({
        field: field.name,
        message:
          `field '${field.name}' changed type from ${describeType(source.type)} to ` +
          `${describeType(field.type)}, which Avro cannot promote`,
      });
    }
  }
  const readerName = reader.namespace ? `${reader.namespace}.${reader.name}` : reader.name;
  const writerName = writer.namespace ? `${writer.namespace}.${writer.name}` : writer.name;
  if (readerName !== writerName) {
    problems.push({
      field: '(record)',
      message: `record name changed from ${writerName} to ${readerName}`,
    });
  }
  return problems;
}

/**
 * Problems of registering `candidate` after `registered` (oldest first) at a compatibility level:
 * BACKWARD/FORWARD/FULL compare with the latest version, *_TRANSITIVE with every version.
 */
export function compatibilityProblems(
  candidate: RecordSchema,
  registered: readonly { version: number; schema: RecordSchema }[],
  level: string,
): CompatibilityProblem[] {
  if (level === 'NONE' || registered.length === 0) return [];
  const transitive = level.endsWith('_TRANSITIVE');
  const base = level.replace('_TRANSITIVE', '');
  const against = transitive ? registered : registered.slice(-1);
  const directions: Direction[] =
    base === 'FULL' ? ['BACKWARD', 'FORWARD'] : base === 'FORWARD' ? ['FORWARD'] : ['BACKWARD'];
  const problems: CompatibilityProblem[] = [];
  for (const { version, schema } of against) {
    for (const direction of directions) {
      const [reader, writer] = direction === 'BACKWARD' ? [candidate, schema] : [schema, candidate];
      for (const problem of resolutionProblems(reader, writer)) {
        problems.push({ direction, againstVersion: version, ...problem });
      }
    }
  }
  return problems;
}

/** One line per problem, saying what breaks for whom. */
export function formatProblem(problem: CompatibilityProblem): string {
  const who =
    problem.direction === 'BACKWARD'
      ? `new readers cannot read events written with version ${problem.againstVersion}`
      : `readers still on version ${problem.againstVersion} cannot read events written with the new schema`;
  return `${problem.direction} (${who}): ${problem.message}`;
}
