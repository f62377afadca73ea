import type { OutcomeRecord } from '@tally/events';
import { evolve, initialState, type AccountEvent, type AccountState } from '@tally/ledger';

/** Where a fact came from: read back from Kafka (read_committed), or this processor's own commit. */
export type Source = 'log' | 'local';

/**
 * This instance's picture of every account and every command outcome. Two feeds deliver the same
 * committed facts: the follower reading the topics, and the local processor right after its
 * commit (so its next batch decides on fresh state). An event at or below the known version is
 * skipped. Outcomes are answered to HTTP only once read back from the log together with their
 * events: a commit is acknowledged by the broker before its markers make it readable.
 */
export class LedgerView {
  private readonly accounts = new Map<string, AccountState>();
  private readonly decided = new Map<string, OutcomeRecord>();
  private readonly logVersion = new Map<string, number>();
  private readonly visible = new Map<string, OutcomeRecord>();
  private readonly parked = new Map<string, OutcomeRecord[]>();
  private readonly waiters = new Map<string, Set<(outcome: OutcomeRecord) => void>>();

  stateOf(accountId: string): AccountState {
    return this.accounts.get(accountId) ?? initialState;
  }

  /** The outcome of a command if it was decided, by anyone; used to skip re-delivered commands. */
  decidedOutcome(commandId: string): OutcomeRecord | undefined {
    return this.decided.get(commandId);
  }

  /** The outcome once it and its events are readable by every read_committed consumer. */
  outcomeOf(commandId: string): OutcomeRecord | undefined {
    return this.visible.get(commandId);
  }

  /** Applies a committed event; throws CorruptEventStreamError on a gap (never skips one). */
  applyEvent(event: AccountEvent, source: Source): void {
    const state = this.stateOf(event.accountId);
    if (event.version > state.version) this.accounts.set(event.accountId, evolve(state, event));
    if (source === 'log') {
      this.logVersion.set(event.accountId, event.version);
      const parked = this.parked.get(event.accountId);
      if (parked) {
        const still = parked.filter((o) => o.version > event.version);
        for (const outcome of parked) if (outcome.version <= event.version) this.publish(outcome);
        if (still.length > 0) this.parked.set(event.accountId, still);
        else this.parked.delete(event.accountId);
      }
    }
  }

  /** Records a committed outcome; the first outcome of a command id wins. */
  recordOutcome(outcome: OutcomeRecord, source: Source): void {
    if (!this.decided.has(outcome.commandId)) this.decided.set(outcome.commandId, outcome);
    if (source === 'local' || this.visible.has(outcome.commandId)) return;
    const eventsRead = (this.logVersion.get(outcome.accountId) ?? 0) >= outcome.version;
    if (outcome.outcome === 'rejected' || eventsRead) {
      this.publish(outcome);
      return;
    }
    const parked = this.parked.get(outcome.accountId) ?? [];
    parked.push(outcome);
    this.parked.set(outcome.accountId, parked);
  }

  /** The command's outcome once visible, or undefined after timeoutMs. */
  waitForOutcome(commandId: string, timeoutMs: number): Promise<OutcomeRecord | undefined> {
    const known = this.visible.get(commandId);
    if (known) return Promise.resolve(known);
    return new Promise((resolve) => {
      const set = this.waiters.get(commandId) ?? new Set();
      this.waiters.set(commandId, set);
      const done = (outcome: OutcomeRecord | undefined) => {
        clearTimeout(timer);
        set.delete(done);
        if (set.size === 0 && this.waiters.get(commandId) === set) this.waiters.delete(commandId);
        resolve(outcome);
      };
      const timer = setTimeout(() => done(undefined), timeoutMs);
      set.add(done);
    });
  }

  private publish(outcome: OutcomeRecord): void {
    if (this.visible.has(outcome.commandId)) return;
    this.visible.set(outcome.commandId, outcome);
    const waiting = this.waiters.get(outcome.commandId);
    if (waiting === undefined) return;
    this.waiters.delete(outcome.commandId);
    for (const resolve of waiting) resolve(outcome);
  }
}
