import type { LocalSchema } from './schemas.js';

// Generates the TypeScript shape of each record from its .avsc file, so that types cannot drift from
// the schemas: a unit test regenerates and compares, another proves them equal to the domain types.

const primitives: Record<string, string> = {
  null: 'null',
  boolean: 'boolean',
  int: 'number',
  long: 'number',
  float: 'number',
  double: 'number',
  string: 'string',
  bytes: 'Buffer',
};

function tsType(avroType: unknown, where: string): string {
  if (typeof avroType === 'string') {
    const mapped = primitives[avroType];
    if (mapped === undefined) throw new Error(`${where}: named type ${avroType} is not supported`);
    return mapped;
  }
  if (Array.isArray(avroType)) {
    return avroType.map((branch) => tsType(branch, where)).join(' | ');
  }
  if (typeof avroType === 'object' && avroType !== null) {
    const complex = avroType as {
      type: unknown;
      symbols?: string[];
      items?: unknown;
      values?: unknown;
    };
    if (complex.type === 'enum') return (complex.symbols ?? []).map((s) => `'${s}'`).join(' | ');
    if (complex.type === 'array') return `${tsType(complex.items, where)}[]`;
    if (complex.type === 'map') return `Record<string, ${tsType(complex.values, where)}>`;
    // Logical types are carried as their underlying Avro type (timestamp-millis as epoch ms).
    return tsType(complex.type, where);
  }
  throw new Error(`${where}: cannot map Avro type ${JSON.stringify(avroType)}`);
}

export function generateRecordTypes(schemas: readonly LocalSchema[]): string {
  const blocks = schemas.map(({ name, fullName, schema }) => {
    const fields = schema.fields.map((field) => {
      const doc = field.doc ? `  /** ${field.doc} */\n` : '';
      return `${doc}  ${field.name}: ${tsType(field.type, `${fullName}.${field.name}`)};`;
    });
    return `/** ${fullName}: ${schema.doc ?? ''} */\nexport interface ${name}Record {\n${fields.join('\n')}\n}`;
  });
  return [
    '// Generated from packages/events/schemas/*.avsc by `pnpm schemas codegen`. Do not edit.',
    '',
    ...blocks.flatMap((block) => [block, '']),
    unionType(
      'EventTypeName',
      schemas.map(({ name }) => `'${name}'`),
    ),
    '',
  ].join('\n');
}

/** The repository's Prettier print width: the output must already be formatted as Prettier would. */
const PRINT_WIDTH = 100;

/** A union type alias on one line, or one member per line when that line would be too long. */
function unionType(name: string, members: readonly string[]): string {
  const oneLine = `export type ${name} = ${members.join(' | ')};`;
  if (oneLine.length <= PRINT_WIDTH) return oneLine;
  return [`export type ${name} =`, ...members.map((m) => `  | ${m}`)].join('\n') + ';';
}
