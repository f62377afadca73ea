import { canonicalJson } from '@tally/events';
import type { EntryContent } from '../src/core/chain.js';

/**
 * The entry content ingest makes of one MoneyDeposited record, without Kafka or a registry: for
 * unit tests and benchmarks of the chain, digests and proofs. Times follow the offset.
 */
export function depositContent(record: {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly accountId: string;
  readonly version: number;
  readonly amount: number;
  /** The record value (base64); a short distinct one by default. */
  readonly raw?: string;
}): EntryContent {
  const at = 1_700_000_000_000 + record.offset;
  const event = {
    type: 'MoneyDeposited',
    eventId: `e-${record.partition}-${record.offset}`,
    accountId: record.accountId,
    version: record.version,
    occurredAt: at,
    commandId: `cmd-${record.offset}`,
    correlationId: `corr-${record.offset}`,
    actor: 'test',
    amount: record.amount,
    currency: 'EUR',
  };
  return {
    kind: 'event',
    topic: record.topic,
    partition: record.partition,
    offset: String(record.offset),
    kafkaTimestamp: String(at),
    key: record.accountId,
    raw: record.raw ?? Buffer.from(`raw-${record.partition}-${record.offset}`).toString('base64'),
    payload: canonicalJson(event),
    schemaSubject: `${record.topic}-tally.account.MoneyDeposited`,
    schemaVersion: 1,
    schemaId: 3,
    accountId: record.accountId,
    eventType: 'MoneyDeposited',
    accountVersion: record.version,
    amount: record.amount,
    currency: 'EUR',
    occurredAt: at,
    anomalyReason: null,
    anomalyDetail: null,
    recordedAt: 1_700_000_000_500,
  };
}
