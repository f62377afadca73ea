import {
  decide,
  dueHolds,
  evolve,
  foldTransfer,
  initialState,
  isTransferEvent,
  processCommandName,
  type AccountCommand,
  type AccountEvent,
  type AccountState,
  type FollowUp,
  type TransferRecord,
  type TransferViolation,
} from '../src/index.js';

/**
 * A model of ADR 0007's process on Kafka, driving the real decide and evolve: partitions with a
 * commands log, committed events and outcomes (the dedupe state), a consumer position and a
 * lazily committed offset; one transaction per batch that writes events, outcomes and follow-up
 * commands atomically; crashes before and after commits, zombies (fenced, so their transaction
 * never commits), redelivery from the committed offset, HTTP retries. Property tests run random
 * schedules through it and check the invariants after every transaction.
 */

export interface AccountSpec {
  readonly id: string;
  readonly currency: string;
  readonly overdraftLimit: number;
}

/** Five EUR accounts, one in USD, one closed at the start, one never opened. */
export const ACCOUNTS: readonly AccountSpec[] = [
  { id: 'a0', currency: 'EUR', overdraftLimit: 0 },
  { id: 'a1', currency: 'EUR', overdraftLimit: 0 },
  { id: 'a2', currency: 'EUR', overdraftLimit: 500 },
  { id: 'a3', currency: 'EUR', overdraftLimit: 0 },
  { id: 'a4', currency: 'EUR', overdraftLimit: 2_000 },
  { id: 'u0', currency: 'USD', overdraftLimit: 0 },
  { id: 'c0', currency: 'EUR', overdraftLimit: 0 },
];
export const GHOST = 'ghost';
export const ACCOUNT_IDS = [...ACCOUNTS.map((a) => a.id), GHOST];
export const PARTITIONS = 3;
export const START = Date.UTC(2026, 0, 1);
export const INITIAL_DEPOSIT = 10_000;

export function partitionOf(accountId: string): number {
  return ACCOUNT_IDS.indexOf(accountId) % PARTITIONS;
}

/** What a user asks over HTTP; account and hold references are indexes, resolved when sent. */
export type UserRequest =
  | { kind: 'deposit' | 'withdraw'; account: number; amount: number }
  | { kind: 'transfer'; from: number; to: number; amount: number; currency?: string | undefined }
  | { kind: 'placeHold'; account: number; amount: number; durationMs: number }
  | { kind: 'capture'; hold: number; share: number; to?: number | undefined }
  | { kind: 'release'; hold: number }
  | { kind: 'closeOut'; account: number };

/** How a transaction ends: committed, lost before its commit (crash, or a fenced zombie), or
 * committed and then the owner dies before the next offset commit. */
export type Fault = 'none' | 'crashBeforeCommit' | 'zombie' | 'crashAfterCommit';

export type Action =
  | { kind: 'http'; request: UserRequest; retried: boolean }
  | {
      kind: 'process';
      partition: number;
      batch: number;
      fault: Fault;
      commitOffsets: boolean;
    }
  | { kind: 'expire'; partition: number; fault: Fault }
  | { kind: 'tick'; ms: number };

interface CommandRecord {
  readonly command: AccountCommand;
}

interface Partition {
  readonly commands: CommandRecord[];
  committedOffset: number;
  position: number;
  /** Command id -> outcome: committed, so it survives every crash. */
  readonly outcomes: Map<string, 'accepted' | 'rejected'>;
}

export interface ModelOptions {
  /** Off only to prove the checks catch a missing dedupe. */
  readonly dedupe?: boolean;
}

