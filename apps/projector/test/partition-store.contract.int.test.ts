import { AccountEventSerde, loadSchemas, registerSchemas, RegistryClient } from '@tally/events';
import { partitionStoreContract, uniqueName } from '@tally/kafka/testing';
import { beforeAll, describe, it } from 'vitest';
import { BalancesProjection } from '../src/balances.js';
import { opened, registryUrl, storeFactories } from './support.js';

// The balances projection over each database keeps the skeleton's PartitionStore contract.
let serde: AccountEventSerde;
beforeAll(async () => {
  const topic = uniqueName('projector-contract');
  await registerSchemas(new RegistryClient(registryUrl), topic, loadSchemas());
  serde = await AccountEventSerde.connect({ registryUrl, topic });
});

describe.each(storeFactories)('BalancesProjection on $name: PartitionStore contract', (factory) => {
  const cases = partitionStoreContract(async () => {
    const { store, cleanup } = await factory.create();
    return {
      store: new BalancesProjection(store, serde),
      anchors: store,
      // Each record opens an account of its own: always the next version.
      records: async (partition, first, count) =>
        Array.from({ length: count }, (_, i) => ({
          offset: String(first + i),
          timestamp: '0',
          key: null,
          value: serde.encode(opened(`contract-${partition}-${first + i}`)),
        })),
      poison: (offset) => ({
        offset: String(offset),
        timestamp: '0',
        key: null,
        value: Buffer.from('not avro'),
      }),
      onPoison: 'halt',
      cleanup,
    };
  });
  for (const c of cases) it(c.name, c.run);
});
