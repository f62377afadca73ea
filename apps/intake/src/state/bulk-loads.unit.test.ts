import type { KafkaRecord } from '@tally/kafka';
import { scratchDir } from '@tally/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { BulkLoads } from './bulk-loads.js';
import { changelogMessage } from './changelog.js';
import { PartitionStore } from './partition-store.js';
import type { StateChange } from './partition-store.js';

const scratch = scratchDir('bulk-load');
afterAll(() => scratch.remove());

/** The change as a record read back from the changelog. */
function record(change: StateChange, offset: number): KafkaRecord {
  const written = changelogMessage(change, 0);
  const headers = Object.fromEntries(
    Object.entries(written.headers ?? {}).map(([name, value]) => [name, Buffer.from(value)]),
  );
  return {
    offset: String(offset),
    timestamp: '0',
    key: Buffer.from(written.key as string),
    value: written.value === null ? null : Buffer.from(written.value),
    headers,
  };
}

describe('a bulk load into an empty store (on a worker thread, real SQLite)', () => {
  it('keeps the last value of each entry, drops tombstones, keeps expiries and the checkpoint', async () => {
    const changes: StateChange[] = [
      { kind: 'account', key: 'a-1', value: '{"v":1}' },
      { kind: 'command', key: 'c-1', value: '{"r":1}', expiresAt: 5_000 },
      { kind: 'account', key: 'a-2', value: '{"v":1}' },
      { kind: 'account', key: 'a-1', value: '{"v":2}' },
      { kind: 'command', key: 'c-2', value: '{"r":2}', expiresAt: 9_000 },
      { kind: 'command', key: 'c-1', value: null },
      { kind: 'account', key: 'ä/ü', value: '{"v":"ü"}' },
    ];
    const loads = new BulkLoads(1);
    const load = await loads.open(
      PartitionStore.loadingPathOf(scratch.dir, 0),
      PartitionStore.bulkLoad,
    );
    const records = changes.map((change, offset) => record(change, offset));
    // In two chunks, as fetches hand them over.
    await load.append(records.slice(0, 4));
    await load.append(records.slice(4));
    await load.finish(9n);
    PartitionStore.install(scratch.dir, 0);

    const store = PartitionStore.open(scratch.dir, 0) as PartitionStore;
    expect(store.checkpoint()).toBe(9n);
    expect(store.get('account', 'a-1', 0)?.value).toBe('{"v":2}');
    expect(store.get('account', 'a-2', 0)?.value).toBe('{"v":1}');
    expect(store.get('account', 'ä/ü', 0)?.value).toBe('{"v":"ü"}');
    expect(store.get('command', 'c-1', 0)).toBeUndefined();
    expect(store.get('command', 'c-2', 0)).toEqual({ value: '{"r":2}', expiresAt: 9_000 });
    expect(store.count('account')).toBe(3);
    expect(store.count('command')).toBe(1);
    expect(store.expired(10_000, 10)).toEqual([{ kind: 'command', key: 'c-2' }]);
    // Live writes after the load replace entries as before.
    store.apply([{ kind: 'account', key: 'a-2', value: '{"v":2}' }], 10n);
    expect(store.get('account', 'a-2', 0)?.value).toBe('{"v":2}');
    expect(store.count('account')).toBe(3);
    store.close();
  });

  it('loads many rows per statement, in any chunking, with the last write of each entry kept', async () => {
    // 500 accounts written twice (the second write in a later chunk), every 10th then deleted:
    // more rows than one statement takes, and a remainder.
    const changes: StateChange[] = [];
    for (const round of [1, 2])
      for (let i = 0; i < 500; i += 1)
        changes.push({ kind: 'account', key: `a-${i}`, value: `{"round":${round},"i":${i}}` });
    for (let i = 0; i < 500; i += 10) changes.push({ kind: 'account', key: `a-${i}`, value: null });
    const loads = new BulkLoads(1);
    const load = await loads.open(
      PartitionStore.loadingPathOf(scratch.dir, 2),
      PartitionStore.bulkLoad,
    );
    const records = changes.map((change, offset) => record(change, offset));
    for (let at = 0; at < records.length; at += 333) await load.append(records.slice(at, at + 333));
    await load.finish(BigInt(records.length));
    PartitionStore.install(scratch.dir, 2);

    const store = PartitionStore.open(scratch.dir, 2) as PartitionStore;
    expect(store.count('account')).toBe(450);
    expect(store.get('account', 'a-10', 0)).toBeUndefined();
    expect(store.get('account', 'a-499', 0)?.value).toBe('{"round":2,"i":499}');
    expect(store.get('account', 'a-1', 0)?.value).toBe('{"round":2,"i":1}');
    store.close();
  });

  it('refuses a changelog key that is not <kind>/<key>, and leaves no store behind', async () => {
    const loads = new BulkLoads(1);
    const load = await loads.open(
      PartitionStore.loadingPathOf(scratch.dir, 1),
      PartitionStore.bulkLoad,
    );
    const bad = { ...record({ kind: 'account', key: 'x', value: '{}' }, 0), key: Buffer.from('x') };
    await expect(load.append([bad])).rejects.toThrow(/<kind>\/<key>/);
    await load.abort();
    PartitionStore.remove(scratch.dir, 1);
    expect(PartitionStore.open(scratch.dir, 1)).toBeUndefined();
  });
});
