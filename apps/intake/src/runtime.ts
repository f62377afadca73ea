import { randomUUID } from 'node:crypto';
import { AccountEventSerde, registryOptions } from '@tally/events';
import {
  consumerMetrics,
  createKafka,
  PartitionProcessor,
  RangeReader,
  TopicFollower,
} from '@tally/kafka';
import { createMetricsRegistry, tokenVerifierFromConfig, type Logger } from '@tally/service';
import type { Express } from 'express';
import { createIntakeApp } from './app.js';
import { commandHandler, type CommandHandler } from './command-handler.js';
import type { IntakeServiceConfig } from './config.js';
import { COMMAND_ID_HEADER, KafkaCommandGateway } from './gateway.js';
import { ReplyFeed } from './reply-feed.js';
import { ensureIntakeTopics, isReplay } from './state/changelog.js';
import { COMMAND, decodeReply } from './state/ledger-state.js';
import { PartitionStates } from './state/partition-states.js';
import { HOLD, TRANSFER, type HoldView, type TransferView } from './state/process-state.js';
import { ProcessFeed } from './process-feed.js';
import { ownedStoredViews, type StoredViews } from './state/stored-views.js';

export interface IntakeRuntime {
  readonly app: Express;
  readonly processor: PartitionProcessor;
  readonly states: PartitionStates;
  /** Stops the processor (in-flight batches commit), then disconnects everything. */
  stop(): Promise<void>;
}

export interface IntakeRuntimeOptions {
  /**
   * Something failed for good (the processor or a reader): the instance is no longer ready and
   * must exit non-zero so that it is restarted. The default throws nothing and only logs.
   */
  readonly onFatal?: (error: unknown) => void;
  /** The clock (epoch ms); tests skew it to play instances on machines whose clocks differ. */
  readonly now?: () => number;
}

const COMMAND_PREFIX = `${COMMAND}/`;
const TRANSFER_PREFIX = `${TRANSFER}/`;
const HOLD_PREFIX = `${HOLD}/`;

