import { readFileSync } from 'node:fs';
import type {
  AccountClosed,
  AccountEvent,
  AccountOpened,
  MoneyDeposited,
  MoneyWithdrawn,
} from '@tally/ledger';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { generateRecordTypes } from './codegen.js';
import type {
  AccountClosedRecord,
  AccountOpenedRecord,
  EventTypeName,
  MoneyDepositedRecord,
  MoneyWithdrawnRecord,
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
    expectTypeOf<EventTypeName>().toEqualTypeOf<AccountEvent['type']>();
  });

  it('has one schema per domain event type, in the tally.account namespace', () => {
    const names: Record<AccountEvent['type'], true> = {
      AccountOpened: true,
      MoneyDeposited: true,
      MoneyWithdrawn: true,
      AccountClosed: true,
    };
    expect(loadSchemas().map((s) => s.fullName)).toEqual(
      Object.keys(names)
        .sort()
        .map((name) => `tally.account.${name}`),
    );
  });
});
