import { LRUCache } from 'lru-cache';
import type { Reply } from './state/ledger-state.js';

export interface Answer {
  readonly reply: Reply;
  /** The command had been decided before: this is the first decision again. */
  readonly replayed: boolean;
}

export interface ReplyFeedOptions {
  /** The idempotency window: an answer older than this is forgotten here too. */
  readonly windowMs: number;
  readonly now?: () => number;
  /** Replies kept for status look-ups and quick retries. */
  readonly recentReplies?: number;
  /** Command ids (with their accounts) remembered as submitted and not yet answered. */
  readonly inFlightCommands?: number;
}

interface Waiting {
  readonly accountId: string;
  readonly resolvers: Set<(answer: Answer | undefined) => void>;
}

/**
 * The HTTP side's view of command processing, fed by tailing the topics from the moment the
 * instance started (memory is bounded: nothing is kept for good):
 * - commands: which command ids are in flight (a status look-up then answers "pending");
 * - the state changelog: the answer of each decided or retried command;
 * - events, only of accounts someone here waits for: a first-time acceptance is answered once
 *   its events are readable read_committed too (a commit is acknowledged before its markers are
 *   written on every partition).
 */
export class ReplyFeed {
  private readonly recent: LRUCache<string, Answer>;
  /** Command id → its account. */
  private readonly inFlight: LRUCache<string, string>;
  private readonly waiting = new Map<string, Waiting>();
  private readonly waitingAccounts = new Map<string, number>();
  private readonly eventVersions = new Map<string, number>();
  private readonly parked = new Map<string, Answer[]>();

  constructor(private readonly options: ReplyFeedOptions) {
    this.recent = new LRUCache({ max: options.recentReplies ?? 10_000 });
    this.inFlight = new LRUCache({ max: options.inFlightCommands ?? 100_000 });
  }

  /** A recent answer known here, if any. */
  answerOf(commandId: string): Answer | undefined {
    const answer = this.recent.get(commandId);
    if (answer === undefined) return undefined;
    const now = (this.options.now ?? Date.now)();
    return answer.reply.decidedAt + this.options.windowMs > now ? answer : undefined;
  }

  /** The account of a command submitted (by any instance) and not answered yet; else undefined. */
  pendingAccountOf(commandId: string): string | undefined {
    return this.inFlight.get(commandId) ?? this.waiting.get(commandId)?.accountId;
  }

  onCommand(commandId: string, accountId: string): void {
    if (!this.recent.has(commandId)) this.inFlight.set(commandId, accountId);
  }

  /** Whether events of this account matter here (decoding others is wasted work). */
  wantsEventsOf(accountId: string): boolean {
    return this.waitingAccounts.has(accountId);
  }

  onEvent(accountId: string, version: number): void {
    if (!this.waitingAccounts.has(accountId)) return;
    if (version > (this.eventVersions.get(accountId) ?? 0))
      this.eventVersions.set(accountId, version);
    const parked = this.parked.get(accountId);
    if (parked === undefined) return;
    const still = parked.filter((a) => a.reply.version > version);
    for (const answer of parked) if (answer.reply.version <= version) this.resolve(answer);
    if (still.length > 0) this.parked.set(accountId, still);
    else this.parked.delete(accountId);
  }

  onReply(reply: Reply, replayed: boolean): void {
    const answer = { reply, replayed };
    const first = this.recent.get(reply.commandId);
    // A retried command is answered with the first decision; keep that one.
    if (first === undefined || first.replayed) this.recent.set(reply.commandId, answer);
    this.inFlight.delete(reply.commandId);
    if (!this.waiting.has(reply.commandId)) return;
    const eventsRead = (this.eventVersions.get(reply.accountId) ?? 0) >= reply.version;
    if (replayed || reply.outcome === 'rejected' || eventsRead) {
      this.resolve(answer);
      return;
    }
    const parked = this.parked.get(reply.accountId) ?? [];
    parked.push(answer);
    this.parked.set(reply.accountId, parked);
  }

  /** Registers interest before the command is sent, so an early answer is not missed. */
  waitFor(commandId: string, accountId: string, timeoutMs: number): Promise<Answer | undefined> {
    return new Promise((resolve) => {
      let waiting = this.waiting.get(commandId);
      if (waiting === undefined) {
        waiting = { accountId, resolvers: new Set() };
        this.waiting.set(commandId, waiting);
        this.waitingAccounts.set(accountId, (this.waitingAccounts.get(accountId) ?? 0) + 1);
      }
      const set = waiting.resolvers;
      const done = (answer: Answer | undefined) => {
        clearTimeout(timer);
        set.delete(done);
        if (set.size === 0 && this.waiting.get(commandId) === waiting) this.forget(commandId);
        resolve(answer);
      };
      const timer = setTimeout(() => done(undefined), timeoutMs);
      set.add(done);
    });
  }

  private resolve(answer: Answer): void {
    const waiting = this.waiting.get(answer.reply.commandId);
    if (waiting === undefined) return;
    for (const resolve of [...waiting.resolvers]) resolve(answer);
  }

  private forget(commandId: string): void {
    const waiting = this.waiting.get(commandId);
    if (waiting === undefined) return;
    this.waiting.delete(commandId);
    const { accountId } = waiting;
    const left = (this.waitingAccounts.get(accountId) ?? 1) - 1;
    if (left > 0) {
      this.waitingAccounts.set(accountId, left);
      const parked = this.parked.get(accountId)?.filter((a) => a.reply.commandId !== commandId);
      if (parked && parked.length > 0) this.parked.set(accountId, parked);
      else this.parked.delete(accountId);
      return;
    }
    this.waitingAccounts.delete(accountId);
    this.eventVersions.delete(accountId);
    this.parked.delete(accountId);
  }
}
