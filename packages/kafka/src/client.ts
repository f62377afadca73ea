import type { Logger } from '@tally/service';
import { Kafka, logLevel, Partitioners, type LogEntry, type ProducerConfig } from 'kafkajs';
import type { KafkaConfig } from './config.js';

const pinoLevel = {
  [logLevel.NOTHING]: 'silent',
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
} as const;

/** Routes kafkajs' own log lines into the service's structured logger. */
function kafkajsLogCreator(logger: Logger) {
  return () =>
    ({ namespace, level, log }: LogEntry) => {
      const { message, ...context } = log;
      const method = pinoLevel[level];
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

/**
 * A kafkajs client for the given brokers. kafkajs is unmaintained upstream, so the rest of the
 * code base only sees it through this package.
 */
export function createKafka(config: KafkaConfig, logger?: Logger): Kafka {
  return new TallyKafka({
    clientId: config.clientId,
    brokers: [...config.brokers],
    logLevel: logger ? logLevel.WARN : logLevel.NOTHING,
    ...(logger ? { logCreator: kafkajsLogCreator(logger) } : {}),
    retry: { retries: 8, initialRetryTime: 100 },
  });
}
