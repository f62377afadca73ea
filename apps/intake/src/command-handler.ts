import {
  decodeCommand,
  encodeOutcome,
  type AccountEventSerde,
  type CommandRecord,
  type OutcomeRecord,
} from '@tally/events';
import type { BatchOutput, KafkaRecord, OutgoingRecord, RecordScopes } from '@tally/kafka';
import {
  decide,
  evolve,
  type AccountCommand,
  type AccountEvent,
  type AccountState,
} from '@tally/ledger';
import type { Logger } from '@tally/service';
import { currentTraceContext } from '@tally/telemetry';
import type { LedgerView } from './ledger-view.js';

export interface CommandHandlerOptions {
  readonly view: LedgerView;
  readonly serde: AccountEventSerde;
  readonly eventsTopic: string;
  readonly outcomesTopic: string;
  readonly logger: Logger;
  readonly now?: () => number;
}

/**
 * Decides a batch of commands of one partition against the view, on a private overlay: the
 * overlay becomes the view only when the batch's transaction committed. A command whose id
 * already has an outcome is a no-op, which makes re-delivered batches harmless.
 */
export function commandHandler(options: CommandHandlerOptions) {
  const { view, serde, eventsTopic, outcomesTopic, logger, now = Date.now } = options;

  return async (
    partition: number,
    messages: readonly KafkaRecord[],
    scopes: RecordScopes,
  ): Promise<BatchOutput> => {
    const states = new Map<string, AccountState>();
    const decided = new Map<string, OutcomeRecord>();
    const written: AccountEvent[] = [];
    const eventMessages: OutgoingRecord[] = [];
    const outcomeMessages: OutgoingRecord[] = [];

    /** One command: its events and outcome continue its request's trace (ADR 0010). */
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
      if (decided.has(commandId) || view.decidedOutcome(commandId) !== undefined) return;

      const trace = currentTraceContext();
      const state = states.get(command.accountId) ?? view.stateOf(command.accountId);
      const decision = decide(state, toLedgerCommand(record));
      let after = state;
      if (decision.outcome === 'accepted') {
        for (const event of decision.events) {
          after = evolve(after, event);
          written.push(event);
          eventMessages.push({
            key: event.accountId,
            value: serde.encode(event),
            partition,
            trace,
          });
        }
        states.set(command.accountId, after);
      }
      const outcome: OutcomeRecord = {
        v: 1,
        commandId,
        idempotencyKey: record.idempotencyKey,
        requestHash: record.requestHash,
        commandType: command.type,
        accountId: command.accountId,
        correlationId: record.correlationId,
        actor: record.actor,
        receivedAt: record.receivedAt,
        decidedAt: now(),
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
      decided.set(commandId, outcome);
      outcomeMessages.push({
        key: command.accountId,
        value: encodeOutcome(outcome),
        partition,
        trace,
      });
    };
    for (const message of messages) scopes.run(message, () => decideRecord(message));

    return {
      messages: [
        { topic: eventsTopic, messages: eventMessages },
        { topic: outcomesTopic, messages: outcomeMessages },
      ],
      committed: () => {
        for (const event of written) view.applyEvent(event, 'local');
        for (const outcome of decided.values()) view.recordOutcome(outcome, 'local');
      },
      aborted: () => undefined,
    };
  };
}

function toLedgerCommand(record: CommandRecord): AccountCommand {
  const metadata = {
    commandId: record.commandId,
    correlationId: record.correlationId,
    actor: record.actor,
    occurredAt: record.receivedAt,
    eventIds: [record.eventId],
  };
  const { command } = record;
  return { ...command, metadata } as AccountCommand;
}
