import type { TopicAnchorStore } from '@tally/kafka';
import type { AccountRow, HistoryRow } from '../projection.js';

/** One batch of one partition: rows and the offset fence, committed in one transaction. */
export interface BatchCommit {
  readonly topic: string;
  readonly partition: number;
  /** The stored next offset this batch continues from (the fence). */
  readonly fromOffset: string;
  /** The next offset to store. */
  readonly nextOffset: string;
  /** Final row of every account the batch changed. */
  readonly accounts: readonly AccountRow[];
  readonly history: readonly HistoryRow[];
}

/** An operator's decision to pass over one record; every generation (and rebuild) honours it. */
export interface Skip {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly reason: string;
  readonly operator: string;
  readonly createdAt: number;
}

export interface Page<T> {
  readonly items: readonly T[];
  /** Pass as the cursor of the next page; null on the last page. */
  readonly next: string | null;
}

/**
 * The read model. Writes go to one generation's tables (`generation`); queries read the views of
 * the active generation, which a rebuild swaps atomically.
 */
export interface ReadModelStore extends TopicAnchorStore {
  readonly kind: 'sqlite' | 'postgres';
  /** The generation this handle writes. */
  readonly generation: number;

  loadOffsets(topic: string): Promise<ReadonlyMap<number, string>>;
  loadAccounts(ids: readonly string[]): Promise<ReadonlyMap<string, AccountRow>>;
  /**
   * Commits rows and offset atomically. 'stale' (and nothing written) when the stored offset is
   * not `fromOffset` or, for a handle following the active generation, the generation was swapped.
   */
  commit(batch: BatchCommit): Promise<'committed' | 'stale'>;
  /**
   * Several batches (of different partitions) in ONE transaction, each fenced by its own offset:
   * the answers in their order. `commit` groups the batches handed in together into one of these.
   */
  commitAll(batches: readonly BatchCommit[]): Promise<('committed' | 'stale')[]>;
  /** Re-binds a handle that follows the active generation to the current one. */
  refreshGeneration(): Promise<number>;

  getAccount(accountId: string): Promise<AccountRow | undefined>;
  /** The last history row at or before `at` (epoch ms): an index lookup. */
  balanceAsOf(accountId: string, at: number): Promise<HistoryRow | undefined>;
  history(accountId: string, afterVersion: number, limit: number): Promise<Page<HistoryRow>>;
  listAccounts(after: string | null, limit: number): Promise<Page<AccountRow>>;
  /** Everything, for comparisons (tests, rebuild checks); ordered. */
  dump(): Promise<{ accounts: AccountRow[]; history: HistoryRow[] }>;

  recordSkip(skip: Omit<Skip, 'createdAt'> & { createdAt?: number }): Promise<void>;
  skips(topic: string, partition: number): Promise<readonly Skip[]>;

  /**
   * Builds the indexes only queries need, which a new generation lacks while it catches up (ADR
   * 0015); idempotent. Queries answer the same without them, more slowly.
   */
  buildQueryIndexes(): Promise<void>;
  /** A fresh, empty generation for a rebuild; returns a handle writing into it. */
  createGeneration(): Promise<ReadModelStore>;
  /** Makes this handle's generation the active one (its query indexes built, views swapped). */
  activate(): Promise<void>;
  /** Drops every generation's tables except the active one. */
  dropInactive(): Promise<number[]>;
  activeGeneration(): Promise<number>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export class FencedError extends Error {}
