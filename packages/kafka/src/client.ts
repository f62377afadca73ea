import { loadConfig, type Logger } from '@tally/service';
import {
  AssignerProtocol,
  Kafka,
  logLevel,
  Partitioners,
  type Admin,
  type LogEntry,
  type Producer,
  type ProducerConfig,
} from 'kafkajs';
import { kafkaConnection, kafkaEnv, type KafkaConfig } from './config.js';
import { isRetriable } from './errors.js';
import { tracedMessages } from './tracing.js';
import type {
  GroupMember,
  KafkaAdmin,
  KafkaClient,
  KafkaProducer,
  PartitionLeaders,
  TopicRecords,
} from './types.js';

const pinoLevel = {
  [logLevel.NOTHING]: 'silent',
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
} as const;

/**
 * Conditions kafkajs logs as errors although it retries them itself: the transaction coordinator
 * still completing the previous transaction when the next one adds its partitions
 * (CONCURRENT_TRANSACTIONS, routine under load). If the retries run out, the send fails and its
 * caller logs that; each retried attempt is only worth a debug line.
 */
const RETRIED_BY_KAFKAJS = /another concurrent operation on the same transaction was ongoing/;

/** The logger level of a kafkajs log line. */
export function kafkajsLogLevel(
  level: logLevel,
  log: { readonly message?: unknown; readonly error?: unknown },
): (typeof pinoLevel)[keyof typeof pinoLevel] {
  const retried =
    RETRIED_BY_KAFKAJS.test(String(log.error ?? '')) ||
    RETRIED_BY_KAFKAJS.test(String(log.message ?? ''));
  return retried && level !== logLevel.NOTHING ? 'debug' : pinoLevel[level];
}

/** Routes kafkajs' own log lines into the service's structured logger. */
function kafkajsLogCreator(logger: Logger) {
  return () =>
    ({ namespace, level, log }: LogEntry) => {
      const { message, ...context } = log;
      const method = kafkajsLogLevel(level, log);
      if (method === 'silent') return;
      logger[method]({ kafkajs: namespace, ...context }, message);
    };
}

/**
 * Producers partition with the Java client's murmur2 partitioner, named explicitly, so that a Java
 * or Python producer puts the same key on the same partition.
 */
class TallyKafka extends Kafka {
  override producer(config: ProducerConfig = {}) {
    return super.producer({ createPartitioner: Partitioners.DefaultPartitioner, ...config });
  }
}

class IdempotentProducer implements KafkaProducer {
  constructor(private readonly producer: Producer) {}
  connect(): Promise<void> {
    return this.producer.connect();
  }
  disconnect(): Promise<void> {
    return this.producer.disconnect();
  }
  async send({ topic, messages }: TopicRecords, options: { readonly timeoutMs?: number } = {}) {
    const traced = tracedMessages(topic, messages);
    try {
      const written = await this.producer.send({
        topic,
        acks: -1,
        messages: traced.messages,
        ...(options.timeoutMs === undefined ? {} : { timeout: options.timeoutMs }),
      });
      traced.end();
      return written;
    } catch (error) {
      traced.end(error);
      throw error;
    }
  }
}

/**
 * Runs `work` again after a retriable error, a few times with backoff (about 3 s in all). For
 * admin requests about a topic created a moment ago (maybe by another instance): the brokers may
 * not know its leader yet, and kafkajs gives up at once.
 */
export async function retryingRetriable<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= 6 || !isRetriable(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
    }
  }
}

/**
 * The admin as the rest of the code base sees it. Offsets of a topic created a moment ago can fail
 * with a retriable error (no leader known yet) that kafkajs does not retry: this retries those.
 */
