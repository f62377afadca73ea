import { ConfigError } from '@tally/service';
import { describe, expect, it } from 'vitest';
import { loadIntakeConfig, loadIntakeServiceConfig } from './config.js';

describe('intake config', () => {
  it('runs against the local stack with no env set', () => {
    const config = loadIntakeConfig({});
    expect(config.KAFKA_BROKERS).toEqual(['127.0.0.1:9092']);
    expect(config.TALLY_EVENTS_TOPIC).toBe('bank.account-events.v1');
    expect(config.PORT).toBe(3001);
  });

  it('reads the idempotency window as a duration, 30 days by default', () => {
    expect(loadIntakeConfig({}).INTAKE_IDEMPOTENCY_WINDOW).toBe(30 * 24 * 3_600_000);
    expect(loadIntakeConfig({ INTAKE_IDEMPOTENCY_WINDOW: '12h' }).INTAKE_IDEMPOTENCY_WINDOW).toBe(
      12 * 3_600_000,
    );
    expect(loadIntakeConfig({ INTAKE_IDEMPOTENCY_WINDOW: '500ms' }).INTAKE_IDEMPOTENCY_WINDOW).toBe(
      500,
    );
    expect(() => loadIntakeConfig({ INTAKE_IDEMPOTENCY_WINDOW: '30 days' })).toThrow(
      /INTAKE_IDEMPOTENCY_WINDOW/,
    );
    expect(() => loadIntakeConfig({ INTAKE_IDEMPOTENCY_WINDOW: '0s' })).toThrow(ConfigError);
  });

  it('refuses a bad port, naming the variable', () => {
    expect(() => loadIntakeConfig({ PORT: 'eighty' })).toThrow(ConfigError);
    expect(() => loadIntakeConfig({ PORT: 'eighty' })).toThrow(/PORT: .*got "eighty"/);
  });

  it('as a service, refuses to start without a token issuer to trust; limits commands per caller', () => {
    expect(() => loadIntakeServiceConfig({})).toThrow(/AUTH_ISSUER: .*AUTH_AUDIENCE: /s);
    const config = loadIntakeServiceConfig({
      AUTH_ISSUER: 'tally-local',
      AUTH_AUDIENCE: 'tally-api',
    });
    expect(config).toMatchObject({ RATE_LIMIT_COMMANDS: 1_200, RATE_LIMIT_WINDOW_MS: 60_000 });
    expect(() =>
      loadIntakeServiceConfig({ AUTH_ISSUER: 'i', AUTH_AUDIENCE: 'a', AUTH_ALGORITHMS: 'HS256' }),
    ).toThrow(/AUTH_ALGORITHMS: .*never none or HS/);
  });
});