export class ProcessModel {
  clock = START;
  readonly partitions: Partition[] = Array.from({ length: PARTITIONS }, () => ({
    commands: [],
    committedOffset: 0,
    position: 0,
    outcomes: new Map(),
  }));
  /** The committed view: every account's state. */
  readonly states = new Map<string, AccountState>();
  /** Every committed event, in commit order (a consistent cut at every moment). */
  readonly events: AccountEvent[] = [];
  /** Transfers requested by users: id -> the request's command id. */
  readonly transferRequests = new Map<string, string>();
  readonly holdIds: string[] = [];
  /** Deposits minus withdrawals per currency, over the committed events. */
  readonly external = new Map<string, number>();
  transactions = 0;
  private readonly transferRecords = new Map<string, TransferRecord>();
  private violation: TransferViolation | undefined;
  private requests = 0;
  private readonly ids = new Map<string, string>();
  private readonly dedupe: boolean;

  constructor(options: ModelOptions = {}) {
    this.dedupe = options.dedupe ?? true;
  }

  /** Opens the accounts, funds them, closes c0; no faults. */
  setUp(): void {
    for (const account of ACCOUNTS) {
      this.send({
        type: 'OpenAccount',
        accountId: account.id,
        owner: `owner of ${account.id}`,
        currency: account.currency,
        overdraftLimit: account.overdraftLimit,
      });
      if (account.id !== 'c0') {
        this.send({
          type: 'DepositMoney',
          accountId: account.id,
          amount: INITIAL_DEPOSIT,
          currency: account.currency,
        });
      }
    }
    this.send({ type: 'CloseAccount', accountId: 'c0' });
    this.drain();
  }

  apply(action: Action): void {
    switch (action.kind) {
      case 'http': {
        const command = this.requestOf(action.request);
        for (const one of command) {
          const record = this.send(one);
          if (action.retried) this.partitionFor(record.command.accountId).commands.push(record);
        }
        return;
      }
      case 'process':
        this.process(action.partition, action.batch, action.fault, action.commitOffsets);
        return;
      case 'expire':
        this.expire(action.partition, action.fault);
        return;
      case 'tick':
        this.clock += action.ms;
        return;
    }
  }

  /** Runs every partition without faults until nothing is left, expiring every hold on the way. */
  drain(): void {
    for (let round = 0; round < 1_000; round++) {
      let busy = false;
      for (let p = 0; p < PARTITIONS; p++) {
        const partition = this.partitions[p]!;
        if (partition.position < partition.commands.length) {
          this.process(p, 50, 'none', true);
          busy = true;
        }
      }
      if (busy) continue;
      const deadlines = [...this.states.values()].flatMap((s) =>
        s.status === 'open' ? s.holds.map((h) => h.expiresAt) : [],
      );
      if (deadlines.length === 0) return;
      this.clock = Math.max(this.clock, ...deadlines);
      for (let p = 0; p < PARTITIONS; p++) this.expire(p, 'none');
    }
    throw new Error('the process did not come to rest');
  }

  /** Every transfer as its events show it, and the first violation if any. */
  transfers(): { records: ReadonlyMap<string, TransferRecord>; violation?: TransferViolation } {
    return this.violation === undefined
      ? { records: this.transferRecords }
      : { records: this.transferRecords, violation: this.violation };
  }

  outcomeOf(commandId: string): 'accepted' | 'rejected' | undefined {
    for (const partition of this.partitions) {
      const outcome = partition.outcomes.get(commandId);
      if (outcome) return outcome;
    }
    return undefined;
  }

  stateOf(accountId: string): AccountState {
    return this.states.get(accountId) ?? initialState;
  }

  private partitionFor(accountId: string): Partition {
    return this.partitions[partitionOf(accountId)]!;
  }

