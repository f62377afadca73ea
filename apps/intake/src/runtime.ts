import { randomUUID } from 'node:crypto';
import { AccountEventSerde, decodeOutcome, ensureLedgerTopics } from '@tally/events';
import { consumerMetrics, createKafka, PartitionProcessor, TopicFollower } from '@tally/kafka';
import { createMetricsRegistry, type Logger } from '@tally/service';
import type { Express } from 'express';
import { createIntakeApp } from './app.js';
import { commandHandler } from './command-handler.js';
import type { IntakeConfig } from './config.js';
import { KafkaCommandGateway } from './gateway.js';
import { LedgerView } from './ledger-view.js';

export interface IntakeRuntime {
  readonly app: Express;
  readonly processor: PartitionProcessor;
  /** Stops the processor (in-flight batches commit), then disconnects everything. */
  stop(): Promise<void>;
}

/** Wires Kafka, the registry, the view, the processor and the HTTP app of one intake instance. */
export async function startIntake(config: IntakeConfig, logger: Logger): Promise<IntakeRuntime> {
  const topics = {
    events: config.TALLY_EVENTS_TOPIC,
    commands: config.TALLY_COMMANDS_TOPIC,
    outcomes: config.TALLY_OUTCOMES_TOPIC,
  };
  const kafka = createKafka(config, { logger: logger.child({ component: 'kafkajs' }) });
  const admin = kafka.admin();
  await admin.connect();
  await ensureLedgerTopics(
    admin,
    topics,
    config.TALLY_TOPIC_PARTITIONS,
    config.TALLY_TOPIC_REPLICATION,
  );
  const serde = await AccountEventSerde.connect({
    registryUrl: config.SCHEMA_REGISTRY_URL,
    topic: topics.events,
  });

  const view = new LedgerView();
  const follower = new TopicFollower({
    kafka,
    topics: [topics.events, topics.outcomes],
    // Its own group: every instance reads everything from the beginning.
    groupId: `${config.INTAKE_PROCESSOR_GROUP}-view-${randomUUID()}`,
    logger,
    onMessage: async (topic, _partition, message) => {
      if (topic === topics.events) view.applyEvent(await serde.decode(message.value), 'log');
      else view.recordOutcome(decodeOutcome(message.value), 'log');
    },
  });
  const startOffsets = await TopicFollower.endOffsets(admin, [topics.events, topics.outcomes]);
  await follower.start();

  const metrics = createMetricsRegistry('intake');
  const consumer = consumerMetrics(metrics);
  const processor = new PartitionProcessor({
    kafka,
    topic: topics.commands,
    groupId: config.INTAKE_PROCESSOR_GROUP,
    transactionalIdPrefix: config.INTAKE_TRANSACTIONAL_ID_PREFIX,
    sessionTimeoutMs: config.INTAKE_SESSION_TIMEOUT_MS,
    // Re-delivered commands are no-ops (their outcome is in the view before the partition is
    // decided on), so command offsets need not ride in every transaction: once a second per
    // partition saves two of the five round trips of most transactions.
    offsetCommitIntervalMs: 1_000,
    logger,
    prepare: async (partition) => {
      // Everything the fenced owner committed is below these offsets.
      const ends = await TopicFollower.endOffsets(
        admin,
        [topics.events, topics.outcomes],
        [partition],
      );
      await follower.waitFor(ends);
    },
    handle: commandHandler({
      view,
      serde,
      eventsTopic: topics.events,
      outcomesTopic: topics.outcomes,
      logger,
    }),
    onEvent: (event) => consumer.observe({ ...event, topic: topics.commands }),
  });
  await processor.start();
  // Commands written but not yet decided, per owned partition: what an autoscaler reads.
  const lagTimer = setInterval(() => {
    processor.lag().then(
      (lags) => consumer.observe({ type: 'lag', topic: topics.commands, lags }),
      (error: unknown) => logger.warn({ err: error }, 'reading the processing lag failed'),
    );
  }, 1_000);
  lagTimer.unref();

  const producer = kafka.producer();
  await producer.connect();
  const gateway = new KafkaCommandGateway(
    producer,
    view,
    topics.commands,
    config.INTAKE_COMMAND_TIMEOUT_MS,
  );

  const app = createIntakeApp({
    gateway,
    logger,
    metrics,
    readiness: [
      {
        name: 'view',
        check: () => follower.isAt(startOffsets) || 'reading events and outcomes',
      },
      {
        name: 'processor',
        check: () => processor.isCaughtUp() || 'taking over command partitions',
      },
    ],
  });

  return {
    app,
    processor,
    stop: async () => {
      clearInterval(lagTimer);
      await processor.stop();
      await producer.disconnect();
      await follower.stop();
      await admin.disconnect();
    },
  };
}
