import { encodeCommand, type CommandRecord, type OutcomeRecord } from '@tally/events';
import type { KafkaProducer, TraceContext } from '@tally/kafka';
import { currentTraceContext } from '@tally/telemetry';
import type { LedgerView } from './ledger-view.js';

/** What the HTTP layer needs from command processing; the app is built against this port. */
export interface CommandGateway {
  /** The outcome if one is known already (a retry), without writing anything. */
  outcomeOf(commandId: string): OutcomeRecord | undefined;
  /** Writes the command and waits for its outcome; undefined when the wait timed out. */
  submit(record: CommandRecord): Promise<OutcomeRecord | undefined>;
  /** True while this instance waits for the command's outcome. */
  isPending(commandId: string): boolean;
}

/**
 * Sends commands to the commands topic. Requests arriving while a send is in flight are sent
 * together in the next one, so throughput does not stop at one round trip per command.
 */
export class KafkaCommandGateway implements CommandGateway {
  private queue: {
    record: CommandRecord;
    /** The request's trace: the command record continues it, whichever request sends the batch. */
    trace: TraceContext;
    done: (error?: unknown) => void;
  }[] = [];
  private sending = false;
  private readonly pending = new Map<string, number>();

  constructor(
    private readonly producer: KafkaProducer,
    private readonly view: LedgerView,
    private readonly topic: string,
    private readonly timeoutMs: number,
  ) {}

  outcomeOf(commandId: string): OutcomeRecord | undefined {
    return this.view.outcomeOf(commandId);
  }

  isPending(commandId: string): boolean {
    return this.pending.has(commandId);
  }

  async submit(record: CommandRecord): Promise<OutcomeRecord | undefined> {
    const { commandId } = record;
    this.pending.set(commandId, (this.pending.get(commandId) ?? 0) + 1);
    try {
      // Wait first, so an outcome that arrives during the send is not missed.
      const outcome = this.view.waitForOutcome(commandId, this.timeoutMs);
      await this.send(record);
      return await outcome;
    } finally {
      const left = (this.pending.get(commandId) ?? 1) - 1;
      if (left === 0) this.pending.delete(commandId);
      else this.pending.set(commandId, left);
    }
  }

  private send(record: CommandRecord): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({
        record,
        trace: currentTraceContext(),
        done: (error) => (error ? reject(error) : resolve()),
      });
      if (!this.sending) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.sending = true;
    while (this.queue.length > 0) {
      const batch = this.queue;
      this.queue = [];
      try {
        await this.producer.send({
          topic: this.topic,
          messages: batch.map(({ record, trace }) => ({
            key: record.command.accountId,
            value: encodeCommand(record),
            trace,
          })),
        });
        for (const entry of batch) entry.done();
      } catch (error) {
        for (const entry of batch) entry.done(error);
      }
    }
    this.sending = false;
  }
}
