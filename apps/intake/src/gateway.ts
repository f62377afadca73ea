import { encodeCommand, type CommandRecord } from '@tally/events';
import type { KafkaProducer, TraceContext } from '@tally/kafka';
import { currentTraceContext } from '@tally/telemetry';
import type { ProcessFeed } from './process-feed.js';
import type { Answer, ReplyFeed } from './reply-feed.js';
import type { HoldView, TransferView } from './state/process-state.js';

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
  /** A transfer as far as it is known here (ADR 0007); undefined when not seen. */
  transferOf(transferId: string): TransferView | undefined;
  /**
   * The transfer once final, or as far as it got when the command timeout, counted from
   * `startedAt` (performance.now() of the request), ran out.
   */
  waitForTransfer(transferId: string, startedAt: number): Promise<TransferView | undefined>;
  /** A hold as far as it is known here; undefined when not seen. */
  holdOf(holdId: string): HoldView | undefined;
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
    private readonly processes: ProcessFeed,
    private readonly topic: string,
    private readonly timeoutMs: number,
  ) {}

  transferOf(transferId: string): TransferView | undefined {
    return this.processes.transferOf(transferId);
  }

  waitForTransfer(transferId: string, startedAt: number): Promise<TransferView | undefined> {
    const left = this.timeoutMs - (performance.now() - startedAt);
    return this.processes.waitForFinal(transferId, left);
  }

  holdOf(holdId: string): HoldView | undefined {
    return this.processes.holdOf(holdId);
  }

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
