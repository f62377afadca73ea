import type { RejectionCode, RejectionDetailValue } from '@tally/ledger';

/**
 * The two JSON records the intake writes besides the Avro events. Internal contracts, versioned by
 * `v`: the audit service reads outcomes, so fields are only ever added, never renamed or removed.
 */

export type CommandBody =
  | {
      type: 'OpenAccount';
      accountId: string;
      owner: string;
      currency: string;
      overdraftLimit?: number;
      expectedVersion?: number;
    }
  | {
      type: 'DepositMoney' | 'WithdrawMoney';
      accountId: string;
      amount: number;
      currency: string;
      expectedVersion?: number;
    }
  | { type: 'CloseAccount'; accountId: string; expectedVersion?: number };

/** A command on bank.account-commands.v1, keyed by accountId. */
export interface CommandRecord {
  v: 1;
  /** UUID v5 of (accountId, idempotencyKey); the events' commandId. */
  commandId: string;
  idempotencyKey: string;
  requestHash: string;
  correlationId: string;
  actor: string;
  /** Epoch ms the intake received the request (the owner stamps the events' occurredAt). */
  receivedAt: number;
  /** Id of the event the command produces if accepted (fixed here, so a re-run is identical). */
  eventId: string;
  command: CommandBody;
}

/** The outcome of a command on bank.command-outcomes.v1, keyed by accountId. Kept forever. */
export interface OutcomeRecord {
  v: 1;
  commandId: string;
  idempotencyKey: string;
  requestHash: string;
  commandType: CommandBody['type'];
  accountId: string;
  correlationId: string;
  actor: string;
  receivedAt: number;
  /** Epoch ms the processor decided. */
  decidedAt: number;
  /**
   * The events' occurredAt: decidedAt, or the account's last occurredAt if that is later, so
   * that time never runs backwards along an account's versions. Added later: may be absent.
   */
  occurredAt?: number;
  outcome: 'accepted' | 'rejected';
  /** Ids of the events written (empty when rejected). */
  eventIds: string[];
  /** Account version after the command (accepted) or when it was refused (rejected). */
  version: number;
  /** Balance in minor units after the command, or null when the account does not exist. */
  balance: number | null;
  currency: string | null;
  rejection: {
    code: RejectionCode;
    message: string;
    details: Record<string, RejectionDetailValue>;
  } | null;
}

export function encodeRecord(record: CommandRecord | OutcomeRecord): Buffer {
  return Buffer.from(JSON.stringify(record));
}

export function decodeCommand(value: Buffer | null): CommandRecord {
  const record = parse(value) as Partial<CommandRecord>;
  if (
    record.v !== 1 ||
    typeof record.commandId !== 'string' ||
    typeof record.command !== 'object'
  ) {
    throw new Error(`not a v1 command record: ${String(value).slice(0, 200)}`);
  }
  return record as CommandRecord;
}

export function decodeOutcome(value: Buffer | null): OutcomeRecord {
  const record = parse(value) as Partial<OutcomeRecord>;
  if (
    record.v !== 1 ||
    typeof record.commandId !== 'string' ||
    typeof record.outcome !== 'string'
  ) {
    throw new Error(`not a v1 outcome record: ${String(value).slice(0, 200)}`);
  }
  return record as OutcomeRecord;
}

function parse(value: Buffer | null): unknown {
  if (value === null) throw new Error('record has no value');
  return JSON.parse(value.toString('utf8'));
}
