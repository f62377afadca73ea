import type { MoneyDeposited } from '@tally/ledger';
import { uniqueName } from '@tally/kafka/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  AccountEventSerde,
  loadSchemas,
  parseSchema,
  RegistryClient,
  RegistryError,
  registerSchemas,
  subjectFor,
  type LocalSchema,
  type RecordSchema,
} from '../src/index.js';
import { checkCommand, registerCommand } from '../src/schema-commands.js';
import { registryUrl, seedEvents } from '@tally/testing';

// Version 2 of MoneyDeposited gains an optional `reference`. Old and new readers each read the
// other's events; breaking changes are refused by `check` and by the registry.
const client = new RegistryClient(registryUrl);
const v1Schemas = loadSchemas();
const v1Deposit = v1Schemas.find((s) => s.name === 'MoneyDeposited')!.schema;

function withDeposit(fields: RecordSchema['fields']): LocalSchema[] {
  return v1Schemas.map((s) =>
    s.name === 'MoneyDeposited' ? parseSchema({ ...v1Deposit, fields }) : s,
  );
}

const v2Schemas = withDeposit([
  ...v1Deposit.fields,
  { name: 'reference', type: ['null', 'string'], default: null, doc: 'Payer reference, if any.' },
]);

async function runCheck(topic: string, schemas: readonly LocalSchema[]) {
  const lines: string[] = [];
  const code = await checkCommand({ client, topic, schemas, out: (line) => lines.push(line) });
  return { code, output: lines.join('\n') };
}

describe('schema evolution against the real registry', () => {
  const topic = uniqueName('evolution');
  const depositSubject = subjectFor(topic, 'tally.account.MoneyDeposited');
  let v1: AccountEventSerde;
  let v2: AccountEventSerde;

  beforeAll(async () => {
    const lines: string[] = [];
    await registerCommand({ client, topic, schemas: v1Schemas, out: (l) => lines.push(l) });
    expect(lines.filter((l) => l.startsWith('registered'))).toHaveLength(v1Schemas.length);
    expect(await client.subjectCompatibility(depositSubject)).toBe('FULL_TRANSITIVE');
    v1 = await AccountEventSerde.connect({ registryUrl, topic });
  });

  it('registers idempotently', async () => {
    const again = await registerSchemas(client, topic, v1Schemas);
    expect(again.every((r) => !r.created && r.version === 1)).toBe(true);
  });

  it('checks and registers version 2, then each reader reads the other writer', async () => {
    const check = await runCheck(topic, v2Schemas);
    expect(check.code).toBe(0);
    expect(check.output).toContain(`compatible ${depositSubject}: can be registered as version 2`);

    const [registered] = (await registerSchemas(client, topic, v2Schemas)).filter((r) => r.created);
    expect(registered).toMatchObject({ subject: depositSubject, version: 2 });
    v2 = await AccountEventSerde.connect({ registryUrl, topic, schemas: v2Schemas });

    const deposit = seedEvents()[1] as MoneyDeposited;
    const fromV1 = v1.encode(deposit);
    const fromV2 = v2.encode({ ...deposit, reference: 'invoice 42' } as MoneyDeposited);
    expect(fromV2.readUInt32BE(1)).toBe(registered!.id);

    expect(await v2.decode(fromV1)).toEqual({ ...deposit, reference: null });
    expect(await v1.decode(fromV2)).toEqual(deposit);
  });

  const breaking: [string, RecordSchema['fields'], RegExp][] = [
    [
      'a type change',
      v1Deposit.fields.map((f) => (f.name === 'amount' ? { ...f, type: 'string' } : f)),
      /field 'amount' changed type from long to string/,
    ],
    [
      'a removed field without default',
      v1Deposit.fields.filter((f) => f.name !== 'currency'),
      /FORWARD .*field 'currency' is in the reader but not in the writer and has no default/,
    ],
    [
      'a renamed field without alias',
      v1Deposit.fields.map((f) => (f.name === 'amount' ? { ...f, name: 'amountMinor' } : f)),
      /BACKWARD .*field 'amountMinor' is in the reader but not in the writer/,
    ],
  ];

  it.each(breaking)(
    'refuses %s in check and in the registry (409)',
    async (_, fields, explanation) => {
      const schemas = withDeposit(fields);
      const check = await runCheck(topic, schemas);
      expect(check.code).toBe(1);
      expect(check.output).toContain(`BREAKING   ${depositSubject} (FULL_TRANSITIVE):`);
      expect(check.output).toMatch(explanation);
      expect(check.output).toMatch(/registry: (BACKWARD|FORWARD) compatibility check failed/);

      const candidate = JSON.stringify(schemas.find((s) => s.name === 'MoneyDeposited')!.schema);
      const refused = await client.register(depositSubject, candidate).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(RegistryError);
      expect((refused as RegistryError).status).toBe(409);
      expect((refused as RegistryError).errorCode).toBe(409);
    },
  );
});
