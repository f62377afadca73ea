import { EventDecodeError, type AccountEventSerde } from '@tally/events';
import {
  PartitionConsumer,
  type ApplyResult,
  type Halt,
  type KafkaClient,
  type PartitionBatch,
  type PartitionConsumerEvent,
  type PartitionLag,
  type PartitionStore,
} from '@tally/kafka';
import type { AccountEvent } from '@tally/ledger';
import type { Logger } from '@tally/service';
import type { ProjectorMetrics } from './metrics.js';
import { projectEvent, projectEvents, type AccountRow, type HistoryRow } from './projection.js';
import type { ReadModelStore } from './store/types.js';

export interface ProjectorOptions {
  readonly kafka: KafkaClient;
  readonly topic: string;
  readonly groupId: string;
  readonly store: ReadModelStore;
  readonly serde: AccountEventSerde;
  readonly logger?: Logger;
  readonly metrics?: ProjectorMetrics;
  /** How often halted partitions look for an operator's skip, and lag is refreshed. */
  readonly pollMs?: number;
  readonly onEvent?: (event: PartitionConsumerEvent) => void;
  readonly sessionTimeout?: number;
  /** Fetch size per partition (bounds one batch, so one transaction); PartitionConsumer's default. */
  readonly maxBytesPerPartition?: number;
}

/**
 * The shell around the pure fold: decodes a batch, folds it onto the stored rows and commits rows
 * and the partition's next offset in one transaction. Halts a partition, never skips, on an
 * undecodable record, a version gap or an event that does not fit its account.
 */
export class Projector implements PartitionStore {
  readonly consumer: PartitionConsumer;
  private timer: NodeJS.Timeout | undefined;
  private lastLag: PartitionLag[] = [];
  private readonly window: { at: number; count: number }[] = [];

  constructor(private readonly options: ProjectorOptions) {
    this.consumer = new PartitionConsumer({
      kafka: options.kafka,
      topic: options.topic,
      groupId: options.groupId,
      store: this,
      ...(options.logger ? { logger: options.logger } : {}),
      onEvent: (event) => this.observe(event),
      ...(options.sessionTimeout ? { sessionTimeout: options.sessionTimeout } : {}),
      ...(options.maxBytesPerPartition
        ? { maxBytesPerPartition: options.maxBytesPerPartition }
        : {}),
    });
  }

  async start(): Promise<void> {
    await this.consumer.start();
    const poll = this.options.pollMs ?? 1_000;
    this.timer = setInterval(() => void this.tick().catch(() => undefined), poll);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.consumer.stop();
  }

  halts(): readonly Halt[] {
    return this.consumer.halted();
  }

  /** Lag per partition, as of the last refresh (every pollMs). */
  lag(): readonly PartitionLag[] {
    return this.lastLag;
  }

  async refreshLag(): Promise<readonly PartitionLag[]> {
    this.lastLag = await this.consumer.lag();
    for (const l of this.lastLag) this.options.metrics?.lag.set({ partition: l.partition }, l.lag);
    return this.lastLag;
  }

  loadOffsets(topic: string): Promise<ReadonlyMap<number, string>> {
    return this.options.store.loadOffsets(topic);
  }

