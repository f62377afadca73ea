import {
  decodeCommand,
  encodeOutcome,
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
  type AccountCommand,
  type AccountState,
  type Decision,
} from '@tally/ledger';
import type { Logger } from '@tally/service';
import { currentTraceContext } from '@tally/telemetry';
import { changelogMessage } from './state/changelog.js';
import {
  accountChange,
  accountState,
  COMMAND,
  replyChange,
  replyOf,
  storedReply,
  type Reply,
} from './state/ledger-state.js';
import type { PartitionStore, StateChange } from './state/partition-store.js';

export interface CommandHandlerOptions {
  /** The restored store of an owned partition. */
  readonly storeOf: (partition: number) => PartitionStore;
  readonly serde: AccountEventSerde;
  readonly eventsTopic: string;
  readonly outcomesTopic: string;
  readonly changelogTopic: string;
  /** How long an idempotency record is kept, in ms. */
  readonly idempotencyWindowMs: number;
  readonly logger: Logger;
  readonly now?: () => number;
  /** Most expired idempotency records tombstoned per batch (spreads the work). */
  readonly expiriesPerBatch?: number;
}

/**
 * Decides a batch of commands of one partition against its store, on a private overlay. One
 * transaction writes the events, one outcome per command, and the changelog of every changed
 * entry (account states, idempotency records, tombstones of expired ones); the overlay reaches
 * the store, with the changelog offset it reflects, only when the transaction committed.
 *
 * A command whose id already has an answer within the window changes nothing: its answer is
 * written to the changelog again (marked replay), which is how the instance that took the HTTP
 * request learns it. Re-delivered batches are therefore harmless.
 */
export function commandHandler(options: CommandHandlerOptions) {
  const { storeOf, serde, eventsTopic, outcomesTopic, changelogTopic, logger } = options;
  const { idempotencyWindowMs, now = Date.now, expiriesPerBatch = 200 } = options;

  return async (
    partition: number,
    messages: readonly KafkaRecord[],
    scopes: RecordScopes,
  ): Promise<BatchOutput> => {
    const store = storeOf(partition);
    const batchStarted = now();
    const accounts = new Map<string, AccountState & { accountId: string }>();
    const answered = new Map<string, Reply>();
    const changes = new Map<string, { change: StateChange; replay: boolean }>();
    const eventMessages: OutgoingRecord[] = [];
    const outcomeMessages: OutgoingRecord[] = [];

    /** One command, in its request's trace: its events and outcome continue that trace. */
    const decideRecord = (message: KafkaRecord): void => {
      let record: CommandRecord;
      try {
        record = decodeCommand(message.value);
      } catch (error) {
        // Only the intake writes this topic; an unreadable record cannot be answered, so it is
        // logged loudly and its offset passes (its request, if any, times out with 202).
        logger.error({ err: error, partition, offset: message.offset }, 'undecodable command');
        return;
      }
      scopes.correlate(message, record.correlationId);
      const { commandId, command } = record;
      const known = answered.get(commandId) ?? storedReply(store, commandId, batchStarted);
      if (known !== undefined) {
        if (!changes.has(`${COMMAND}/${commandId}`)) {
          const entry = store.get(COMMAND, commandId, batchStarted);
          const expiresAt = entry?.expiresAt ?? batchStarted + idempotencyWindowMs;
          changes.set(`${COMMAND}/${commandId}`, {
            change: replyChange(known, expiresAt),
            replay: true,
          });
        }
        return;
      }

      const state =
        accounts.get(command.accountId) ?? accountState(store, command.accountId, batchStarted);
      const decidedAt = now();
      // The owner stamps time: never before the account's last event, so versions and
      // occurredAt grow together whichever instance took the request.
      const occurredAt = Math.max(decidedAt, state.status === 'not-opened' ? 0 : state.updatedAt);
      const decision = decide(state, toLedgerCommand(record, occurredAt));
      const trace = currentTraceContext();
      let after = state;
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
          changes.set(`account/${command.accountId}`, {
            change: accountChange(after),
            replay: false,
          });
        }
      }
      const outcome = outcomeRecord(record, decision, after, decidedAt, occurredAt);
      const reply = replyOf(outcome);
      answered.set(commandId, reply);
      changes.set(`${COMMAND}/${commandId}`, {
        change: replyChange(reply, decidedAt + idempotencyWindowMs),
        replay: false,
      });
      outcomeMessages.push({
        key: command.accountId,
        value: encodeOutcome(outcome),
        partition,
        trace,
      });
    };
    for (const message of messages) scopes.run(message, () => decideRecord(message));

    // Idempotency records past the window leave the store and, by tombstone, the changelog.
    for (const { kind, key } of store.expired(batchStarted, expiriesPerBatch)) {
      const id = `${kind}/${key}`;
      if (!changes.has(id)) changes.set(id, { change: { kind, key, value: null }, replay: false });
    }

    const changeList = [...changes.values()];
    const changelogMessages = changeList.map(({ change, replay }) =>
      changelogMessage(change, partition, replay),
    );
    return {
      messages: [
        { topic: eventsTopic, messages: eventMessages },
        { topic: outcomesTopic, messages: outcomeMessages },
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
    balance: after.status === 'not-opened' ? null : after.balance,
    currency: after.status === 'not-opened' ? null : after.currency,
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
    eventIds: [record.eventId],
  };
  const { command } = record;
  return { ...command, metadata } as AccountCommand;
}
