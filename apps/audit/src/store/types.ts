import type { ChainedEntry, ChainHead, EntryContent } from '../core/chain.js';
import type { Digest } from '../core/digest.js';

/** An entry as stored: the chained entry plus its row id (global insertion order). */
export interface StoredEntry extends ChainedEntry {
  readonly id: number;
}

export interface AppendBatch {
  readonly topic: string;
  readonly partition: number;
  /** The stored next offset this batch continues from; anything else means another writer moved it. */
  readonly fromOffset: string;
  /** Stored as the partition's next offset in the same transaction as the entries. */
  readonly nextOffset: string;
  readonly contents: readonly EntryContent[];
}

export interface AppendResult {
  readonly kind: 'appended' | 'stale';
  readonly head?: ChainHead;
}

export interface Page<T> {
  readonly items: readonly T[];
  /** Cursor for the next page, or null at the end. */
  readonly next: string | null;
}

/**
 * The append-only audit store. Entries of a batch and the partition's next offset are written in
 * one transaction, after checking that the stored offset is still the one the batch continues from
 * (exactly once in effect). UPDATE and DELETE of entries are refused by the database itself.
 */
export interface AuditStore {
  readonly kind: 'sqlite' | 'postgres';
  loadOffsets(topic: string): Promise<ReadonlyMap<number, string>>;
  append(batch: AppendBatch): Promise<AppendResult>;
  /** Heads as recorded next to the offsets (seq and hash of each chain's last entry). */
  heads(): Promise<ChainHead[]>;
  /** Every chain that has entries, sorted. */
  chains(): Promise<string[]>;
  /** Entries of one chain with seq > afterSeq, in seq order. */
  scanChain(chain: string, afterSeq: number, limit: number): Promise<StoredEntry[]>;
  /** Entries about one account, by row id. */
  accountEntries(accountId: string, afterId: number, limit: number): Promise<Page<StoredEntry>>;
  /** Payloads (canonical JSON) of event entries of one account, in chain order. */
  accountEventPayloads(accountId: string): Promise<string[]>;
  /** Payloads of event entries whose occurredAt is in [from, to), in chain order. */
  eventPayloadsBetween(from: number, to: number): Promise<string[]>;
  /** Payloads of outcome entries decided in [from, to). */
  outcomePayloadsBetween(from: number, to: number): Promise<string[]>;
  /** Payloads of every event entry, chain by chain in seq order, in pages (afterId cursor). */
  eventPayloadPage(afterId: number, limit: number): Promise<{ id: number; payload: string }[]>;
  counts(): Promise<{ entries: number; anomalies: number; events: number; outcomes: number }>;
  anomalies(limit: number): Promise<StoredEntry[]>;
  saveDigest(digest: Digest): Promise<void>;
  latestDigest(): Promise<Digest | undefined>;
  close(): Promise<void>;
}