  async applyBatch(batch: PartitionBatch): Promise<ApplyResult> {
    const { store, serde } = this.options;
    const before = store.generation;
    if ((await store.refreshGeneration()) !== before) return { kind: 'reload' };
    const skips = new Set((await store.skips(batch.topic, batch.partition)).map((s) => s.offset));

    // 1. decode, up to the first record that is not an account event
    const events: { offset: string; event: AccountEvent }[] = [];
    let halt: { offset: string; reason: string; detail: string } | undefined;
    let skipped = 0;
    for (const message of batch.messages) {
      if (skips.has(message.offset)) {
        events.push({ offset: message.offset, event: undefined as never });
        skipped++;
        continue;
      }
      try {
        // Synchronous once the writer schema id is known (every record but the first per id).
        const event = serde.decodeCached(message.value) ?? (await serde.decode(message.value));
        events.push({ offset: message.offset, event });
      } catch (error) {
        if (!(error instanceof EventDecodeError)) throw error;
        halt = {
          offset: message.offset,
          reason: `undecodable:${error.reason}`,
          detail: error.message,
        };
        break;
      }
    }

    // 2. fold onto the stored rows: account by account (the state is converted once per account,
    // not once per event); if any account fails, the batch is folded again in offset order so
    // the halt is at the first failing offset and nothing after it is applied.
    const byAccount = new Map<string, AccountEvent[]>();
    for (const { event } of events) {
      if (event === undefined) continue;
      const run = byAccount.get(event.accountId);
      if (run === undefined) byAccount.set(event.accountId, [event]);
      else run.push(event);
    }
    const stored = await store.loadAccounts([...byAccount.keys()]);
    let changed: AccountRow[] = [];
    let history: HistoryRow[] = [];
    let duplicates = 0;
    let failed = false;
    for (const [accountId, run] of byAccount) {
      const row = stored.get(accountId);
      const fold = projectEvents(row, run);
      if (fold.failure) {
        failed = true;
        break;
      }
      duplicates += fold.duplicates;
      if (fold.account !== row && fold.account !== undefined) changed.push(fold.account);
      for (const h of fold.history) history.push(h);
    }
    if (failed) {
      const inOrder = foldInOrder(events, stored);
      ({ changed, history, duplicates } = inOrder);
      halt = inOrder.halt ?? halt;
    }

    // 3. rows and offset in one transaction
    const nextOffset = halt ? halt.offset : batch.nextOffset;
    const outcome = await store.commit({
      topic: batch.topic,
      partition: batch.partition,
      fromOffset: batch.fromOffset,
      nextOffset,
      accounts: changed,
      history,
    });
    if (outcome === 'stale') return { kind: 'reload' };
    const m = this.options.metrics;
    if (m) {
      const partition = String(batch.partition);
      if (duplicates > 0) m.duplicates.inc({ partition }, duplicates);
      if (skipped > 0) m.skipped.inc({ partition }, skipped);
    }
    return halt
      ? { kind: 'halted', ...halt, applied: history.length }
      : { kind: 'applied', nextOffset, applied: history.length };
  }

  private observe(event: PartitionConsumerEvent): void {
    const m = this.options.metrics;
    if (event.type === 'applied') {
      this.window.push({ at: Date.now(), count: event.applied });
      if (m) {
        m.eventsApplied.inc({ partition: event.partition }, event.applied);
        m.lastAppliedOffset.set({ partition: event.partition }, Number(event.nextOffset) - 1);
        m.batchSeconds.observe(event.ms / 1000);
      }
    } else if (event.type === 'halted') {
      m?.halted.set({ partition: event.partition, offset: event.offset, reason: event.reason }, 1);
      m?.lastAppliedOffset.set({ partition: event.partition }, Number(event.offset) - 1);
    } else if (event.type === 'resumed') {
      m?.halted.reset();
      for (const h of this.consumer.halted()) {
        m?.halted.set({ partition: h.partition, offset: h.offset, reason: h.reason }, 1);
      }
      this.options.logger?.warn(event, `partition ${event.partition} resumed at ${event.offset}`);
    }
    this.options.onEvent?.(event);
  }

  /** Events applied per second over the last 10 s. */
  rate(): number {
    const since = Date.now() - 10_000;
    while (this.window.length > 0 && (this.window[0]?.at ?? 0) < since) this.window.shift();
    return this.window.reduce((sum, w) => sum + w.count, 0) / 10;
  }

  private async tick(): Promise<void> {
    this.options.metrics?.eventsPerSecond.set(this.rate());
    await this.refreshLag();
    // An operator's skip of a halted record lets its partition go on.
    for (const h of this.consumer.halted()) {
      const skips = await this.options.store.skips(this.options.topic, h.partition);
      if (skips.some((s) => s.offset === h.offset)) this.consumer.retry(h.partition);
    }
  }
}

/** The batch folded event by event in offset order, up to the first event that does not apply. */
function foldInOrder(
  events: readonly { offset: string; event: AccountEvent }[],
  stored: ReadonlyMap<string, AccountRow>,
): {
  changed: AccountRow[];
  history: HistoryRow[];
  duplicates: number;
  halt?: { offset: string; reason: string; detail: string };
} {
  const changed = new Map<string, AccountRow>();
  const history: HistoryRow[] = [];
  let duplicates = 0;
  for (const { offset, event } of events) {
    if (event === undefined) continue;
    const current = changed.get(event.accountId) ?? stored.get(event.accountId);
    const result = projectEvent(current, event);
    if (result.kind === 'applied') {
      changed.set(event.accountId, result.account);
      history.push(result.history);
    } else if (result.kind === 'duplicate') {
      duplicates++;
    } else {
      const where = `account ${event.accountId} version ${event.version}`;
      const halt =
        result.kind === 'gap'
          ? {
              offset,
              reason: 'version-gap',
              detail: `${where}: expected version ${result.expected}`,
            }
          : { offset, reason: `corrupt:${result.reason}`, detail: `${where}: ${result.message}` };
      return { changed: [...changed.values()], history, duplicates, halt };
    }
  }
  return { changed: [...changed.values()], history, duplicates };
}
