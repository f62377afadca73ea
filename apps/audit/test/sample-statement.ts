import type { AccountEvent } from '@tally/ledger';
import type { AuditedEvent } from '../src/core/reports.js';

/**
 * A month of a business account in EUR, from eight-figure transfers down to one cent, used by the renderer tests and by `pnpm --filter @tally/audit docs:statement`.
 */
export const SAMPLE_ACCOUNT = 'acc-7f3c2a91';
export const SAMPLE_PERIOD = {
  from: Date.parse('2026-02-28T23:00:00Z'), // 1 March 2026, 00:00 in Europe/Berlin
  to: Date.parse('2026-03-31T22:00:00Z'), // 1 April 2026, 00:00 in Europe/Berlin
};

export function sampleEvents(): AuditedEvent[] {
  const chain = 'bank.account-events.v1/3';
  let version = 0;
  const envelope = (at: string) => {
    version += 1;
    return {
      eventId: `${(0x3f2a9100 + version * 7919).toString(16)}-7c1e-4b2a-9d40-${String(version).padStart(12, '0')}`,
      accountId: SAMPLE_ACCOUNT,
      version,
      occurredAt: Date.parse(at),
      commandId: `cmd-${version}`,
      correlationId: `corr-${version}`,
      actor: 'teller-12',
      entryRef: { chain, seq: 40 + version * 3 },
    };
  };
  const events: AuditedEvent[] = [
    {
      type: 'AccountOpened',
      ...envelope('2026-02-03T08:15:00Z'),
      owner: 'Müller & Søn Logistik GmbH',
      currency: 'EUR',
      overdraftLimit: 0,
    },
    {
      type: 'MoneyDeposited',
      ...envelope('2026-02-10T09:00:00Z'),
      amount: 184_250_00,
      currency: 'EUR',
    },
  ];
  const movements: [string, 'in' | 'out', number][] = [
    ['2026-03-02T07:41:12Z', 'in', 1_250_000_00],
    ['2026-03-02T13:05:40Z', 'out', 48_730_15],
    ['2026-03-03T10:22:03Z', 'out', 312_400_00],
    ['2026-03-05T16:48:55Z', 'in', 27_500_50],
    ['2026-03-06T08:00:00Z', 'out', 9_845_99],
    ['2026-03-09T11:11:11Z', 'in', 12_345_678_90],
    ['2026-03-10T09:30:00Z', 'out', 2_500_000_00],
    ['2026-03-12T15:20:45Z', 'out', 8_765_43],
    ['2026-03-13T06:59:59Z', 'in', 1_00],
    ['2026-03-16T12:00:00Z', 'out', 645_120_00],
    ['2026-03-18T17:45:30Z', 'in', 75_000_00],
    ['2026-03-20T10:10:10Z', 'out', 19_99],
    ['2026-03-23T08:30:00Z', 'in', 430_210_75],
    ['2026-03-25T14:14:14Z', 'out', 1_640_000_00],
    ['2026-03-27T09:45:00Z', 'in', 3_210_987_65],
    ['2026-03-30T16:00:00Z', 'out', 45_000_00],
    ['2026-03-31T20:30:00Z', 'in', 12_00],
  ];
  // Movements and holds in the order they happened (versions follow time).
  const steps: [string, () => AuditedEvent[]][] = [
    ...movements.map(([at, way, amount]): [string, () => AuditedEvent[]] => [
      at,
      () => [
        way === 'in'
          ? { type: 'MoneyDeposited', ...envelope(at), amount, currency: 'EUR' }
          : { type: 'MoneyWithdrawn', ...envelope(at), amount, currency: 'EUR' },
      ],
    ]),
    ...holdsInMarch(envelope),
  ];
  steps.sort(([a], [b]) => Date.parse(a) - Date.parse(b));
  for (const [, make] of steps) events.push(...make());
  // Transfers with another account, in the order they happened.
  events.push(
    {
      type: 'TransferDebited',
      ...envelope('2026-03-31T21:05:00Z'),
      transferId: 'tr-9021',
      toAccountId: 'acc-51d08e77',
      amount: 18_400_00,
      currency: 'EUR',
    },
    {
      type: 'TransferCredited',
      ...envelope('2026-03-31T21:40:00Z'),
      transferId: 'tr-9034',
      fromAccountId: 'acc-0a6b3f12',
      amount: 2_250_00,
      currency: 'EUR',
    },
  );
  // After the period: not on the statement.
  events.push({
    type: 'MoneyDeposited',
    ...envelope('2026-04-01T08:00:00Z'),
    amount: 5_00,
    currency: 'EUR',
  });
  return events satisfies AccountEvent[];
}

/**
 * Holds of the month: one placed and captured in part (its money leaves as a withdrawal of the
 * same decision), one placed and released, one still live at the close.
 */
function holdsInMarch(
  envelope: (at: string) => Omit<AuditedEvent, 'type'> & { commandId: string },
): [string, () => AuditedEvent[]][] {
  const card = 'a41c7e02-hold-card-authorisation';
  const hotel = '5d02b9f4-hold-hotel-deposit';
  const fuel = 'e9f3a611-hold-fuel-pre-authorisation';
  const placed = (at: string, holdId: string, amount: number, days: number): AuditedEvent => ({
    type: 'HoldPlaced',
    ...envelope(at),
    holdId,
    amount,
    currency: 'EUR',
    expiresAt: Date.parse(at) + days * 86_400_000,
  });
  return [
    ['2026-03-11T14:02:00Z', () => [placed('2026-03-11T14:02:00Z', card, 2_500_00, 7)]],
    [
      '2026-03-12T09:15:00Z',
      () => {
        const capture = envelope('2026-03-12T09:15:00Z');
        const withdrawal = { ...envelope('2026-03-12T09:15:00Z'), commandId: capture.commandId };
        return [
          {
            type: 'HoldCaptured',
            ...capture,
            holdId: card,
            amount: 2_000_00,
            releasedAmount: 500_00,
            currency: 'EUR',
          },
          { type: 'MoneyWithdrawn', ...withdrawal, amount: 2_000_00, currency: 'EUR' },
        ];
      },
    ],
    ['2026-03-19T08:00:00Z', () => [placed('2026-03-19T08:00:00Z', hotel, 300_00, 7)]],
    [
      '2026-03-21T10:30:00Z',
      () => [
        {
          type: 'HoldReleased',
          ...envelope('2026-03-21T10:30:00Z'),
          holdId: hotel,
          amount: 300_00,
          currency: 'EUR',
        },
      ],
    ],
    ['2026-03-29T16:45:00Z', () => [placed('2026-03-29T16:45:00Z', fuel, 150_00, 7)]],
  ];
}

export const SAMPLE_GENERATED_AT = Date.parse('2026-04-01T06:30:00Z');
export const SAMPLE_VERIFICATION = {
  chain: 'bank.account-events.v1/3',
  headSeq: 1_204_311,
  headHash: '9c41d0e2b7a85f3361c0ad4e8f27b19de0c5a6f4b3829d17e6c0f5a4b3d2e1f0',
  digest: {
    sequence: 2_161,
    keyId: '5be1c09a7d3e44f2',
    createdAt: Date.parse('2026-04-01T06:00:00Z'),
    merkleRoot: 'e7a3b1c90d4f6a28b5c7e9d1f3a5b7c9e1d3f5a7b9c1e3d5f7a9b1c3e5d7f9a1',
  },
};
