/**
 * Wakes the `?minVersion=` waits of an account when a batch that changed it commits, instead of
 * each waiting request reading the store every 20 ms (ADR 0015). In-process only: a commit by
 * another instance of the projector (a shared PostgreSQL) is seen by the wait's fallback timeout.
 */
export class CommitSignal {
  private readonly waiting = new Map<string, Set<() => void>>();

  /**
   * Resolves `changed` at the next commit that changed the account, or after `ms`, whichever comes
   * first. Watch before reading the store, so that a commit in between is not missed.
   */
  watch(accountId: string, ms: number): { readonly changed: Promise<void>; cancel(): void } {
    let wake: () => void = () => undefined;
    const changed = new Promise<void>((resolve) => {
      const timer = setTimeout(() => wake(), ms);
      wake = () => {
        clearTimeout(timer);
        this.forget(accountId, wake);
        resolve();
      };
    });
    let waiters = this.waiting.get(accountId);
    if (waiters === undefined) this.waiting.set(accountId, (waiters = new Set()));
    waiters.add(wake);
    return { changed, cancel: wake };
  }

  /** A batch that changed these accounts committed. */
  committed(accountIds: Iterable<string>): void {
    if (this.waiting.size === 0) return;
    for (const id of accountIds) {
      const waiters = this.waiting.get(id);
      if (waiters !== undefined) for (const wake of [...waiters]) wake();
    }
  }

  /** Accounts with at least one waiting request. */
  get watched(): number {
    return this.waiting.size;
  }

  private forget(accountId: string, wake: () => void): void {
    const waiters = this.waiting.get(accountId);
    if (waiters === undefined) return;
    waiters.delete(wake);
    if (waiters.size === 0) this.waiting.delete(accountId);
  }
}
