import { describe, expect, it } from 'vitest';
import { anchorTable, checkAnchor, findAnchor, type OffsetAtTimestamp } from './topic-anchor.js';

/** ListOffsets by timestamp over a partition that starts at `start` and holds these timestamps. */
function partition(start: number, timestamps: readonly number[]): OffsetAtTimestamp {
  return async (t) => {
    const index = timestamps.findIndex((ts) => ts >= t);
    return BigInt(start + (index === -1 ? timestamps.length : index));
  };
}

const NOW = Date.parse('2026-11-30T20:00:00Z');

describe('a topic anchor', () => {
  it("is the partition's start and its first record's timestamp", async () => {
    const log = partition(0, [NOW - 5_000, NOW - 9_000, NOW - 1_000]);
    expect(await findAnchor(0n, log, NOW)).toEqual({ offset: '0', timestamp: NOW - 5_000 });
  });

  it('is not taken on an empty partition', async () => {
    expect(await findAnchor(7n, partition(7, []), NOW)).toBeUndefined();
  });

  it('holds for the same partition grown since', async () => {
    const anchor = (await findAnchor(0n, partition(0, [NOW - 5_000]), NOW))!;
    const grown = partition(0, [NOW - 5_000, NOW - 6_000, NOW + 60_000]);
    expect(await checkAnchor(anchor, 0n, grown)).toEqual({ kind: 'same' });
  });

  it('differs for a partition created again, grown past the old one', async () => {
    const anchor = (await findAnchor(0n, partition(0, [NOW - 5_000, NOW - 4_000]), NOW))!;
    const recreated = partition(0, [NOW + 1, NOW + 2, NOW + 3]);
    expect(await checkAnchor(anchor, 0n, recreated)).toMatchObject({ kind: 'different' });
    // A producer clock behind ours: the new first record looks older than the old one.
    const older = partition(0, [NOW - 8_000, NOW]);
    expect(await checkAnchor(anchor, 0n, older)).toMatchObject({ kind: 'different' });
  });

  it('differs when the partition starts before its anchor, and expires after it', async () => {
    const anchor = { offset: '10', timestamp: NOW };
    expect(await checkAnchor(anchor, 0n, partition(0, [NOW]))).toMatchObject({
      kind: 'different',
      reason: 'it starts at 0, before its old start 10',
    });
    expect(await checkAnchor(anchor, 12n, partition(12, [NOW]))).toEqual({ kind: 'expired' });
  });
});

describe('anchorTable', () => {
  it('binds topic, partition, offset and timestamp in the placeholders of each database', () => {
    const sqlite = anchorTable('t_anchors', 'sqlite');
    const postgres = anchorTable('s.anchors', 'postgres');
    expect(sqlite.select).toBe('SELECT * FROM t_anchors WHERE topic = ?');
    expect(sqlite.upsert).toContain('INSERT INTO t_anchors VALUES (?, ?, ?, ?)');
    expect(postgres.select).toBe('SELECT * FROM s.anchors WHERE topic = $1');
    expect(postgres.upsert).toContain('INSERT INTO s.anchors VALUES ($1, $2, $3, $4)');
    for (const upsert of [sqlite.upsert, postgres.upsert]) {
      expect(upsert).toContain('ON CONFLICT (topic, partition) DO UPDATE');
    }
    expect(sqlite.valuesOf('events', 3, { offset: '42', timestamp: NOW })).toEqual([
      'events',
      3,
      '42',
      NOW,
    ]);
  });
});
