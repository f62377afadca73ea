import {
  decodeCommand,
  encodeCommand,
  encodeOutcome,
  eventIdsOf,
  type AccountEventSerde,
  type CommandRecord,
  type OutcomeRecord,
} from '@tally/events';
import type {
  BatchOutput,
  KafkaRecord,
  OutgoingRecord,
  RecordMetadata,
  RecordScopes,
} from '@tally/kafka';
import {
  decide,
  evolve,
  initialState,
  processCommandName,
  type AccountCommand,
  type AccountState,
  type Decision,
  type FollowUp,
  type Rejected,
} from '@tally/ledger';
import type { Logger } from '@tally/service';
import { currentTraceContext } from '@tally/telemetry';
import { COMMAND_ID_HEADER } from './gateway.js';
import { derivedEventIds, processCommandId, requestHash } from './ids.js';
import { changelogMessage } from './state/changelog.js';
import {
  ACCOUNT,
  accountChange,
  COMMAND,
  parseAccountState,
  replyChange,
  replyOf,
  type Reply,
} from './state/ledger-state.js';
import type { PartitionStore, StateChange, StateEntry } from './state/partition-store.js';
import {
  dueKeyLimit,
  HOLD,
  HOLD_DUE,
  holdIdOfDueKey,
  processChanges,
  TRANSFER,
  type HoldView,
} from './state/process-state.js';

export interface CommandHandlerOptions {
  /** The restored store of an owned partition. */
  readonly storeOf: (partition: number) => PartitionStore;
  readonly serde: AccountEventSerde;
  readonly eventsTopic: string;
  readonly outcomesTopic: string;
  readonly changelogTopic: string;
  /** Follow-up commands of transfers go here, keyed by the account they are for (ADR 0007). */
  readonly commandsTopic: string;
  /** How long an idempotency record is kept, in ms. */
  readonly idempotencyWindowMs: number;
  readonly logger: Logger;
  readonly now?: () => number;
  /** Most expired idempotency records tombstoned per batch (spreads the work). */
  readonly expiriesPerBatch?: number;
  /** Most holds expired in one transaction (the next tick takes the rest). */
  readonly holdExpiriesPerRun?: number;
}

/** Who an expiry is attributed to: the owner's timer, not a person (ADR 0007). */
export const HOLD_EXPIRY_ACTOR = 'system:hold-expiry';

export interface CommandHandler {
  /** Decides a fetched batch of the commands topic, each command in its request's trace. */
  readonly handle: (
    partition: number,
    messages: readonly KafkaRecord[],
    scopes: RecordScopes,
  ) => Promise<BatchOutput>;
  /**
   * Decides ExpireHold for the partition's holds due at the clock's now, or undefined when none
   * is due. Runs in a transaction of its own, by the partition's fenced owner (ADR 0007).
   */
  readonly expireDueHolds: (partition: number) => Promise<BatchOutput | undefined>;
}

interface Change {
  readonly change: StateChange;
  readonly replay: boolean;
}

/**
 * Decides a batch of commands of one partition against its store, on a private overlay. One
 * transaction writes the events, one outcome per command, the follow-up commands the decisions
 * ask of other accounts (ADR 0007), and the changelog of every changed entry (account states,
 * idempotency records, transfers and holds, tombstones of expired records); the overlay reaches
 * the store, with the changelog offset it reflects, only when the transaction committed.
 *
 * A command whose id already has an answer within the window changes nothing: its answer (and
 * the transfer or hold it made) is written to the changelog again, marked replay, which is how
 * the instance that took the HTTP request learns it. Re-delivered batches and follow-ups issued
 * twice are therefore harmless.
 */
