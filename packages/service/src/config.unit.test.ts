import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError, env, loadConfig } from './config.js';

const shape = {
  KAFKA_BROKERS: env.list(),
  PORT: env.port().default(8080),
  LOG_LEVEL: env.logLevel().default('info'),
  SCHEMA_REGISTRY_URL: env.url(),
  NAME: z.string().optional(),
};

describe('loadConfig', () => {
  it('parses and applies defaults', () => {
    const config = loadConfig(shape, {
      KAFKA_BROKERS: '127.0.0.1:9092, 127.0.0.1:9094',
      SCHEMA_REGISTRY_URL: 'http://127.0.0.1:8081',
    });
    expect(config).toEqual({
      KAFKA_BROKERS: ['127.0.0.1:9092', '127.0.0.1:9094'],
      PORT: 8080,
      LOG_LEVEL: 'info',
      SCHEMA_REGISTRY_URL: 'http://127.0.0.1:8081',
    });
  });

  it('names every bad variable with the value seen', () => {
    let caught: unknown;
    try {
      loadConfig(shape, { KAFKA_BROKERS: ' , ', PORT: '70000', LOG_LEVEL: 'loud' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const problems = (caught as ConfigError).problems;
    expect(problems).toHaveLength(4);
    expect(problems.find((p) => p.startsWith('KAFKA_BROKERS:'))).toContain('at least one');
    expect(problems.find((p) => p.startsWith('PORT:'))).toContain('got "70000"');
    expect(problems.find((p) => p.startsWith('LOG_LEVEL:'))).toContain('got "loud"');
    expect(problems.find((p) => p.startsWith('SCHEMA_REGISTRY_URL:'))).toContain('unset');
  });
});
