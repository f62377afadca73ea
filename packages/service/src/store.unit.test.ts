import { describe, expect, it } from 'vitest';
import { MultiRowInsert } from './store.js';

describe('MultiRowInsert', () => {
  it('inserts every row once, in order, at most rowsPerStatement rows per statement', () => {
    const prepared: string[] = [];
    const runs: { sql: string; params: unknown[] }[] = [];
    const insert = new MultiRowInsert(
      (sql) => {
        prepared.push(sql);
        return { run: (params) => runs.push({ sql, params: [...params] }) };
      },
      'INSERT INTO t (a, b) VALUES',
      2,
      32,
    );
    const rows = Array.from({ length: 70 }, (_, i) => [`a${i}`, i]);
    insert.run(rows.flat());
    insert.run(rows.slice(0, 6).flat());
    expect(runs.map((r) => r.params.length / 2)).toEqual([32, 32, 6, 6]);
    expect(runs.flatMap((r) => r.params)).toEqual([...rows.flat(), ...rows.slice(0, 6).flat()]);
    // One statement per row count, prepared once and kept.
    expect(prepared).toHaveLength(2);
    expect(runs[2]!.sql).toBe(
      `INSERT INTO t (a, b) VALUES ${new Array(6).fill('(?, ?)').join(', ')}`,
    );
  });

  it('runs nothing for no rows', () => {
    let ran = 0;
    new MultiRowInsert(() => ({ run: () => (ran += 1) }), 'INSERT INTO t (a) VALUES', 1).run([]);
    expect(ran).toBe(0);
  });
});
