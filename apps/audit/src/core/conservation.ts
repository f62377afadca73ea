import {
  CorruptEventStreamError,
  evolve,
  foldTransfer,
  inFlightChange,
  initialState,
  isTransferEvent,
  type AccountEvent,
  type AccountState,
  type TransferEvent,
  type TransferRecord,
  type TransferStep,
} from '@tally/ledger';
import { addTo, currencyTotals, type CurrencyTotals } from './money.js';
import { versionOrder } from './reports.js';
import type { Parsed } from '@tally/service/time';

/**
 * Conservation of money per currency at a cut of the audit log (ADR 0007, section 7):
 *
 *   sum of all balances + money in flight = sum of MoneyDeposited - sum of MoneyWithdrawn
 *
 * and not as a tautology: the balances come from folding each account's events with the
 * ledger's `evolve` (a corrupt stream, a version gap, a transfer completed that the source never
 * debited stops the account and is named), the money in flight from matching each transfer's
 * events with `foldTransfer` (a second debit or credit, a credit and a reversal, events that
 * disagree on accounts, amount or currency are named). Both are read as streams: accounts one at
 * a time, transfers one at a time, so memory does not grow with the log.
 *
 * The cut is a next offset per chain (partition): the entries below it. Partitions are cut
 * independently, so a transfer's credit may lie inside the cut while its debit, on another
 * partition, lies beyond it. Such a transfer crosses the cut: the cut is closed with the events
 * beyond it that the log holds, and only a step whose predecessor is nowhere in the log breaks
 * conservation (`UNMATCHED`).
 */

/** An event of the log with where it is: its entry (audit order is entry id order). */
export interface CutEvent {
  readonly event: AccountEvent;
  readonly entryId: number;
  readonly chain: string;
  readonly seq: number;
}

export type ConservationViolationCode =
  /** The account's events cannot follow one another (`evolve` refused one; gaps included). */
  | 'CORRUPT_ACCOUNT'
  /** A transfer's events break the matching (`foldTransfer`'s violation codes). */
  | 'DUPLICATE_STEP'
  | 'CREDITED_AND_REVERSED'
  | 'COMPLETED_AND_REVERSED'
  | 'MISMATCH'
  /** A transfer step whose predecessor (its debit, or its credit) is nowhere in the log. */
  | 'UNMATCHED'
  /** A currency whose sums do not balance, though no event was named (should not happen). */
  | 'NOT_CONSERVED';

export interface ConservationViolation {
  readonly code: ConservationViolationCode;
  readonly message: string;
  readonly accountId: string | null;
  readonly transferId: string | null;
  readonly eventId: string | null;
  /** The entry that breaks it: the first one in audit order. */
  readonly entryId: number | null;
  readonly chain: string | null;
  readonly seq: number | null;
}

export interface CurrencyConservation {
  readonly currency: string;
  readonly balances: string;
  readonly inFlight: string;
  readonly deposits: string;
  readonly withdrawals: string;
  /** balances + inFlight - (deposits - withdrawals): 0 when conserved. */
  readonly difference: string;
}

export interface ConservationReport {
  readonly ok: boolean;
  readonly accounts: number;
  readonly transfers: number;
  /** Transfers whose steps lie on both sides of the cut (closed with entries beyond it). */
  readonly crossingTheCut: number;
  /** Transfers still in flight at the cut. */
  readonly inFlightTransfers: number;
  readonly currencies: readonly CurrencyConservation[];
  /** The first violation in audit order, if any. */
  readonly firstViolation: ConservationViolation | null;
  /** Violations in audit order, up to the limit. */
  readonly violations: readonly ConservationViolation[];
  readonly violationsTruncated: boolean;
}

const at = (e: CutEvent) => ({
  eventId: e.event.eventId,
  entryId: e.entryId,
  chain: e.chain,
  seq: e.seq,
});

/** What the predecessor of a step is, when a fold ends `unmatched`. */
function missingStep(transfer: TransferRecord): TransferStep {
  return transfer.steps.debited ? 'credited' : 'debited';
}

const STEP_EVENT: Record<TransferStep, TransferEvent['type']> = {
  debited: 'TransferDebited',
  credited: 'TransferCredited',
  completed: 'TransferCompleted',
  reversed: 'TransferReversed',
};

/**
 * The conservation check, fed account by account (`addAccount`) and transfer by transfer
 * (`addTransfer`), in any order of accounts and transfers; `report()` at the end.
 */
export class ConservationCheck {
  private readonly balances = currencyTotals();
  private readonly inFlight = currencyTotals();
  private readonly deposits = currencyTotals();
  private readonly withdrawals = currencyTotals();
  private readonly currencies = new Set<string>();
  private readonly violations: ConservationViolation[] = [];
  private accounts = 0;
  private transfers = 0;
  private crossing = 0;
  private inFlightTransfers = 0;

  constructor(private readonly maxViolations = 1_000) {}

