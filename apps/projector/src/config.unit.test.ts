import { ConfigError } from '@tally/service';
import { describe, expect, it } from 'vitest';
import { loadProjectorConfig } from './config.js';

describe('projector config', () => {
  it('runs against the local stack with no env set', () => {
    const config = loadProjectorConfig({});
    expect(config.KAFKA_BROKERS).toEqual(['127.0.0.1:9092']);
    expect(config.TALLY_EVENTS_TOPIC).toBe('bank.account-events.v1');
    expect(config.PORT).toBe(3002);
  });

  it('refuses a bad port, naming the variable', () => {
    expect(() => loadProjectorConfig({ PORT: 'eighty' })).toThrow(ConfigError);
    expect(() => loadProjectorConfig({ PORT: 'eighty' })).toThrow(/PORT: .*got "eighty"/);
  });
});
