import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import avro from 'avsc';

export interface RecordSchema {
  readonly type: 'record';
  readonly name: string;
  readonly namespace?: string;
  readonly doc?: string;
  readonly fields: readonly { name: string; type: unknown; doc?: string; default?: unknown }[];
}

/** One event type's schema as the code base knows it: the reader schema for decoding. */
export interface LocalSchema {
  /** The short record name, also the event's `type` discriminator, e.g. MoneyDeposited. */
  readonly name: string;
  /** Namespace-qualified record name, e.g. tally.account.MoneyDeposited. */
  readonly fullName: string;
  readonly schema: RecordSchema;
  readonly type: avro.Type;
}

/** The `.avsc` files that ship with this package: the single source of truth for event types. */
export const SCHEMA_DIR = fileURLToPath(new URL('../schemas/', import.meta.url));

export function parseSchema(schema: RecordSchema): LocalSchema {
  const type = avro.Type.forSchema(schema as avro.Schema);
  const fullName = type.name;
  if (fullName === undefined) throw new Error(`schema ${schema.name} has no name`);
  return { name: schema.name, fullName, schema, type };
}

export function loadSchemas(dir: string = SCHEMA_DIR): LocalSchema[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith('.avsc'))
    .sort()
    .map((file) => parseSchema(JSON.parse(readFileSync(`${dir}/${file}`, 'utf8')) as RecordSchema));
}
