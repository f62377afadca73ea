import { describe, expect, it } from 'vitest';
import { given } from '../test/decider-spec.js';
import { closed, deposited, open, opened, unsafe } from '../test/fixtures.js';
import { MAX_OVERDRAFT_LIMIT_MINOR } from './money.js';

describe('OpenAccount', () => {
  it('opens a new account with version 1 and no overdraft by default', () => {
    given([])
      .when(open(1))
      .then([opened(1, { overdraftLimit: 0 })]);
  });

  it('opens with the overdraft limit asked for', () => {
    given([])
      .when(open(1, { overdraftLimit: 25_000 }))
      .then([opened(1, { overdraftLimit: 25_000 })]);
    given([])
      .when(open(1, { overdraftLimit: MAX_OVERDRAFT_LIMIT_MINOR }))
      .then([opened(1, { overdraftLimit: MAX_OVERDRAFT_LIMIT_MINOR })]);
  });

  it('takes the envelope from the command metadata', () => {
    const [event] = given([])
      .when(open(1))
      .then([opened(1)]);
    expect(event).toEqual({
      eventId: '00000000-0000-4000-8000-000000000001',
      accountId: 'acc-1',
      version: 1,
      occurredAt: Date.UTC(2025, 0, 1, 9, 0, 1),
      commandId: 'cmd-1',
      correlationId: 'corr-1',
      actor: 'teller-7',
      type: 'AccountOpened',
      owner: 'Ada Lovelace',
      currency: 'EUR',
      overdraftLimit: 0,
    });
  });

  it('opens in a currency without minor units', () => {
    given([])
      .when(open(1, { currency: 'JPY' }))
      .then([opened(1, { currency: 'JPY' })]);
  });

  it('accepts expectedVersion 0 (If-None-Match semantics)', () => {
    given([])
      .when(open(1, { expectedVersion: 0 }))
      .then([opened(1)]);
  });

  it('rejects another expectedVersion with VERSION_CONFLICT', () => {
    const rejection = given([])
      .when(open(1, { expectedVersion: 3 }))
      .then('VERSION_CONFLICT');
    expect(rejection.details).toEqual({ accountId: 'acc-1', expectedVersion: 3, actualVersion: 0 });
  });

  it('rejects an account id that is taken with ACCOUNT_ALREADY_EXISTS', () => {
    const rejection = given([opened(1), deposited(2, 5)])
      .when(open(3))
      .then('ACCOUNT_ALREADY_EXISTS');
    expect(rejection.message).toBe(
      'account acc-1 already exists (open, version 2): account ids are never reused',
    );
  });

  it('never reopens a closed account', () => {
    given([opened(1), closed(2)])
      .when(open(3))
      .then('ACCOUNT_ALREADY_EXISTS');
  });

  it('prefers ACCOUNT_ALREADY_EXISTS over VERSION_CONFLICT', () => {
    given([opened(1)])
      .when(open(2, { expectedVersion: 0 }))
      .then('ACCOUNT_ALREADY_EXISTS');
  });

  describe('rejects a bad owner with INVALID_COMMAND', () => {
    it.each([
      '',
      '   ',
      'x'.repeat(201),
      undefined,
      42,
      'Ada\u0000',
      'A\u001bda',
      'Ada\u0085',
      'A\ud800',
    ])('owner %j', (owner) => {
      const rejection = given([])
        .when(open(1, { owner: unsafe<string>(owner) }))
        .then('INVALID_COMMAND');
      expect(rejection.details).toMatchObject({ field: 'owner' });
    });

    it('says what is allowed', () => {
      const rejection = given([])
        .when(open(1, { owner: ' ' }))
        .then('INVALID_COMMAND');
      expect(rejection.message).toBe(
        'owner " " is not allowed: the owner is a non-blank string of at most 200 characters ' +
          'without control characters',
      );
    });
  });

  describe('rejects a bad account id with INVALID_COMMAND', () => {
    it.each(['', ' acc-1', 'acc-1\n', 'acc\u00001', 'a'.repeat(129), null])(
      'accountId %j',
      (accountId) => {
        const rejection = given([])
          .when(open(1, { accountId: unsafe<string>(accountId) }))
          .then('INVALID_COMMAND');
        expect(rejection.details).toMatchObject({ field: 'accountId' });
      },
    );
  });

  describe('rejects a bad currency with INVALID_CURRENCY', () => {
    it.each(['eur', 'EURO', 'XAU', 'ABC', '', undefined])('currency %j', (currency) => {
      given([])
        .when(open(1, { currency: unsafe<string>(currency) }))
        .then('INVALID_CURRENCY');
    });

    it('says what is allowed', () => {
      const rejection = given([])
        .when(open(1, { currency: 'eur' }))
        .then('INVALID_CURRENCY');
      expect(rejection).toEqual({
        code: 'INVALID_CURRENCY',
        message:
          'currency "eur" is not allowed: a currency is an active ISO 4217 alphabetic code ' +
          'in upper case, such as EUR or USD',
        details: { field: 'currency', value: 'eur' },
      });
    });
  });

  describe('rejects a bad overdraft limit with INVALID_AMOUNT', () => {
    it.each([-1, 0.5, MAX_OVERDRAFT_LIMIT_MINOR + 1, NaN, '100'])('overdraftLimit %j', (limit) => {
      const rejection = given([])
        .when(open(1, { overdraftLimit: unsafe<number>(limit) }))
        .then('INVALID_AMOUNT');
      expect(rejection.details).toMatchObject({ field: 'overdraftLimit' });
    });

    it('says what is allowed', () => {
      const rejection = given([])
        .when(open(1, { overdraftLimit: -1 }))
        .then('INVALID_AMOUNT');
      expect(rejection.message).toBe(
        'overdraftLimit -1 is not allowed: an overdraft limit is an integer of minor units ' +
          'from 0 to 1000000000000000',
      );
    });
  });

  it('validates the command before looking at the account', () => {
    given([opened(1)])
      .when(open(2, { owner: '' }))
      .then('INVALID_COMMAND');
  });
});
