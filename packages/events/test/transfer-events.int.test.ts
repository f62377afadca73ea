import { ACCOUNT_EVENT_TYPES, foldEvents, type AccountEvent } from '@tally/ledger';
import { uniqueName } from '@tally/kafka/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  AccountEventSerde,
  EventDecodeError,
  loadSchemas,
  parseSchema,
  RegistryClient,
  RegistryError,
  registerSchemas,
  subjectFor,
  unknownEventSubjects,
} from '../src/index.js';
import { checkCommand, unknownCommand } from '../src/schema-commands.js';
import { registryUrl, seedEvents, transferAndHoldEvents } from '@tally/testing';

// ADR 0007: the transfer and hold events are new records on the same topic, one subject each
// (`<topic>-tally.account.<Name>`), FULL_TRANSITIVE, registered through the workflow before any
// deploy; a reader built before them halts on them with UNKNOWN_EVENT_TYPE.
const client = new RegistryClient(registryUrl);
const allSchemas = loadSchemas();
const BEFORE_TRANSFERS = ['AccountOpened', 'MoneyDeposited', 'MoneyWithdrawn', 'AccountClosed'];
/** The schema set of a build that predates transfers and holds. */
const oldSchemas = allSchemas.filter((s) => BEFORE_TRANSFERS.includes(s.name));
const newTypes = ACCOUNT_EVENT_TYPES.filter((type) => !BEFORE_TRANSFERS.includes(type));

describe('transfer and hold events on the account events topic', () => {
  const topic = uniqueName('transfer-events');
  let oldSerde: AccountEventSerde;
  let newSerde: AccountEventSerde;
  const story = transferAndHoldEvents();

  beforeAll(async () => {
    // The registry as it is before the change: only the four original subjects.
    await registerSchemas(client, topic, oldSchemas);
    oldSerde = await AccountEventSerde.connect({ registryUrl, topic, schemas: oldSchemas });
  });

  it('is one event story the ledger folds', () => {
    expect(new Set(story.map((e) => e.type))).toEqual(
      new Set(ACCOUNT_EVENT_TYPES.filter((t) => t !== 'AccountClosed')),
    );
    expect(foldEvents(story)).toMatchObject({ balance: 90, held: 0, unsettled: 0, version: 14 });
  });

  it('`check` reports the eight new subjects as new and passes', async () => {
    const lines: string[] = [];
    const code = await checkCommand({
      client,
      topic,
      schemas: allSchemas,
      out: (l) => lines.push(l),
    });
    expect(code).toBe(0);
    for (const type of newTypes) {
      expect(lines).toContain(
        `new        ${subjectFor(topic, `tally.account.${type}`)}: not registered yet; ` +
          '`register` makes it version 1 (FULL_TRANSITIVE)',
      );
    }
    expect(lines.filter((l) => l.startsWith('unchanged'))).toHaveLength(4);
    expect(lines.at(-1)).toBe('check passed');
  });

  it('a build before them lists their subjects as unknown once they are registered', async () => {
    expect(await unknownEventSubjects(client, topic, oldSchemas)).toEqual([]);
    const registered = await registerSchemas(client, topic, allSchemas);
    expect(
      registered
        .filter((r) => r.created)
        .map((r) => r.subject)
        .sort(),
    ).toEqual(newTypes.map((type) => subjectFor(topic, `tally.account.${type}`)).sort());
    const unknown = await unknownEventSubjects(client, topic, oldSchemas);
    expect(unknown).toEqual(newTypes.map((t) => subjectFor(topic, `tally.account.${t}`)).sort());
    expect(await unknownEventSubjects(client, topic, allSchemas)).toEqual([]);

    const lines: string[] = [];
    expect(
      await unknownCommand({ client, topic, schemas: oldSchemas, out: (l) => lines.push(l) }),
    ).toBe(1);
    expect(lines.at(-1)).toBe(
      '8 subject(s) unknown to this build: deploy readers that know them first',
    );
    newSerde = await AccountEventSerde.connect({ registryUrl, topic });
  });

  it('sets FULL_TRANSITIVE on every subject of the topic', async () => {
    for (const local of allSchemas) {
      expect(await client.subjectCompatibility(subjectFor(topic, local.fullName))).toBe(
        'FULL_TRANSITIVE',
      );
    }
  });

  it('round-trips every event type through the current build', async () => {
    for (const event of [...seedEvents(), ...story]) {
      expect(await newSerde.decode(newSerde.encode(event))).toEqual(event);
    }
  });

  it('lets a build before them read the old types and halt on each new one', async () => {
    for (const event of seedEvents()) {
      expect(await oldSerde.decode(newSerde.encode(event))).toEqual(event);
    }
    for (const type of newTypes) {
      const event = story.find((e) => e.type === type) as AccountEvent;
      const failure = await oldSerde
        .decode(newSerde.encode(event))
        .catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(EventDecodeError);
      expect(failure).toMatchObject({ reason: 'UNKNOWN_EVENT_TYPE' });
      expect((failure as Error).message).toContain(
        `tally.account.${type}, not an account event type this build knows`,
      );
      expect((failure as Error).message).toContain('deploy a reader built with it');
    }
  });

  it('holds the new subjects to FULL_TRANSITIVE: an optional field passes, a removed one is refused', async () => {
    const debited = allSchemas.find((s) => s.name === 'TransferDebited')!.schema;
    const subject = subjectFor(topic, 'tally.account.TransferDebited');
    const withoutCurrency = {
      ...debited,
      fields: debited.fields.filter((f) => f.name !== 'currency'),
    };
    const refused = await client
      .register(subject, JSON.stringify(withoutCurrency))
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(RegistryError);
    expect((refused as RegistryError).status).toBe(409);

    const withMemo = parseSchema({
      ...debited,
      fields: [
        ...debited.fields,
        { name: 'memo', type: ['null', 'string'], default: null, doc: 'A note.' },
      ],
    });
    const lines: string[] = [];
    const schemas = allSchemas.map((s) => (s.name === 'TransferDebited' ? withMemo : s));
    expect(await checkCommand({ client, topic, schemas, out: (l) => lines.push(l) })).toBe(0);
    expect(lines).toContain(
      `compatible ${subject}: can be registered as version 2 (FULL_TRANSITIVE)`,
    );
  });
});
