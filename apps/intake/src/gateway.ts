import { encodeCommand, type CommandRecord, type OutcomeRecord } from '@tally/events';
import type { KafkaProducer } from '@tally/kafka';
import type { LedgerView } from './ledger-view.js';

/** What the HTTP layer needs from command processing; the app is built against this port. */
export interface CommandGateway {
  /** The outcome if one is known already (a retry), without writing anything. */
  outcomeOf(commandId: string): OutcomeRecord | undefined;
  /** Writes the command and waits for its outcome; undefined when the wait timed out. */
  submit(record: CommandRecord): Promise<OutcomeRecord | undefined>;
  /** The command's account while this instance waits for its outcome; else undefined. */
  pendingAccountOf(commandId: string): string | undefined;
}

/**
 * Sends commands to the commands topic. Requests arriving while a send is in flight are sent
 * together in the next one, so throughput does not stop at one round trip per command.
 */
export class KafkaCommandGateway implements CommandGateway {
  private queue: { record: CommandRecord; done: (error?: unknown) => void }[] = [];
  private sending = false;
  /** Requests waiting per command id, and the command's account. */
  private readonly pending = new Map<string, { readonly accountId: string; waiting: number }>();

  constructor(
    private readonly producer: KafkaProducer,
    private readonly view: LedgerView,
    private readonly topic: string,
    private readonly timeoutMs: number,
  ) {}

  outcomeOf(commandId: string): OutcomeRecord | undefined {
    return this.view.outcomeOf(commandId);
  }

  pendingAccountOf(commandId: string): string | undefined {
    return this.pending.get(commandId)?.accountId;
  }

  async submit(record: CommandRecord): Promise<OutcomeRecord | undefined> {
    const { commandId } = record;
    const entry = this.pending.get(commandId) ?? {
      accountId: record.command.accountId,
      waiting: 0,
    };
    entry.waiting += 1;
    this.pending.set(commandId, entry);
    try {
      // Wait first, so an outcome that arrives during the send is not missed.
      const outcome = this.view.waitForOutcome(commandId, this.timeoutMs);
      await this.send(record);
      return await outcome;
    } finally {
      entry.waiting -= 1;
      if (entry.waiting === 0) this.pending.delete(commandId);
    }
  }

  private send(record: CommandRecord): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ record, done: (error) => (error ? reject(error) : resolve()) });
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
          messages: batch.map(({ record }) => ({
            key: record.command.accountId,
            value: encodeCommand(record),
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
