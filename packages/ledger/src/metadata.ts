import type { AccountCommand, AccountCommandType } from './commands.js';
import { describeValue } from './describe-value.js';
import { LedgerUsageError } from './errors.js';
import type { EventEnvelope } from './events.js';
import { isUuid } from './validation.js';

/** The most events one command produces: a capture ends its hold and moves the money. */
export const MAX_EVENTS_PER_COMMAND = 2;

/** How many event ids a command of this type needs in `metadata.eventIds`. */
export function eventIdsNeeded(type: AccountCommandType): number {
  return type === 'CaptureHold' ? MAX_EVENTS_PER_COMMAND : 1;
}

/**
 * Throws LedgerUsageError unless the shell supplied usable metadata. Checked before any business
 * rule, whatever the outcome, so a wiring bug shows up on the first command.
 */
export function assertValidMetadata(command: AccountCommand): void {
  const metadata = command.metadata as Partial<AccountCommand['metadata']> | undefined;
  if (typeof metadata !== 'object' || metadata === null) {
    throw usage(`metadata is ${describeValue(metadata)}: every command needs its metadata`);
  }
  for (const field of ['commandId', 'correlationId', 'actor'] as const) {
    const value = metadata[field];
    if (typeof value !== 'string' || value.trim() === '') {
      throw usage(`metadata.${field} ${describeValue(value)} is not allowed: a non-blank string`);
    }
  }
  const { occurredAt, eventIds } = metadata;
  if (!Number.isSafeInteger(occurredAt) || (occurredAt as number) < 0) {
    throw usage(
      `metadata.occurredAt ${describeValue(occurredAt)} is not allowed: epoch milliseconds, ` +
        `a non-negative integer`,
    );
  }
  // An unknown type is rejected later; it needs no more ids than the smallest command.
  const needed = eventIdsNeeded(command.type);
  if (!Array.isArray(eventIds) || eventIds.length < needed) {
    throw usage(
      `metadata.eventIds ${describeValue(eventIds)} is not allowed: at least ` +
        `${needed} UUID${needed === 1 ? '' : 's'}, one for each event the command may produce`,
    );
  }
  eventIds.forEach((id: unknown, index) => {
    if (typeof id !== 'string' || !isUuid(id)) {
      throw usage(`metadata.eventIds[${index}] ${describeValue(id)} is not a UUID`);
    }
  });
  if (new Set(eventIds.map((id: string) => id.toLowerCase())).size !== eventIds.length) {
    throw usage('metadata.eventIds must not repeat an id');
  }
}

/** The envelope of the `index`-th event a command produces on top of `currentVersion`. */
export function envelopeFor(
  command: AccountCommand,
  currentVersion: number,
  index = 0,
): EventEnvelope {
  const { metadata } = command;
  const eventId = metadata.eventIds[index];
  if (eventId === undefined) {
    throw usage(`metadata.eventIds has no id for event number ${index + 1}`);
  }
  return {
    eventId,
    accountId: command.accountId,
    version: currentVersion + 1 + index,
    occurredAt: metadata.occurredAt,
    commandId: metadata.commandId,
    correlationId: metadata.correlationId,
    actor: metadata.actor,
  };
}

function usage(message: string): LedgerUsageError {
  return new LedgerUsageError('INVALID_METADATA', message);
}
