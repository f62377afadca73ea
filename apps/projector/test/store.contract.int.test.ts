import { afterEach, describe, expect, it } from 'vitest';
import { projectAll } from '../src/projection.js';
import type { ReadModelStore } from '../src/store/types.js';
import { deposited, opened, storeFactories, withdrawn } from './support.js';

const t = Date.UTC(2026, 0, 1);
const events = [
  opened('acc-1', t),
  deposited('acc-1', 2, 100, t + 1000),
  withdrawn('acc-1', 3, 30, t + 2000),
  opened('acc-2', t + 500, 'Bob'),
];
const model = projectAll(events);

describe.each(storeFactories)('read model store contract: $name', (factory) => {
  let cleanup: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await cleanup?.();
    cleanup = undefined;
  });

  async function fresh(): Promise<ReadModelStore> {
    const created = await factory.create();
    cleanup = created.cleanup;
    return created.store;
  }

  const batch = (fromOffset: string, nextOffset: string) => ({
    topic: 'T',
    partition: 0,
    fromOffset,
    nextOffset,
    accounts: [...model.accounts.values()],
    history: model.history,
  });

  it('commits rows and offsets together, and fences a batch from a stale offset', async () => {
    const store = await fresh();
    expect(await store.loadOffsets('T')).toEqual(new Map());
    expect(await store.commit(batch('0', '4'))).toBe('committed');
    expect(await store.loadOffsets('T')).toEqual(new Map([[0, '4']]));
    // the same batch again (a redelivery after a crash) is refused and writes nothing
    expect(await store.commit(batch('0', '4'))).toBe('stale');
    const dump = await store.dump();
    expect(dump.accounts).toEqual(
      [...model.accounts.values()].sort((a, b) => a.accountId.localeCompare(b.accountId)),
    );
    expect(dump.history).toHaveLength(4);
    expect((await store.loadAccounts(['acc-1', 'nope'])).get('acc-1')?.balance).toBe(70);
  });

  it('commits batches of several partitions handed in together, each fenced by its own offset', async () => {
    const store = await fresh();
    const acc1 = model.accounts.get('acc-1')!;
    const acc2 = model.accounts.get('acc-2')!;
    const history = (id: string) => model.history.filter((h) => h.accountId === id);
    const part = (partition: number, fromOffset: string, id: string) => ({
      ...batch(fromOffset, '3'),
      partition,
      accounts: [id === 'acc-1' ? acc1 : acc2],
      history: history(id),
    });
    expect(await store.commit(part(1, '0', 'acc-2'))).toBe('committed');
    // Partition 1 is already at 3: its batch from 0 is a redelivery; partition 0's is new.
    const answers = await Promise.all([
      store.commit(part(0, '0', 'acc-1')),
      store.commit({ ...part(1, '0', 'acc-2'), accounts: [{ ...acc2, balance: 999 }] }),
    ]);
    expect(answers).toEqual(['committed', 'stale']);
    expect(await store.loadOffsets('T')).toEqual(
      new Map([
        [0, '3'],
        [1, '3'],
      ]),
    );
    const dump = await store.dump();
    expect(dump.accounts.map((a) => [a.accountId, a.balance])).toEqual([
      ['acc-1', 70],
      ['acc-2', 0],
    ]);
    expect(dump.history).toHaveLength(4);
    // One transaction, batch after batch: a partition's second batch continues from its first.
    expect(
      await store.commitAll([
        { ...part(2, '0', 'acc-1'), accounts: [], history: [] },
        { ...part(2, '3', 'acc-1'), nextOffset: '5', accounts: [], history: [] },
        { ...part(2, '0', 'acc-1'), accounts: [], history: [] },
      ]),
    ).toEqual(['committed', 'committed', 'stale']);
    expect((await store.loadOffsets('T')).get(2)).toBe('5');
  });

  it('keeps an account’s live holds and unsettled transfers (ADR 0007)', async () => {
    const store = await fresh();
    const row = model.accounts.get('acc-1')!;
    const reserved = {
      ...row,
      held: 25,
      holds: [{ holdId: 'h-1', amount: 25, expiresAt: t + 60_000, placedAt: t + 3000 }],
      unsettled: 10,
      unsettledTransfers: [{ transferId: 't-1', toAccountId: 'acc-2', amount: 10, debitedAt: t }],
    };
    await store.commit({ ...batch('0', '4'), accounts: [reserved] });
    expect((await store.loadAccounts(['acc-1'])).get('acc-1')).toEqual(reserved);
    expect(await store.getAccount('acc-1')).toEqual(reserved);
    await store.commit({
      ...batch('4', '5'),
      accounts: [{ ...reserved, held: 0, holds: [] }],
      history: [],
    });
    expect((await store.getAccount('acc-1'))?.holds).toEqual([]);
  });

  it('answers queries: account, balance as of, paged history and accounts', async () => {
    const store = await fresh();
    await store.commit(batch('0', '4'));
    expect((await store.getAccount('acc-1'))?.version).toBe(3);
    expect(await store.getAccount('acc-3')).toBeUndefined();
    expect(await store.balanceAsOf('acc-1', t - 1)).toBeUndefined();
    expect((await store.balanceAsOf('acc-1', t + 1500))?.balanceAfter).toBe(100);
    expect((await store.balanceAsOf('acc-1', t + 2000))?.balanceAfter).toBe(70);
    const page1 = await store.history('acc-1', 0, 2);
    expect(page1.items.map((h) => h.version)).toEqual([1, 2]);
    expect(page1.next).toBe('2');
    const page2 = await store.history('acc-1', 2, 2);
    expect(page2.items.map((h) => h.version)).toEqual([3]);
    expect(page2.next).toBeNull();
    const list = await store.listAccounts(null, 1);
    expect(list.items.map((a) => a.accountId)).toEqual(['acc-1']);
    expect((await store.listAccounts(list.next, 1)).items.map((a) => a.accountId)).toEqual([
      'acc-2',
    ]);
  });

  it('answers balance-as-of the same before and after its index is built (built once caught up)', async () => {
    const store = await fresh();
    await store.commit(batch('0', '4'));
    const asOf = () =>
      Promise.all(
        [t - 1, t, t + 1500, t + 2000, t + 10_000].map((at) => store.balanceAsOf('acc-1', at)),
      );
    const before = await asOf();
    expect(before.map((h) => h?.version)).toEqual([undefined, 1, 2, 3, 3]);
    await store.buildQueryIndexes();
    await store.buildQueryIndexes(); // idempotent
    expect(await asOf()).toEqual(before);
  });

  it('builds a new generation beside the live one and swaps it in atomically', async () => {
    const store = await fresh();
    await store.commit(batch('0', '4'));
    const next = await store.createGeneration();
    expect(next.generation).toBeGreaterThan(store.generation);
    await next.commit({
      ...batch('0', '2'),
      accounts: [model.accounts.get('acc-2')!],
      history: [],
    });
    // queries still see the live generation
    expect((await store.getAccount('acc-1'))?.balance).toBe(70);
    await next.activate();
    expect(await store.activeGeneration()).toBe(next.generation);
    expect(await store.getAccount('acc-1')).toBeUndefined();
    // the live writer is fenced until it follows the new generation
    expect(await store.commit(batch('4', '5'))).toBe('stale');
    expect(await store.refreshGeneration()).toBe(next.generation);
    expect(await store.loadOffsets('T')).toEqual(new Map([[0, '2']]));
    expect(await store.dropInactive()).toHaveLength(1);
  });

  it('records operator skips', async () => {
    const store = await fresh();
    await store.recordSkip({
      topic: 'T',
      partition: 2,
      offset: '17',
      reason: 'poison',
      operator: 'ops',
    });
    expect((await store.skips('T', 2)).map((s) => [s.offset, s.reason, s.operator])).toEqual([
      ['17', 'poison', 'ops'],
    ]);
    expect(await store.skips('T', 1)).toEqual([]);
  });
});
