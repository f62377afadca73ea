import { ACCOUNT_COMMAND_TYPES, REJECTION_CODES } from '@tally/ledger';
import { z } from 'zod';
import { decodeJsonRecord, encodeJsonRecord } from './json-record.js';

/**
 * The outcome of a command on bank.command-outcomes.v1, keyed by accountId, kept forever: the
 * intake answers retries from it and the audit keeps it. JSON, versioned by `v`; fields are only
 * ever added, never renamed or removed, and fields a reader does not know yet are kept.
 */
const outcomeV1 = z.looseObject({
  v: z.literal(1),
  commandId: z.string().min(1),
  idempotencyKey: z.string(),
  requestHash: z.string(),
  commandType: z.enum(ACCOUNT_COMMAND_TYPES),
  accountId: z.string().min(1),
  correlationId: z.string(),
  actor: z.string(),
  receivedAt: z.number().int(),
  /** Epoch ms the processor decided. */
  decidedAt: z.number().int(),
  /**
   * The events' occurredAt: decidedAt, or the account's last occurredAt if that is later, so that
   * time never runs backwards along an account's versions. Added later: older records lack it.
   */
  occurredAt: z.number().int().optional(),
  outcome: z.enum(['accepted', 'rejected']),
  /** Ids of the events written (empty when rejected). */
  eventIds: z.array(z.string()),
  /** Account version after the command (accepted) or when it was refused (rejected). */
  version: z.number().int().min(0),
  /** Balance in minor units after the command, or null when the account does not exist. */
  balance: z.number().int().nullable(),
  currency: z.string().nullable(),
  /**
   * Minor units reserved by the account's live holds after the command (or when it was refused);
   * the available balance is balance - held. Added with holds (ADR 0007): older records lack it.
   */
  held: z.number().int().optional(),
  rejection: z
    .object({
      code: z.enum(REJECTION_CODES),
      message: z.string(),
      details: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
    })
    .nullable(),
});

export type OutcomeRecord = z.infer<typeof outcomeV1>;

export function encodeOutcome(record: OutcomeRecord): Buffer {
  return encodeJsonRecord(record);
}

/** The outcome record of any known version, or a RecordDecodeError (reason INVALID_OUTCOME). */
export function decodeOutcome(value: Buffer | null): OutcomeRecord {
  return decodeJsonRecord(value, 'INVALID_OUTCOME', { 1: outcomeV1 });
}
