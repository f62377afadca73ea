import {
  AccountEventSerde,
  encodeOutcome,
  loadSchemas,
  registerSchemas,
  RegistryClient,
} from '@tally/events';
import { partitionStoreContract, uniqueName } from '@tally/kafka/testing';
import { beforeAll, describe, it } from 'vitest';
import { AuditIngestor } from '../src/ingest.js';
import { opened, registryUrl, storeFactories } from './support.js';

// Both ingestors over each database keep the skeleton's PartitionStore contract.
let serde: AccountEventSerde;
beforeAll(async () => {
  const topic = uniqueName('audit-contract');
  await registerSchemas(new RegistryClient(registryUrl), topic, loadSchemas());
  serde = await AccountEventSerde.connect({ registryUrl, topic });
});

const record = (offset: number, value: Buffer) => ({
  offset: String(offset),
  timestamp: '0',
  key: null,
  value,
});

const outcome = (accountId: string) =>
  encodeOutcome({
    v: 1,
    commandId: `cmd-${accountId}`,
    idempotencyKey: 'k',
    requestHash: 'h',
    commandType: 'OpenAccount',
    accountId,
    correlationId: 'c',
    actor: 'contract',
    receivedAt: 1,
    decidedAt: 2,
    outcome: 'accepted',
    eventIds: [],
    version: 1,
    balance: 0,
    currency: 'EUR',
    rejection: null,
  });

describe.each(storeFactories)('audit ingestors on $name: PartitionStore contract', (factory) => {
  describe.each([
    ['events', (account: string) => serde.encode(opened(account))],
    ['outcomes', outcome],
  ] as const)('%s', (kind, value) => {
    const cases = partitionStoreContract(async () => {
      const { store, cleanup } = await factory.create();
      return {
        store:
          kind === 'events' ? AuditIngestor.events(store, serde) : AuditIngestor.outcomes(store),
        anchors: store,
        records: async (partition, first, count) =>
          Array.from({ length: count }, (_, i) =>
            record(first + i, value(`contract-${partition}-${first + i}`)),
          ),
        poison: (offset) => record(offset, Buffer.from('{not avro, not json')),
        onPoison: 'keep',
        cleanup,
      };
    });
    for (const c of cases) it(c.name, c.run);
  });
});