export function commandHandler(options: CommandHandlerOptions): CommandHandler {
  const { storeOf, serde, eventsTopic, outcomesTopic, changelogTopic, commandsTopic } = options;
  const { idempotencyWindowMs, logger, now = Date.now, expiriesPerBatch = 200 } = options;

  const decideBatch = (
    partition: number,
    records: readonly CommandRecord[],
    initial: readonly StateChange[] = [],
    /** Runs the decision of records[index] (in its request's trace, when it has one). */
    inScope: (index: number, decide: () => void) => void = (_, decide) => decide(),
  ): BatchOutput => {
    const store = storeOf(partition);
    const batchStarted = now();
    const accounts = new Map<string, AccountState>();
    const changes = new Map<string, Change>();
    const eventMessages: OutgoingRecord[] = [];
    const outcomeMessages: OutgoingRecord[] = [];
    const followUpMessages: OutgoingRecord[] = [];
    const put = (change: StateChange, replay = false) => {
      const id = `${change.kind}/${change.key}`;
      // A replay never hides a change this batch decided.
      if (replay && changes.has(id)) return;
      changes.set(id, { change, replay });
    };
    /** The entry as this batch sees it: its own changes first, then the store. */
    const entry = (kind: string, key: string): StateEntry | undefined => {
      const changed = changes.get(`${kind}/${key}`)?.change;
      if (changed === undefined) return store.get(kind, key, batchStarted);
      return changed.value === null
        ? undefined
        : { value: changed.value, expiresAt: changed.expiresAt ?? null };
    };
    const accountOf = (accountId: string): AccountState => {
      const cached = accounts.get(accountId);
      if (cached !== undefined) return cached;
      const stored = entry(ACCOUNT, accountId);
      const state = stored === undefined ? initialState : parseAccountState(stored.value);
      accounts.set(accountId, state);
      return state;
    };
    for (const change of initial) put(change);

    const decideOne = (record: CommandRecord): void => {
      const { commandId, command } = record;
      const known = entry(COMMAND, commandId);
      if (known !== undefined) {
        const expiresAt = known.expiresAt ?? batchStarted + idempotencyWindowMs;
        put(replyChange(JSON.parse(known.value) as Reply, expiresAt), true);
        // What the command made, so that a retry on any instance can answer with it.
        for (const kind of [TRANSFER, HOLD]) {
          const made = entry(kind, commandId);
          if (made !== undefined) put({ kind, key: commandId, ...made }, true);
        }
        return;
      }

      const before = accountOf(command.accountId);
      const decidedAt = now();
      // The owner stamps time: never before the account's last event, so versions and
      // occurredAt grow together whichever instance took the request.
      const occurredAt = Math.max(decidedAt, before.status === 'not-opened' ? 0 : before.updatedAt);
      const decision =
        reusedId(record, entry) ?? decide(before, toLedgerCommand(record, occurredAt));
      // Its events, outcome and follow-ups continue the command's trace.
      const trace = currentTraceContext();
      let after = before;
      if (decision.outcome === 'accepted') {
        for (const event of decision.events) {
          after = evolve(after, event);
          eventMessages.push({
            key: event.accountId,
            value: serde.encode(event),
            partition,
            trace,
          });
        }
        if (after.status !== 'not-opened') {
          accounts.set(command.accountId, after);
          put(accountChange(after));
        }
      }
      const forgetAt = decidedAt + idempotencyWindowMs;
      for (const change of processChanges({
        record,
        decision,
        before,
        after,
        occurredAt,
        forgetAt,
        entry,
      })) {
        put(change);
      }
      for (const followUp of decision.followUps) {
        const next = followUpRecord(record, followUp, occurredAt);
        followUpMessages.push({
          key: followUp.accountId,
          value: encodeCommand(next),
          headers: { [COMMAND_ID_HEADER]: next.commandId },
          trace,
        });
      }
      const outcome = outcomeRecord(record, decision, after, decidedAt, occurredAt);
      put(replyChange(replyOf(outcome), forgetAt));
      outcomeMessages.push({
        key: command.accountId,
        value: encodeOutcome(outcome),
        partition,
        trace,
      });
    };
    records.forEach((record, index) => inScope(index, () => decideOne(record)));

    // Idempotency records and final views past the window leave the store and, by tombstone,
    // the changelog.
    for (const { kind, key } of store.expired(batchStarted, expiriesPerBatch)) {
      if (!changes.has(`${kind}/${key}`)) put({ kind, key, value: null });
    }

    const changeList = [...changes.values()];
    const changelogMessages = changeList.map(({ change, replay }) =>
      changelogMessage(change, partition, replay),
    );
    return {
      messages: [
        { topic: eventsTopic, messages: eventMessages },
        { topic: outcomesTopic, messages: outcomeMessages },
        // No partition: the key (the target account) chooses it, as for commands from HTTP.
        { topic: commandsTopic, messages: followUpMessages },
        { topic: changelogTopic, messages: changelogMessages },
      ],
      committed: (written: readonly RecordMetadata[]) => {
        const landed = written.find(
          (w) => w.topicName === changelogTopic && w.partition === partition,
        );
        // Released meanwhile: the next owner (maybe this one again) restores from the changelog.
        if (landed === undefined || !store.isOpen()) return;
        // Only this owner writes the partition's changelog, and its store was at the end before:
        // everything below the records written and the commit marker after them is in the store.
        const checkpoint = BigInt(landed.baseOffset ?? '0') + BigInt(changelogMessages.length) + 1n;
        store.apply(
          changeList.map(({ change }) => change),
          checkpoint,
        );
      },
      aborted: () => undefined,
    };
  };

  return {
    handle: async (partition, messages, scopes) => {
      const records: CommandRecord[] = [];
      const decoded: KafkaRecord[] = [];
      for (const message of messages) {
        try {
          const record = decodeCommand(message.value);
          scopes.correlate(message, record.correlationId);
          records.push(record);
          decoded.push(message);
        } catch (error) {
          // Only the intake writes this topic; an unreadable record cannot be answered, so it is
          // logged loudly and its offset passes (its request, if any, times out with 202).
          logger.error({ err: error, partition, offset: message.offset }, 'undecodable command');
        }
      }
      return decideBatch(partition, records, [], (index, decide) =>
        scopes.run(decoded[index] as KafkaRecord, decide),
      );
    },

    expireDueHolds: async (partition) => {
      const store = storeOf(partition);
      const at = now();
      const due = store.upTo(HOLD_DUE, dueKeyLimit(at), options.holdExpiriesPerRun ?? 100);
      if (due.length === 0) return undefined;
      const records: CommandRecord[] = [];
      const stale: StateChange[] = [];
      for (const { key, value: accountId } of due) {
        const holdId = holdIdOfDueKey(key);
        const stored = store.get(HOLD, holdId, at);
        const hold = stored === undefined ? undefined : (JSON.parse(stored.value) as HoldView);
        if (hold?.state !== 'live') {
          // The hold ended without its index entry going (never by this code): drop it.
          stale.push({ kind: HOLD_DUE, key, value: null });
          continue;
        }
        records.push(expiryRecord(holdId, accountId, hold.correlationId, at));
      }
      return decideBatch(partition, records, stale);
    },
  };
}

