// Tally's own view of Kafka: the records, producer, admin and client the rest of the code base
// sees. kafkajs is unmaintained upstream, so only this package imports it (a lint rule holds it).
import type { TraceContext } from '@tally/telemetry';

export type { TraceContext };

/** Headers of a record as read: bytes (text if written as text); a repeated name has several. */
export type RecordHeaders = Readonly<
  Record<string, Buffer | string | readonly (Buffer | string)[] | undefined>
>;

/** Headers of a record to write, by name: text or bytes. */
export type OutgoingHeaders = Readonly<Record<string, string | Buffer>>;

/** A record as read from a topic. */
export interface KafkaRecord {
  /** Offset in the partition, an int64 as a decimal string. */
  readonly offset: string;
  /** The record's timestamp, epoch ms as a decimal string. */
  readonly timestamp: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  /** The record's headers (W3C `traceparent`/`tracestate` when its writer was traced). */
  readonly headers?: RecordHeaders | undefined;
}

/** A record to write. Without a partition, its key chooses one (the Java client's murmur2). */
export interface OutgoingRecord {
  readonly key?: string | Buffer | null;
  readonly value: string | Buffer | null;
  readonly partition?: number;
  readonly headers?: OutgoingHeaders;
  /**
   * The trace the record continues, captured where it was made (`currentTraceContext()` of
   * `@tally/telemetry`); default: the one active when it is sent. The writer adds its
   * `traceparent` header.
   */
  readonly trace?: TraceContext | undefined;
}

/** Records for one topic, written together. */
export interface TopicRecords {
  readonly topic: string;
  readonly messages: readonly OutgoingRecord[];
}

/** Where the broker put a written batch. */
export interface RecordMetadata {
  readonly topicName: string;
  readonly partition: number;
  readonly errorCode: number;
  readonly baseOffset?: string;
}

/**
 * An idempotent producer: acks from every in-sync replica, no duplicates on retries. Each record
 * made in a trace gets a `send` span, ended when acknowledged, and its `traceparent` header.
 */
export interface KafkaProducer {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  /**
   * Resolves once every in-sync replica has the records (acks=all); fails when the broker does not
   * answer within `timeoutMs` (default: the client's request timeout, 30 s).
   */
  send(records: TopicRecords, options?: { readonly timeoutMs?: number }): Promise<RecordMetadata[]>;
}

/** The offsets of one partition: first, end (high watermark) and last stable (read_committed end). */
export interface PartitionOffsets {
  readonly partition: number;
  readonly low: string;
  readonly high: string;
  /** The last stable offset: what a read_committed consumer can read up to. */
  readonly offset: string;
}

export interface KafkaAdmin {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  listTopics(): Promise<string[]>;
  fetchTopicOffsets(topic: string): Promise<PartitionOffsets[]>;
  /**
   * Per partition, the first offset whose record timestamp is at or after `timestamp` (the end
   * offset when there is none).
   */
  fetchTopicOffsetsByTimestamp(
    topic: string,
    timestamp: number,
  ): Promise<{ partition: number; offset: string }[]>;
  deleteTopics(options: { topics: string[] }): Promise<void>;
  /** The members of a consumer group and the partitions each was assigned. */
  groupMembers(groupId: string): Promise<GroupMember[]>;
  /** The leader (broker node id) of each partition of each topic, as the cluster's metadata says. */
  partitionLeaders(topics: readonly string[]): Promise<PartitionLeaders>;
  /** A consumer group's committed offsets ('-1': none). */
  fetchOffsets(options: {
    groupId: string;
    topics: string[];
  }): Promise<{ topic: string; partitions: { partition: number; offset: string }[] }[]>;
}

/** Topic -> partition -> the broker node id that leads it. */
export type PartitionLeaders = ReadonlyMap<string, ReadonlyMap<number, number>>;

/** A member of a consumer group, as the group coordinator describes it. */
export interface GroupMember {
  readonly memberId: string;
  readonly clientId: string;
  /** Assigned partitions by topic (empty while the group rebalances). */
  readonly assignment: Readonly<Record<string, readonly number[]>>;
}

/** A connection to a cluster; the consumers of this package take one. */
export interface KafkaClient {
  admin(): KafkaAdmin;
  /** An idempotent producer, one request in flight per broker, so order per partition holds. */
  producer(): KafkaProducer;
}
