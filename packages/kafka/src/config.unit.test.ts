import { loadConfig } from '@tally/service';
import { describe, expect, it } from 'vitest';
import { kafkaEnv } from './config.js';

describe('kafka env', () => {
  it('defaults to the local single broker and six partitions', () => {
    const config = loadConfig(kafkaEnv, {});
    expect(config.KAFKA_BROKERS).toEqual(['127.0.0.1:9092']);
    expect(config.TALLY_TOPIC_PARTITIONS).toBe(6);
    expect(config.TALLY_TOPIC_REPLICATION).toBe(1);
  });

  it('refuses zero partitions', () => {
    expect(() => loadConfig(kafkaEnv, { TALLY_TOPIC_PARTITIONS: '0' })).toThrow(
      /TALLY_TOPIC_PARTITIONS: .*got "0"/,
    );
  });
});
