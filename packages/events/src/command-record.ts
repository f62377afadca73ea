import { z } from 'zod';
import { decodeJsonRecord, encodeJsonRecord } from './json-record.js';

/**
 * A command on bank.account-commands.v1, keyed by accountId: what the intake accepted for
 * processing, or a follow-up a partition owner wrote for another account (ADR 0007). JSON,
 * versioned by `v`; fields and command types are only ever added, never renamed or removed.
 */

const expectedVersion = z.number().int().min(0).optional();
const accountId = z.string().min(1);
const id = z.string().min(1);

const commandBody = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('OpenAccount'),
    accountId,
    owner: z.string(),
    currency: z.string(),
    overdraftLimit: z.number().int().optional(),
    expectedVersion,
  }),
  z.object({
    type: z.enum(['DepositMoney', 'WithdrawMoney']),
    accountId,
    amount: z.number().int(),
    currency: z.string(),
    expectedVersion,
  }),
  z.object({ type: z.literal('CloseAccount'), accountId, expectedVersion }),
  // Transfers (ADR 0007): TransferMoney from HTTP; the other three only as follow-ups.
  z.object({
    type: z.literal('TransferMoney'),
    accountId,
    transferId: id,
    toAccountId: z.string(),
    amount: z.number().int(),
    currency: z.string(),
    expectedVersion,
  }),
  z.object({
    type: z.literal('CreditTransfer'),
    accountId,
    transferId: id,
    fromAccountId: z.string(),
    amount: z.number().int(),
    currency: z.string(),
  }),
  z.object({ type: z.literal('CompleteTransfer'), accountId, transferId: id }),
  z.object({
    type: z.literal('ReverseTransfer'),
    accountId,
    transferId: id,
    reason: z.string(),
  }),
  // Holds (ADR 0007). ExpireHold is decided by the partition owner and never travels this topic,
  // but its record has the same shape.
  z.object({
    type: z.literal('PlaceHold'),
    accountId,
    holdId: id,
    amount: z.number().int(),
    currency: z.string(),
    expiresAt: z.number().int(),
    expectedVersion,
  }),
  z.object({
    type: z.literal('CaptureHold'),
    accountId,
    holdId: id,
    amount: z.number().int(),
    currency: z.string(),
    toAccountId: z.string().optional(),
    transferId: id.optional(),
    expectedVersion,
  }),
  z.object({ type: z.literal('ReleaseHold'), accountId, holdId: id, expectedVersion }),
  z.object({ type: z.literal('ExpireHold'), accountId, holdId: id }),
]);

const commandV1 = z.object({
  v: z.literal(1),
  /**
   * UUID v5 of (accountId, idempotencyKey) for a user's command, of the process command name for
   * a follow-up (ADR 0007); the events' commandId.
   */
  commandId: z.string().min(1),
  /** The client's key, or the process command name of a follow-up. */
  idempotencyKey: z.string(),
  requestHash: z.string(),
  correlationId: z.string(),
  actor: z.string(),
  /** Epoch ms the intake received the request (the partition's owner stamps the events' occurredAt). */
  receivedAt: z.number().int(),
  /** Id of the (first) event the command produces if accepted (fixed here, so a re-run is identical). */
  eventId: z.string(),
  /**
   * Ids of every event the command may produce, `eventId` first: a capture needs two. Added with
   * transfers and holds; older records lack it and mean `[eventId]`.
   */
  eventIds: z.array(z.string()).min(1).optional(),
  command: commandBody,
});

export type CommandBody = z.infer<typeof commandBody>;
export type CommandRecord = z.infer<typeof commandV1>;

export function encodeCommand(record: CommandRecord): Buffer {
  return encodeJsonRecord(record);
}

/** The command record of any known version, or a RecordDecodeError (reason INVALID_COMMAND). */
export function decodeCommand(value: Buffer | null): CommandRecord {
  return decodeJsonRecord(value, 'INVALID_COMMAND', { 1: commandV1 });
}

/** The ids of the events a command record may produce, in order. */
export function eventIdsOf(record: CommandRecord): readonly string[] {
  return record.eventIds ?? [record.eventId];
}