/** Wires Kafka, the registry, the state stores, the processor and the HTTP app of one instance. */
export async function startIntake(
  config: IntakeServiceConfig,
  logger: Logger,
  options: IntakeRuntimeOptions = {},
): Promise<IntakeRuntime> {
  // Unusable keys are a configuration error: refused before anything connects.
  const verifier = await tokenVerifierFromConfig(config);
  const topics = {
    events: config.TALLY_EVENTS_TOPIC,
    commands: config.TALLY_COMMANDS_TOPIC,
    outcomes: config.TALLY_OUTCOMES_TOPIC,
    changelog: config.TALLY_INTAKE_CHANGELOG_TOPIC,
  };
  const failures: unknown[] = [];
  const onFatal = (error: unknown) => {
    failures.push(error);
    logger.fatal({ err: error }, 'intake cannot go on');
    options.onFatal?.(error);
  };
  const kafka = createKafka(config, { logger: logger.child({ component: 'kafkajs' }) });
  const admin = kafka.admin();
  await admin.connect();
  await ensureIntakeTopics(
    admin,
    topics,
    config.TALLY_TOPIC_PARTITIONS,
    config.TALLY_TOPIC_REPLICATION,
  ).catch(async (error: unknown) => {
    // Refused (a topic of the wrong shape, or missing beside history): nothing else is open yet.
    await admin.disconnect();
    throw error;
  });
  const serde = await AccountEventSerde.connect({
    ...registryOptions(config),
    topic: topics.events,
  });
  const instanceId = randomUUID();
  // The processor's and the reply reader's fetches are on every command's path (ADR 0015).
  const fetchIntervalMs = config.KAFKA_FETCH_INTERVAL_MS;

  // The HTTP side: answers come from tailing the topics from now on, never from history.
  const feed = new ReplyFeed({ windowMs: config.INTAKE_IDEMPOTENCY_WINDOW });
  // Filled in once the stores exist: the feed's look-ups read the owned partitions' stores too.
  let stored: StoredViews | undefined;
  const processes = new ProcessFeed({
    stored: {
      transfers: (transferId) => stored?.transfers(transferId) ?? [],
      hold: (holdId) => stored?.hold(holdId),
    },
  });
  const follower = new TopicFollower({
    kafka,
    topics: [topics.changelog, topics.events],
    groupId: `${config.INTAKE_PROCESSOR_GROUP}-replies-${instanceId}`,
    startAt: 'end',
    fetchIntervalMs,
    logger,
    onFatal,
    onMessage: async (topic, _partition, message) => {
      if (topic === topics.changelog) {
        const key = message.key?.toString('utf8');
        if (message.value === null || key === undefined) return;
        if (key.startsWith(COMMAND_PREFIX)) {
          feed.onReply(decodeReply(message.value), isReplay(message));
        } else if (key.startsWith(TRANSFER_PREFIX)) {
          processes.onTransfer(JSON.parse(message.value.toString('utf8')) as TransferView);
        } else if (key.startsWith(HOLD_PREFIX)) {
          processes.onHold(JSON.parse(message.value.toString('utf8')) as HoldView);
        }
      } else if (message.key !== null && feed.wantsEventsOf(message.key.toString('utf8'))) {
        const event = await serde.decode(message.value);
        feed.onEvent(event.accountId, event.version);
      }
    },
  });
  // Which commands are in flight only serves status look-ups (answered 202 after a timeout):
  // a reader of its own that fetches in larger, less frequent bites.
  const submitted = new TopicFollower({
    kafka,
    topics: [topics.commands],
    groupId: `${config.INTAKE_PROCESSOR_GROUP}-submitted-${instanceId}`,
    startAt: 'end',
    maxWaitTimeInMs: 500,
    minBytes: 64 * 1024,
    logger,
    onFatal,
    onMessage: (_topic, _partition, message) => {
      const commandId = message.headers?.[COMMAND_ID_HEADER];
      // The key is the account: a status look-up must not tell other accounts' commands apart.
      if (commandId !== undefined && message.key !== null) {
        feed.onCommand(String(commandId), message.key.toString('utf8'));
      }
    },
  });

  // The processing side: a store per owned partition, restored from the changelog on takeover.
  const reader = new RangeReader({
    kafka,
    topic: topics.changelog,
    groupId: `${config.INTAKE_PROCESSOR_GROUP}-restore-${instanceId}`,
    logger,
    onFatal,
  });
  // Each joins a group of its own; side by side, start-up waits for one join, not three.
  await Promise.all([follower.start(admin), submitted.start(admin), reader.start()]);
  const states = new PartitionStates({
    dir: config.INTAKE_STATE_DIR,
    changelogTopic: topics.changelog,
    reader,
    admin,
    logger,
  });
  const metrics = createMetricsRegistry('intake');
  const consumer = consumerMetrics(metrics);
  const handler = commandHandler({
    storeOf: (partition) => states.store(partition),
    serde,
    eventsTopic: topics.events,
    outcomesTopic: topics.outcomes,
    changelogTopic: topics.changelog,
    commandsTopic: topics.commands,
    idempotencyWindowMs: config.INTAKE_IDEMPOTENCY_WINDOW,
    logger,
    ...(options.now ? { now: options.now } : {}),
  });
  const processor = new PartitionProcessor({
    kafka,
    topic: topics.commands,
    groupId: config.INTAKE_PROCESSOR_GROUP,
    transactionalIdPrefix: config.INTAKE_TRANSACTIONAL_ID_PREFIX,
    sessionTimeoutMs: config.INTAKE_SESSION_TIMEOUT_MS,
    takeoverAttempts: config.INTAKE_TAKEOVER_ATTEMPTS,
    fetchIntervalMs,
    // Re-delivered commands are no-ops (their answers are in the store before the partition is
    // decided on), so command offsets need not ride in every transaction: once a second per
    // partition saves two of the five round trips of most transactions.
    offsetCommitIntervalMs: 1_000,
    logger,
    onFatal,
    // Runs after fencing: everything the previous owner committed is in the changelog now.
    prepare: (partition) => states.restore(partition),
    release: (partition) => states.release(partition),
    handle: handler.handle,
    onEvent: (event) => consumer.observe({ ...event, topic: topics.commands }),
  });
  stored = ownedStoredViews(states, () => processor.preparedPartitions(), options.now ?? Date.now);
  await processor.start();
  // Commands written but not yet decided, per owned partition: what an autoscaler reads.
  const lagTimer = setInterval(() => {
    processor.lag().then(
      (lags) => consumer.observe({ type: 'lag', topic: topics.commands, lags }),
      (error: unknown) => logger.warn({ err: error }, 'reading the processing lag failed'),
    );
  }, 1_000);
  lagTimer.unref();
  const expiry = holdExpiryTimer(processor, handler, config.INTAKE_HOLD_EXPIRY_INTERVAL_MS, logger);

  const producer = kafka.producer();
  await producer.connect();
  const gateway = new KafkaCommandGateway(
    producer,
    feed,
    processes,
    topics.commands,
    config.INTAKE_COMMAND_TIMEOUT_MS,
  );

  const app = createIntakeApp({
    ...(options.now ? { now: options.now } : {}),
    gateway,
    verifier,
    rateLimit: { limit: config.RATE_LIMIT_COMMANDS, windowMs: config.RATE_LIMIT_WINDOW_MS },
    logger,
    metrics,
    readiness: [
      {
        name: 'failures',
        check: () => failures.length === 0 || `failed for good: ${String(failures[0])}`,
      },
      {
        name: 'replies',
        check: () =>
          (follower.failure() === undefined && submitted.failure() === undefined) ||
          'reading answers failed',
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
    states,
    stop: async () => {
      clearInterval(lagTimer);
      await expiry.stop();
      await processor.stop();
      states.closeAll();
      await producer.disconnect();
      await reader.stop();
      await follower.stop();
      await submitted.stop();
      await admin.disconnect();
    },
  };
}

/**
 * Every interval, each taken-over partition's owner decides the expiry of its holds due by its
 * clock, in a transaction of its own serialised with the partition's batches (ADR 0007). A failed
 * transaction drops the partition, which is taken over afresh; the next tick tries again.
 */
function holdExpiryTimer(
  processor: PartitionProcessor,
  handler: CommandHandler,
  intervalMs: number,
  logger: Logger,
): { stop(): Promise<void> } {
  let running: Promise<void> = Promise.resolve();
  let busy = false;
  const tick = async () => {
    for (const partition of processor.preparedPartitions()) {
      try {
        await processor.runOwned(partition, () => handler.expireDueHolds(partition));
      } catch (error) {
        logger.warn({ err: error, partition }, 'expiring holds failed; retried on the next tick');
      }
    }
  };
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    running = tick().finally(() => {
      busy = false;
    });
  }, intervalMs);
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}
