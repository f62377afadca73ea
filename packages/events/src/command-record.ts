import { z } from 'zod';
import { decodeJsonRecord, encodeJsonRecord } from './json-record.js';

/**
 * A command on bank.account-commands.v1, keyed by accountId: what the intake accepted for
 * processing. JSON, versioned by `v`; fields are only ever added, never renamed or removed.
 */

const expectedVersion = z.number().int().min(0).optional();

const commandBody = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('OpenAccount'),
    accountId: z.string().min(1),
    owner: z.string(),
    currency: z.string(),
    overdraftLimit: z.number().int().optional(),
    expectedVersion,
  }),
  z.object({
    type: z.enum(['DepositMoney', 'WithdrawMoney']),
    accountId: z.string().min(1),
    amount: z.number().int(),
    currency: z.string(),
    expectedVersion,
  }),
  z.object({ type: z.literal('CloseAccount'), accountId: z.string().min(1), expectedVersion }),
]);

const commandV1 = z.object({
  v: z.literal(1),
  /** UUID v5 of (accountId, idempotencyKey); the events' commandId. */
  commandId: z.string().min(1),
  idempotencyKey: z.string(),
  requestHash: z.string(),
  correlationId: z.string(),
  actor: z.string(),
  /** Epoch ms the intake received the request (the partition's owner stamps the events' occurredAt). */
  receivedAt: z.number().int(),
  /** Id of the event the command produces if accepted (fixed here, so a re-run is identical). */
  eventId: z.string(),
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