  /** One account's events inside the cut, in any order (redeliveries are dropped). */
  addAccount(accountId: string, events: readonly CutEvent[]): void {
    if (events.length === 0) return;
    this.accounts += 1;
    const byEvent = new Map(events.map((e) => [e.event, e]));
    const ordered = versionOrder(
      events.map((e) => e.event),
      'opening',
    );
    for (const event of ordered.events) {
      if (event.type === 'MoneyDeposited') addTo(this.deposits, event.currency, event.amount);
      if (event.type === 'MoneyWithdrawn') addTo(this.withdrawals, event.currency, event.amount);
      if ('currency' in event) this.currencies.add(event.currency);
    }
    let state: AccountState = initialState;
    for (const event of ordered.events) {
      try {
        state = evolve(state, event);
      } catch (error) {
        if (!(error instanceof CorruptEventStreamError)) throw error;
        const where = byEvent.get(event);
        this.violate({
          code: 'CORRUPT_ACCOUNT',
          message: `${error.reason}: ${error.message}`,
          accountId,
          transferId: 'transferId' in event ? event.transferId : null,
          ...(where
            ? at(where)
            : { eventId: event.eventId, entryId: null, chain: null, seq: null }),
        });
        break;
      }
    }
    for (const conflict of ordered.conflicts) {
      this.violate({
        code: 'CORRUPT_ACCOUNT',
        message: `two events claim version ${conflict.version} (${conflict.kept}, ${conflict.other})`,
        accountId,
        transferId: null,
        eventId: conflict.other,
        entryId: null,
        chain: null,
        seq: null,
      });
    }
    if (state.status !== 'not-opened') addTo(this.balances, state.currency, state.balance);
  }

  /**
   * One transfer's events: those inside the cut, and those beyond it that the log holds (to
   * close the cut). Each list in any order.
   */
  addTransfer(transferId: string, inside: readonly CutEvent[], beyond: readonly CutEvent[]): void {
    if (inside.length === 0) return;
    this.transfers += 1;
    const sorted = [...inside].sort((a, b) => a.entryId - b.entryId);
    for (const e of sorted) {
      if (isTransferEvent(e.event)) addTo(this.inFlight, e.event.currency, inFlightChange(e.event));
    }
    let transfer: TransferRecord | undefined;
    for (const e of sorted) {
      const event = e.event;
      if (!isTransferEvent(event)) continue;
      const folded = foldTransfer(transfer, event);
      if (!folded.ok) {
        this.violate({
          code: folded.violation.code,
          message: folded.violation.message,
          accountId: event.accountId,
          transferId,
          ...at(e),
        });
        return;
      }
      transfer = folded.transfer;
    }
    if (transfer === undefined) return;
    if (transfer.status === 'debited') this.inFlightTransfers += 1;
    if (transfer.status !== 'unmatched') return;
    const needed = STEP_EVENT[missingStep(transfer)];
    if (beyond.some((e) => e.event.type === needed)) {
      this.crossing += 1;
      return;
    }
    const first = sorted[0] as CutEvent;
    this.violate({
      code: 'UNMATCHED',
      message: `transfer ${transferId} has ${first.event.type} but no ${needed} anywhere in the audit log (if the audit has not read the other partition that far yet, check again once it has)`,
      accountId: first.event.accountId,
      transferId,
      ...at(first),
    });
  }

  report(): ConservationReport {
    const currencies = [...this.currencies].sort().map((currency) => {
      const get = (totals: CurrencyTotals) => BigInt(totals[currency] ?? 0n);
      const difference =
        get(this.balances) + get(this.inFlight) - (get(this.deposits) - get(this.withdrawals));
      return {
        currency,
        balances: String(get(this.balances)),
        inFlight: String(get(this.inFlight)),
        deposits: String(get(this.deposits)),
        withdrawals: String(get(this.withdrawals)),
        difference: String(difference),
      };
    });
    const violations = [...this.violations].sort(
      (a, b) => (a.entryId ?? Number.MAX_SAFE_INTEGER) - (b.entryId ?? Number.MAX_SAFE_INTEGER),
    );
    for (const c of currencies) {
      if (c.difference !== '0' && violations.length === 0) {
        violations.push({
          code: 'NOT_CONSERVED',
          message: `${c.currency}: balances ${c.balances} + in flight ${c.inFlight} differ from deposits ${c.deposits} - withdrawals ${c.withdrawals} by ${c.difference}`,
          accountId: null,
          transferId: null,
          eventId: null,
          entryId: null,
          chain: null,
          seq: null,
        });
      }
    }
    const kept = violations.slice(0, this.maxViolations);
    return {
      ok: violations.length === 0,
      accounts: this.accounts,
      transfers: this.transfers,
      crossingTheCut: this.crossing,
      inFlightTransfers: this.inFlightTransfers,
      currencies,
      firstViolation: kept[0] ?? null,
      violations: kept,
      violationsTruncated: violations.length > kept.length,
    };
  }

  private violate(violation: ConservationViolation): void {
    // Kept sorted and bounded: the earliest in audit order survive.
    this.violations.push(violation);
    if (this.violations.length > this.maxViolations * 2) {
      this.violations.sort(
        (a, b) => (a.entryId ?? Number.MAX_SAFE_INTEGER) - (b.entryId ?? Number.MAX_SAFE_INTEGER),
      );
      this.violations.length = this.maxViolations + 1;
    }
  }
}

/**
 * A cut given as `partition:nextOffset` pairs, comma-separated (`0:120,3:88`): each partition's
 * entries below that offset. Each partition once; offsets are decimal int64.
 */
export function parseCutOffsets(name: string, value: string): Parsed<Map<number, string>> {
  const allowed = 'partition:offset pairs, comma-separated, such as 0:120,3:88';
  const refuse = (reason: string): Parsed<never> => ({
    ok: false,
    problem: { name, value, reason, allowed },
  });
  const offsets = new Map<number, string>();
  for (const pair of value.split(',')) {
    const match = /^(\d{1,5}):(\d{1,19})$/.exec(pair.trim());
    if (!match) return refuse(`has ${JSON.stringify(pair)}, which is not partition:offset`);
    const partition = Number(match[1]);
    const offset = BigInt(match[2] as string);
    if (offset > 9_223_372_036_854_775_807n) return refuse(`has an offset past int64`);
    if (offsets.has(partition)) return refuse(`names partition ${partition} twice`);
    offsets.set(partition, offset.toString());
  }
  return { ok: true, value: offsets };
}