class RetryingAdmin implements KafkaAdmin {
  constructor(readonly admin: Admin) {}
  connect(): Promise<void> {
    return this.admin.connect();
  }
  disconnect(): Promise<void> {
    return this.admin.disconnect();
  }
  listTopics(): Promise<string[]> {
    return this.admin.listTopics();
  }
  deleteTopics(options: { topics: string[] }): Promise<void> {
    return this.admin.deleteTopics(options);
  }
  fetchOffsets(options: { groupId: string; topics: string[] }) {
    return this.admin.fetchOffsets(options);
  }
  async groupMembers(groupId: string): Promise<GroupMember[]> {
    const { groups } = await this.admin.describeGroups([groupId]);
    return (groups[0]?.members ?? []).map((member) => ({
      memberId: member.memberId,
      clientId: member.clientId,
      assignment:
        member.memberAssignment.length === 0
          ? {}
          : (AssignerProtocol.MemberAssignment.decode(member.memberAssignment)?.assignment ?? {}),
    }));
  }
  fetchTopicOffsets(topic: string) {
    return retryingRetriable(() => this.admin.fetchTopicOffsets(topic));
  }
  fetchTopicOffsetsByTimestamp(topic: string, timestamp: number) {
    return retryingRetriable(() => this.admin.fetchTopicOffsetsByTimestamp(topic, timestamp));
  }
  async partitionLeaders(topics: readonly string[]): Promise<PartitionLeaders> {
    const { topics: metadata } = await retryingRetriable(() =>
      this.admin.fetchTopicMetadata({ topics: [...topics] }),
    );
    return new Map(
      metadata.map(({ name, partitions }) => [
        name,
        new Map(partitions.map((p) => [p.partitionId, p.leader])),
      ]),
    );
  }
}

const javaPartitioner = Partitioners.DefaultPartitioner();

/** The partition the producers put `key` on (the Java client's murmur2), for records written by hand. */
export function partitionFor(key: string | Buffer, partitions: number): number {
  const partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({
    partitionId,
    leader: 0,
    replicas: [0],
    isr: [0],
    partitionErrorCode: 0,
  }));
  return javaPartitioner({ topic: '', partitionMetadata, message: { key, value: null } });
}

// The kafkajs objects behind the port, for this package's consumers and topic admin only.
const clients = new WeakMap<KafkaClient, Kafka>();
const admins = new WeakMap<KafkaAdmin, Admin>();

/** The kafkajs client behind a KafkaClient made by createKafka. */
export function kafkajsOf(client: KafkaClient): Kafka {
  const kafka = clients.get(client);
  if (kafka === undefined) throw new TypeError('not a client made by createKafka');
  return kafka;
}

/** The kafkajs admin behind a KafkaAdmin made by a KafkaClient. */
export function kafkajsAdminOf(admin: KafkaAdmin): Admin {
  const found = admins.get(admin);
  if (found === undefined) throw new TypeError('not an admin made by a KafkaClient');
  return found;
}

export interface KafkaClientOptions {
  readonly logger?: Logger | undefined;
  /** Overrides KAFKA_CLIENT_ID, e.g. for a tool beside the service. */
  readonly clientId?: string;
}

/**
 * A client for the brokers of the config (KAFKA_BROKERS, KAFKA_CLIENT_ID), authenticated and over
 * TLS when KAFKA_SASL_* and KAFKA_SSL* say so.
 */
export function createKafka(config: KafkaConfig, options: KafkaClientOptions = {}): KafkaClient {
  const { logger } = options;
  const kafka = new TallyKafka({
    clientId: options.clientId ?? config.KAFKA_CLIENT_ID,
    brokers: [...config.KAFKA_BROKERS],
    ...kafkaConnection(config),
    logLevel: logger ? logLevel.WARN : logLevel.NOTHING,
    ...(logger ? { logCreator: kafkajsLogCreator(logger) } : {}),
    retry: { retries: 8, initialRetryTime: 100 },
  });
  const client: KafkaClient = {
    admin() {
      const admin = new RetryingAdmin(kafka.admin());
      admins.set(admin, admin.admin);
      return admin;
    },
    producer() {
      return new IdempotentProducer(kafka.producer({ idempotent: true, maxInFlightRequests: 1 }));
    },
  };
  clients.set(client, kafka);
  return client;
}

/** A client configured from environment variables (KAFKA_BROKERS, KAFKA_SASL_*, …), for tools. */
export function kafkaFromEnv(
  vars: Readonly<Record<string, string | undefined>>,
  options: KafkaClientOptions = {},
): KafkaClient {
  return createKafka(loadConfig(kafkaEnv, vars), options);
}