/**
 * A transfer or hold id is used once. The ledger refuses an id that is still unsettled or live;
 * the intake also remembers ended ones (for the window after their end, longer than the
 * command's own idempotency record), so a key replayed after its window cannot start a second
 * transfer with the same id.
 */
function reusedId(
  record: CommandRecord,
  entry: (kind: string, key: string) => StateEntry | undefined,
): Rejected | undefined {
  const { command } = record;
  const transferId =
    command.type === 'TransferMoney' || command.type === 'CaptureHold'
      ? command.transferId
      : undefined;
  if (transferId !== undefined && entry(TRANSFER, transferId) !== undefined) {
    return refusal('TRANSFER_ALREADY_EXISTS', 'transferId', transferId, command.accountId);
  }
  if (command.type === 'PlaceHold' && entry(HOLD, command.holdId) !== undefined) {
    return refusal('HOLD_ALREADY_EXISTS', 'holdId', command.holdId, command.accountId);
  }
  return undefined;
}

function refusal(
  code: 'TRANSFER_ALREADY_EXISTS' | 'HOLD_ALREADY_EXISTS',
  field: 'transferId' | 'holdId',
  id: string,
  accountId: string,
): Rejected {
  return {
    outcome: 'rejected',
    rejection: {
      code,
      message:
        `${field} ${id} was already used on account ${accountId}: an id is used once (a request ` +
        `repeated after its idempotency window is not the same request)`,
      details: { accountId, [field]: id },
    },
    followUps: [],
  };
}

/**
 * The command record of a follow-up (ADR 0007): its id derived from its process name, its event
 * id from its command id, the cause's correlation id and actor, and the deciding owner's time.
 */
export function followUpRecord(
  cause: CommandRecord,
  followUp: FollowUp,
  occurredAt: number,
): CommandRecord {
  const name = processCommandName(followUp);
  return processRecord(name, followUp, cause.correlationId, cause.actor, occurredAt);
}

/** The command record of an expiry the partition owner decides at `now`. */
export function expiryRecord(
  holdId: string,
  accountId: string,
  correlationId: string,
  now: number,
): CommandRecord {
  const body = { type: 'ExpireHold' as const, accountId, holdId };
  return processRecord(processCommandName(body), body, correlationId, HOLD_EXPIRY_ACTOR, now);
}

function processRecord(
  name: string,
  command: CommandRecord['command'],
  correlationId: string,
  actor: string,
  receivedAt: number,
): CommandRecord {
  const commandId = processCommandId(name);
  const eventIds = derivedEventIds(commandId, 1);
  return {
    v: 1,
    commandId,
    idempotencyKey: name,
    requestHash: requestHash(command),
    correlationId,
    actor,
    receivedAt,
    eventId: eventIds[0] as string,
    eventIds,
    command,
  };
}

/** The outcome record of a decided command (what the audit reads). */
export function outcomeRecord(
  record: CommandRecord,
  decision: Decision,
  after: AccountState,
  decidedAt: number,
  occurredAt: number,
): OutcomeRecord {
  const { commandId, command } = record;
  const opened = after.status !== 'not-opened';
  return {
    v: 1,
    commandId,
    idempotencyKey: record.idempotencyKey,
    requestHash: record.requestHash,
    commandType: command.type,
    accountId: command.accountId,
    correlationId: record.correlationId,
    actor: record.actor,
    receivedAt: record.receivedAt,
    decidedAt,
    occurredAt,
    outcome: decision.outcome,
    eventIds: decision.outcome === 'accepted' ? decision.events.map((e) => e.eventId) : [],
    version: after.version,
    balance: opened ? after.balance : null,
    currency: opened ? after.currency : null,
    ...(opened ? { held: after.held } : {}),
    rejection:
      decision.outcome === 'rejected'
        ? { ...decision.rejection, details: { ...decision.rejection.details } }
        : null,
  };
}

/** The ledger command of a command record, its events stamped with occurredAt. */
export function toLedgerCommand(record: CommandRecord, occurredAt: number): AccountCommand {
  const metadata = {
    commandId: record.commandId,
    correlationId: record.correlationId,
    actor: record.actor,
    occurredAt,
    eventIds: eventIdsOf(record),
  };
  const { command } = record;
  return { ...command, metadata } as AccountCommand;
}
