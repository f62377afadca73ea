import { logLevel } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { kafkajsLogLevel } from './client.js';

const CONCURRENT =
  'The producer attempted to update a transaction while another concurrent operation on the same transaction was ongoing';

describe('kafkajsLogLevel', () => {
  it('logs an attempt kafkajs retries itself (CONCURRENT_TRANSACTIONS) at debug', () => {
    expect(
      kafkajsLogLevel(logLevel.ERROR, { message: `Failed to send messages: ${CONCURRENT}` }),
    ).toBe('debug');
    expect(
      kafkajsLogLevel(logLevel.ERROR, {
        message: 'Response AddPartitionsToTxn(key: 24, version: 1)',
        error: CONCURRENT,
      }),
    ).toBe('debug');
  });

  it('keeps every other line at the level kafkajs gave it', () => {
    expect(
      kafkajsLogLevel(logLevel.ERROR, { message: 'Crash: KafkaJSNumberOfRetriesExceeded' }),
    ).toBe('error');
    expect(
      kafkajsLogLevel(logLevel.ERROR, {
        message: 'Response AddPartitionsToTxn(key: 24, version: 1)',
        error:
          'There is a newer producer with the same transactionalId which fences the current one',
      }),
    ).toBe('error');
    expect(kafkajsLogLevel(logLevel.WARN, { message: 'rebalancing' })).toBe('warn');
  });
});