  /** A deterministic UUID per name, like UUID v5 in the shell. */
  idFor(name: string): string {
    let id = this.ids.get(name);
    if (id === undefined) {
      const n = this.ids.size + 1;
      id = `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
      this.ids.set(name, id);
    }
    return id;
  }

  private metadataFor(commandId: string, correlationId: string, actor: string) {
    return {
      commandId,
      correlationId,
      actor,
      occurredAt: this.clock,
      eventIds: [this.idFor(`${commandId}/event/0`), this.idFor(`${commandId}/event/1`)],
    };
  }

  /** HTTP: a command record on the account's partition, committed at once. */
  private send(body: DistributiveOmit<AccountCommand, 'metadata'>): CommandRecord {
    const commandId = `http/${++this.requests}`;
    const command = {
      ...body,
      metadata: this.metadataFor(commandId, `corr/${this.requests}`, 'user'),
    } as AccountCommand;
    const record = { command };
    this.partitionFor(command.accountId).commands.push(record);
    return record;
  }

  private requestOf(request: UserRequest): DistributiveOmit<AccountCommand, 'metadata'>[] {
    const account = (index: number) => ACCOUNT_IDS[index % ACCOUNT_IDS.length]!;
    const spec = (index: number) => ACCOUNTS.find((a) => a.id === account(index));
    const currency = (index: number) => spec(index)?.currency ?? 'EUR';
    const nextId = `http/${this.requests + 1}`;
    switch (request.kind) {
      case 'deposit':
      case 'withdraw':
        return [
          {
            type: request.kind === 'deposit' ? 'DepositMoney' : 'WithdrawMoney',
            accountId: account(request.account),
            amount: request.amount,
            currency: currency(request.account),
          },
        ];
      case 'transfer': {
        const transferId = this.idFor(nextId);
        this.transferRequests.set(transferId, nextId);
        return [
          {
            type: 'TransferMoney',
            accountId: account(request.from),
            transferId,
            toAccountId: account(request.to),
            amount: request.amount,
            currency: request.currency ?? currency(request.from),
          },
        ];
      }
      case 'placeHold': {
        const holdId = this.idFor(nextId);
        this.holdIds.push(holdId);
        return [
          {
            type: 'PlaceHold',
            accountId: account(request.account),
            holdId,
            amount: request.amount,
            currency: currency(request.account),
            expiresAt: this.clock + request.durationMs,
          },
        ];
      }
      case 'capture':
      case 'release': {
        const found = this.findHold(request.hold);
        if (found === undefined) return [];
        if (request.kind === 'release') {
          return [{ type: 'ReleaseHold', accountId: found.accountId, holdId: found.holdId }];
        }
        const amount = Math.max(1, Math.round(found.amount * request.share));
        const capture = {
          type: 'CaptureHold' as const,
          accountId: found.accountId,
          holdId: found.holdId,
          amount,
          currency: found.currency,
        };
        if (request.to === undefined) return [capture];
        const transferId = this.idFor(nextId);
        this.transferRequests.set(transferId, nextId);
        return [{ ...capture, toAccountId: account(request.to), transferId }];
      }
      case 'closeOut': {
        // The client reads the balance from the view, withdraws it, then closes.
        const state = this.stateOf(account(request.account));
        if (state.status !== 'open') return [];
        const settle =
          state.balance > 0
            ? [
                {
                  type: 'WithdrawMoney' as const,
                  accountId: state.accountId,
                  amount: state.balance,
                  currency: state.currency,
                },
              ]
            : [];
        return [...settle, { type: 'CloseAccount', accountId: state.accountId }];
      }
    }
  }

  /** The n-th hold placed (live or not), as the view knows it. */
  private findHold(
    index: number,
  ): { accountId: string; holdId: string; amount: number; currency: string } | undefined {
    if (this.holdIds.length === 0) return undefined;
    const holdId = this.holdIds[index % this.holdIds.length]!;
    for (const state of this.states.values()) {
      if (state.status !== 'open') continue;
      const hold = state.holds.find((h) => h.holdId === holdId);
      if (hold)
        return {
          accountId: state.accountId,
          holdId,
          amount: hold.amount,
          currency: state.currency,
        };
    }
    return undefined;
  }

  /** The owner of partition p decides up to `batch` commands in one transaction. */
  private process(p: number, batch: number, fault: Fault, commitOffsets: boolean): void {
    const partition = this.partitions[p]!;
    const records = partition.commands.slice(partition.position, partition.position + batch);
    if (records.length === 0) return;
    const commands = records.map((r) => r.command);
    this.transaction(partition, commands, fault, () => {
      partition.position += records.length;
      if (commitOffsets) partition.committedOffset = partition.position;
    });
  }

  /** The owner of partition p expires the due holds of its accounts, with its own clock. */
  private expire(p: number, fault: Fault): void {
    const partition = this.partitions[p]!;
    const commands: AccountCommand[] = [];
    for (const [accountId, state] of this.states) {
      if (partitionOf(accountId) !== p) continue;
      for (const hold of dueHolds(state, this.clock)) {
        const commandId = processCommandName({ type: 'ExpireHold', holdId: hold.holdId });
        commands.push({
          type: 'ExpireHold',
          accountId,
          holdId: hold.holdId,
          metadata: this.metadataFor(commandId, `expiry/${hold.holdId}`, 'system'),
        });
      }
    }
    if (commands.length > 0) this.transaction(partition, commands, fault, () => undefined);
  }

  /**
   * Decides commands on an overlay of the view; commits events, outcomes and follow-ups together,
   * or nothing. After a crash the next owner reads again from the committed offset.
   */
  private transaction(
    partition: Partition,
    commands: readonly AccountCommand[],
    fault: Fault,
    consumed: () => void,
  ): void {
    const overlay = new Map<string, AccountState>();
    const decided = new Map<string, 'accepted' | 'rejected'>();
    const events: AccountEvent[] = [];
    const followUps: CommandRecord[] = [];
    for (const command of commands) {
      const { commandId } = command.metadata;
      if (this.dedupe && (partition.outcomes.has(commandId) || decided.has(commandId))) continue;
      const state = overlay.get(command.accountId) ?? this.stateOf(command.accountId);
      const decision = decide(state, command);
      let after = state;
      if (decision.outcome === 'accepted') {
        for (const event of decision.events) {
          after = evolve(after, event);
          events.push(event);
        }
        overlay.set(command.accountId, after);
      }
      decided.set(commandId, decision.outcome);
      for (const followUp of decision.followUps)
        followUps.push(this.followUpRecord(followUp, command));
    }
    if (fault === 'crashBeforeCommit' || fault === 'zombie') {
      // Aborted by the next owner's fencing: nothing of it is ever readable.
      partition.position = partition.committedOffset;
      return;
    }
    for (const [accountId, state] of overlay) this.states.set(accountId, state);
    for (const [commandId, outcome] of decided) partition.outcomes.set(commandId, outcome);
    for (const event of events) this.record(event);
    for (const record of followUps)
      this.partitionFor(record.command.accountId).commands.push(record);
    consumed();
    this.transactions++;
    if (fault === 'crashAfterCommit') partition.position = partition.committedOffset;
  }

  /** Keeps the committed log and what the checks read off it up to date. */
  private record(event: AccountEvent): void {
    this.events.push(event);
    if (event.type === 'MoneyDeposited' || event.type === 'MoneyWithdrawn') {
      const sign = event.type === 'MoneyDeposited' ? 1 : -1;
      this.external.set(
        event.currency,
        (this.external.get(event.currency) ?? 0) + sign * event.amount,
      );
    }
    if (!isTransferEvent(event) || this.violation !== undefined) return;
    const step = foldTransfer(this.transferRecords.get(event.transferId), event);
    if (step.ok) this.transferRecords.set(event.transferId, step.transfer);
    else this.violation = step.violation;
  }

  /** What the shell adds to a follow-up (ADR 0007): derived ids, the cause's correlation. */
  private followUpRecord(followUp: FollowUp, cause: AccountCommand): CommandRecord {
    const commandId = processCommandName(followUp);
    const metadata = this.metadataFor(
      commandId,
      cause.metadata.correlationId,
      cause.metadata.actor,
    );
    return { command: { ...followUp, metadata } as AccountCommand };
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
