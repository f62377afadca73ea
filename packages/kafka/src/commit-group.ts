/**
 * Group commit: the batches handed in during one turn of the event loop, or while the previous
 * group's transaction is being written, are committed together in one transaction. kafkajs hands
 * the batches of all partitions of one fetch over at once, so replay commits once per fetch
 * instead of once per partition (ADR 0015); each batch keeps its own answer (committed or stale).
 * A group that fails is tried again batch by batch, each in a transaction of its own, so one
 * partition's refused batch never fails (or halts) another partition: a batch must therefore be
 * one that can be written twice (a lazily read batch must read its records again). Shared by the
 * projector's and the audit's stores.
 */
export class CommitGroup<Batch, Result> {
  private waiting: Pending<Batch, Result>[] = [];
  private draining = false;

  constructor(
    private readonly commitAll: (batches: readonly Batch[]) => Promise<readonly Result[]>,
  ) {}

  commit(batch: Batch): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      this.waiting.push({ batch, resolve, reject });
      if (this.draining) return;
      this.draining = true;
      // After the microtasks of this turn: the other partitions' batches of the fetch join.
      setImmediate(() => void this.drain());
    });
  }

  private async drain(): Promise<void> {
    while (this.waiting.length > 0) {
      const group = this.waiting;
      this.waiting = [];
      await this.commitGroup(group);
    }
    this.draining = false;
  }

  private async commitGroup(group: readonly Pending<Batch, Result>[]): Promise<void> {
    try {
      const results = await this.commitAll(group.map((p) => p.batch));
      group.forEach((p, i) => p.resolve(results[i] as Result));
      return;
    } catch (error) {
      if (group.length === 1) {
        group[0]?.reject(error);
        return;
      }
    }
    for (const pending of group) {
      await this.commitAll([pending.batch]).then(
        ([result]) => pending.resolve(result as Result),
        (error: unknown) => pending.reject(error),
      );
    }
  }
}

interface Pending<Batch, Result> {
  readonly batch: Batch;
  readonly resolve: (result: Result) => void;
  readonly reject: (error: unknown) => void;
}
