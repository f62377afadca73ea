import type { TopicAnchorStore } from '@tally/kafka';
import type { ChainedEntry, ChainHead, EntryContent } from '../core/chain.js';
import type { HeadWithOffset, SignedDigest } from '../core/signed-digest.js';

/** A log another thread can open read-only: a SQLite file. */
export interface LogLocation {
  readonly kind: 'sqlite';
  readonly path: string;
}

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
  /**
   * The entries' contents in offset order, read inside the write: a generator lets the store
   * take a statement's rows at a time, so a batch's entries never all live at once. An error it
   * throws aborts the append (nothing written). A store that writes several batches in one
   * transaction writes them again one by one when that transaction fails, so an iterable read
   * twice must give the same contents (a generator function behind `[Symbol.iterator]`).
   */
  readonly contents: Iterable<EntryContent>;
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

/** Entry counts, kept by every append next to the offsets (never a full count). */
export interface EntryCounts {
  readonly entries: number;
  readonly events: number;
  readonly outcomes: number;
  readonly anomalies: number;
}

/** Where a sorted stream stopped: the last key and row id returned. */
export interface StreamCursor {
  readonly key: string;
  readonly id: number;
}

/** A transfer event's entry with the transfer id its payload names. */
export interface TransferEntry {
  readonly transferId: string;
  readonly entry: StoredEntry;
}

/**
 * The append-only audit store. Entries of a batch and the partition's next offset are written in
 * one transaction, after checking that the stored offset is still the one the batch continues from
 * (exactly once in effect). UPDATE and DELETE of entries and digests are refused by the database
 * itself. The schema comes from versioned migrations (`migrations.ts`).
 */
export interface AuditStore extends TopicAnchorStore {
  readonly kind: 'sqlite' | 'postgres';
  loadOffsets(topic: string): Promise<ReadonlyMap<number, string>>;
  append(batch: AppendBatch): Promise<AppendResult>;
  /** Heads as recorded next to the offsets (seq and hash of each chain's last entry). */
  heads(): Promise<ChainHead[]>;
  /** Each partition's head with its next offset, read together (one statement). */
  headsWithOffsets(): Promise<HeadWithOffset[]>;
  /** Every chain that has entries, sorted. */
  chains(): Promise<string[]>;
  /**
   * Where another thread opens its own read-only view of this log (verification across cores),
   * or undefined when it cannot.
   */
  readOnlyLocation(): LogLocation | undefined;
  /** Entries of one chain with afterSeq < seq <= toSeq (default: no bound), in seq order. */
  scanChain(chain: string, afterSeq: number, limit: number, toSeq?: number): Promise<StoredEntry[]>;
  /** Entries about one account, by row id. */
  accountEntries(accountId: string, afterId: number, limit: number): Promise<Page<StoredEntry>>;
  /** Payloads of event entries whose occurredAt is in [from, to), in chain order. */
  eventPayloadsBetween(from: number, to: number): Promise<string[]>;
  /** Payloads of outcome entries decided in [from, to). */
  outcomePayloadsBetween(from: number, to: number): Promise<string[]>;
  /**
   * Event entries of every account, by account id in UTF-8 byte order, then row id; a page
   * starts after `after` (null: from the start).
   */
  eventsByAccount(after: StreamCursor | null, limit: number): Promise<StoredEntry[]>;
  /** Transfer event entries by transfer id in UTF-8 byte order, then row id. */
  transferEvents(after: StreamCursor | null, limit: number): Promise<TransferEntry[]>;
  /**
   * Builds the indexes reports read, if missing (SQLite builds them once caught up; PostgreSQL's
   * migrations made them). Reports give the same answers without them, more slowly.
   */
  buildReportIndexes(): Promise<void>;
  /** Kept by every append: readiness and metrics read these instead of counting. */
  counts(): Promise<EntryCounts>;
  anomalies(limit: number): Promise<StoredEntry[]>;
  /** Stores a signed digest; refused unless it is the next sequence number. */
  saveSignedDigest(digest: SignedDigest): Promise<void>;
  latestSignedDigest(): Promise<SignedDigest | undefined>;
  signedDigest(sequence: number): Promise<SignedDigest | undefined>;
  /** The sequence of the digest whose period holds chain#seq, if one does yet. */
  digestCovering(chain: string, seq: number): Promise<number | undefined>;
  close(): Promise<void>;
}
