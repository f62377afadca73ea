import { readFileSync } from 'node:fs';
import {
  ACCOUNT_EVENT_TYPES,
  type AccountClosed,
  type AccountEvent,
  type AccountOpened,
  type HoldCaptured,
  type HoldExpired,
  type HoldPlaced,
  type HoldReleased,
  type MoneyDeposited,
  type MoneyWithdrawn,
  type TransferCompleted,
  type TransferCredited,
  type TransferDebited,
  type TransferReversed,
} from '@tally/ledger';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { generateRecordTypes } from './codegen.js';
import type {
  AccountClosedRecord,
  AccountOpenedRecord,
  EventTypeName,
  HoldCapturedRecord,
  HoldExpiredRecord,
  HoldPlacedRecord,
  HoldReleasedRecord,
  MoneyDepositedRecord,
  MoneyWithdrawnRecord,
  TransferCompletedRecord,
  TransferCreditedRecord,
  TransferDebitedRecord,
  TransferReversedRecord,
} from './generated/records.js';
import { loadSchemas } from './schemas.js';

describe('types generated from the .avsc files', () => {
  it('are up to date (run `pnpm schemas codegen` after editing a schema)', () => {
    const committed = readFileSync(new URL('./generated/records.ts', import.meta.url), 'utf8');
    expect(committed).toBe(generateRecordTypes(loadSchemas()));
  });

  it('equal the domain event types of the ledger, field for field', () => {
    // Checked by the type checker (pnpm typecheck): a drift fails the build.
    expectTypeOf<AccountOpenedRecord>().toEqualTypeOf<Omit<AccountOpened, 'type'>>();
    expectTypeOf<MoneyDepositedRecord>().toEqualTypeOf<Omit<MoneyDeposited, 'type'>>();
    expectTypeOf<MoneyWithdrawnRecord>().toEqualTypeOf<Omit<MoneyWithdrawn, 'type'>>();
    expectTypeOf<AccountClosedRecord>().toEqualTypeOf<Omit<AccountClosed, 'type'>>();
    expectTypeOf<TransferDebitedRecord>().toEqualTypeOf<Omit<TransferDebited, 'type'>>();
    expectTypeOf<TransferCreditedRecord>().toEqualTypeOf<Omit<TransferCredited, 'type'>>();
    expectTypeOf<TransferCompletedRecord>().toEqualTypeOf<Omit<TransferCompleted, 'type'>>();
    expectTypeOf<TransferReversedRecord>().toEqualTypeOf<Omit<TransferReversed, 'type'>>();
    expectTypeOf<HoldPlacedRecord>().toEqualTypeOf<Omit<HoldPlaced, 'type'>>();
    expectTypeOf<HoldCapturedRecord>().toEqualTypeOf<Omit<HoldCaptured, 'type'>>();
    expectTypeOf<HoldReleasedRecord>().toEqualTypeOf<Omit<HoldReleased, 'type'>>();
    expectTypeOf<HoldExpiredRecord>().toEqualTypeOf<Omit<HoldExpired, 'type'>>();
    expectTypeOf<EventTypeName>().toEqualTypeOf<AccountEvent['type']>();
  });

  it('has one schema per domain event type, in the tally.account namespace', () => {
    expect(loadSchemas().map((s) => s.fullName)).toEqual(
      [...ACCOUNT_EVENT_TYPES].sort().map((name) => `tally.account.${name}`),
    );
  });

  it('writes a long union one member per line, as Prettier would', () => {
    const generated = generateRecordTypes(loadSchemas());
    expect(generated).toContain("export type EventTypeName =\n  | 'AccountClosed'\n");
    const short = generateRecordTypes(loadSchemas().filter((s) => s.name === 'AccountOpened'));
    expect(short).toContain("export type EventTypeName = 'AccountOpened';\n");
  });
});
