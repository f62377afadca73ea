import { encodeCommand, type CommandRecord } from '@tally/events';
import type { KafkaProducer, TraceContext } from '@tally/kafka';
import { currentTraceContext } from '@tally/telemetry';
import type { Answer, ReplyFeed } from './reply-feed.js';

/** Header of a command record naming its id, so a reader need not parse the value. */
export const COMMAND_ID_HEADER = 'command-id';

/** What the HTTP layer needs from command processing; the app is built against this port. */
export interface CommandGateway {
  /** The answer if one is known here already (a retry), without writing anything. */
  answerOf(commandId: string): Answer | undefined;
  /** Writes the command and waits for its answer; undefined when the wait timed out. */
  submit(record: CommandRecord): Promise<Answer | undefined>;
  /** The command's account while it is in flight (submitted, not answered yet); else undefined. */
  pendingAccountOf(commandId: string): string | undefined;
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

  constructor(
    private readonly producer: KafkaProducer,
    private readonly feed: ReplyFeed,
    private readonly topic: string,
    private readonly timeoutMs: number,
  ) {}

  answerOf(commandId: string): Answer | undefined {
    return this.feed.answerOf(commandId);
  }

  pendingAccountOf(commandId: string): string | undefined {
    return this.feed.pendingAccountOf(commandId);
  }

  async submit(record: CommandRecord): Promise<Answer | undefined> {
    // Wait first, so an answer that arrives during the send is not missed.
    const answer = this.feed.waitFor(record.commandId, record.command.accountId, this.timeoutMs);
    await this.send(record);
    // Still pending here after a 202, until its answer is read.
    this.feed.onCommand(record.commandId, record.command.accountId);
    return answer;
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
        await this.producer.send(
          {
            topic: this.topic,
            messages: batch.map(({ record, trace }) => ({
              key: record.command.accountId,
              value: encodeCommand(record),
              headers: { [COMMAND_ID_HEADER]: record.commandId },
              trace,
            })),
          },
          { timeoutMs: 10_000 },
        );
        for (const entry of batch) entry.done();
      } catch (error) {
        for (const entry of batch) entry.done(error);
      }
    }
    this.sending = false;
  }
}
