import { describe, expect, it } from 'vitest';
import { CommitGroup } from './commit-group.js';

/** A store that records each transaction's batches and refuses any group holding `refused`. */
function recordingStore(refused?: string) {
  const transactions: string[][] = [];
  const group = new CommitGroup<string, string>(async (batches) => {
    transactions.push([...batches]);
    if (refused !== undefined && batches.includes(refused)) throw new Error(`refused ${refused}`);
    return batches.map((b) => `committed ${b}`);
  });
  return { group, transactions };
}

describe('CommitGroup', () => {
  it('commits the batches handed in during one turn in one transaction, each with its answer', async () => {
    const { group, transactions } = recordingStore();
    const answers = await Promise.all(['p0', 'p1', 'p2'].map((b) => group.commit(b)));
    expect(answers).toEqual(['committed p0', 'committed p1', 'committed p2']);
    expect(transactions).toEqual([['p0', 'p1', 'p2']]);
  });

  it('groups what arrives while a transaction is written into the next one', async () => {
    const transactions: string[][] = [];
    let release: () => void = () => undefined;
    const firstWritten = new Promise<void>((resolve) => (release = resolve));
    const group = new CommitGroup<string, string>(async (batches) => {
      transactions.push([...batches]);
      if (transactions.length === 1) await firstWritten;
      return batches.map(() => 'committed');
    });
    const first = group.commit('a');
    // Wait until the first transaction holds 'a', then hand in two more while it is written.
    await new Promise((resolve) => setImmediate(resolve));
    expect(transactions).toEqual([['a']]);
    const later = [group.commit('b'), group.commit('c')];
    release();
    await Promise.all([first, ...later]);
    expect(transactions).toEqual([['a'], ['b', 'c']]);
  });

  it('commits batch by batch when the group fails: one refused batch fails only itself', async () => {
    const { group, transactions } = recordingStore('bad');
    const results = await Promise.allSettled(['p0', 'bad', 'p2'].map((b) => group.commit(b)));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(results[1]).toMatchObject({ reason: new Error('refused bad') });
    expect(transactions).toEqual([['p0', 'bad', 'p2'], ['p0'], ['bad'], ['p2']]);
  });

  it('passes a lone batch’s failure on and keeps committing later batches', async () => {
    const { group, transactions } = recordingStore('bad');
    await expect(group.commit('bad')).rejects.toThrow('refused bad');
    expect(await group.commit('next')).toBe('committed next');
    expect(transactions).toEqual([['bad'], ['next']]);
  });
});
