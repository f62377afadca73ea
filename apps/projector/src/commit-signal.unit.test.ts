import { describe, expect, it, vi } from 'vitest';
import { CommitSignal } from './commit-signal.js';

describe('CommitSignal', () => {
  it('wakes the watches of a committed account at once, and only those', async () => {
    const signal = new CommitSignal();
    const woken: string[] = [];
    const a = signal.watch('a', 60_000);
    const b = signal.watch('b', 60_000);
    void a.changed.then(() => woken.push('a'));
    void b.changed.then(() => woken.push('b'));
    signal.committed(['a', 'c']);
    await a.changed;
    expect(woken).toEqual(['a']);
    expect(signal.watched).toBe(1);
    b.cancel();
    await b.changed;
    expect(signal.watched).toBe(0);
  });

  it('resolves after its timeout without a commit, and forgets the watch', async () => {
    vi.useFakeTimers();
    try {
      const signal = new CommitSignal();
      let done = false;
      void signal.watch('a', 100).changed.then(() => (done = true));
      await vi.advanceTimersByTimeAsync(99);
      expect(done).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      expect(done).toBe(true);
      expect(signal.watched).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('wakes every watch of one account', async () => {
    const signal = new CommitSignal();
    const watches = [signal.watch('a', 60_000), signal.watch('a', 60_000)];
    signal.committed(['a']);
    await Promise.all(watches.map((w) => w.changed));
    expect(signal.watched).toBe(0);
  });
});
