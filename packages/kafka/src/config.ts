import { env } from '@tally/service';
import { z } from 'zod';

/**
 * Env vars every Kafka-using service and tool reads, the only place KAFKA_BROKERS is parsed; the
 * same names as infra/local and docker-compose.
 */
export const kafkaEnv = {
  KAFKA_BROKERS: env.list().default(['127.0.0.1:9092']),
  KAFKA_CLIENT_ID: z.string().min(1).default('tally'),
  /** Partitions of new topics; co-partitioned topics must share it (local 6, production from ops). */
  TALLY_TOPIC_PARTITIONS: env.positiveInt().default(6),
  /** 1 on the single local broker; 3 in production with min.insync.replicas=2. */
  TALLY_TOPIC_REPLICATION: env.positiveInt().default(1),
};

/** What a client needs of the loaded config. */
export interface KafkaConfig {
  readonly KAFKA_BROKERS: readonly string[];
  readonly KAFKA_CLIENT_ID: string;
}
