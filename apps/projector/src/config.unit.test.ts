import { ConfigError } from '@tally/service';
import { describe, expect, it } from 'vitest';
import { loadProjectorConfig, loadProjectorServiceConfig } from './config.js';

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

  it('as a service, refuses to start without a token issuer to trust', () => {
    expect(() => loadProjectorServiceConfig({})).toThrow(/AUTH_ISSUER: .*AUTH_AUDIENCE: /s);
    expect(
      loadProjectorServiceConfig({ AUTH_ISSUER: 'tally-local', AUTH_AUDIENCE: 'tally-api' })
        .AUTH_AUDIENCE,
    ).toEqual(['tally-api']);
  });
});
