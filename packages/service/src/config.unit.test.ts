import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError, env, loadConfig, secret } from './config.js';

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

describe('loadConfig with secrets', () => {
  const secretShape = {
    AUDIT_DIGEST_KEY: z.string().min(16, 'must be at least 16 characters').optional(),
    SIGNING_MATERIAL: secret(z.string().regex(/^k-/, 'must start with k-')),
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
      .optional(),
    REPORT_URL: env.url().optional(),
    ECHOED: z
      .string()
      .refine((v) => v === 'ok', { message: 'must be ok' })
      .optional(),
  };

  function problemsOf(vars: Record<string, string>): string {
    try {
      loadConfig(secretShape, vars);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as ConfigError).message;
    }
    throw new Error('expected a ConfigError');
  }

  it('names a bad secret variable and why, never its value', () => {
    const message = problemsOf({
      AUDIT_DIGEST_KEY: 'hunter2-short',
      SIGNING_MATERIAL: 'super-secret-material',
    });
    expect(message).toContain('AUDIT_DIGEST_KEY: must be at least 16 characters');
    expect(message).toContain('SIGNING_MATERIAL: must start with k-');
    expect(message).toContain('value hidden: secret variable');
    expect(message).not.toContain('hunter2');
    expect(message).not.toContain('super-secret-material');
  });

  it('never echoes a value that carries credentials, whatever the variable', () => {
    const message = problemsOf({
      SIGNING_MATERIAL: 'k-fine',
      DATABASE_URL: 'mysql://tally:s3cr3t-pw@db:3306/tally',
      REPORT_URL: 'not a url?token=abc123secret',
    });
    expect(message).toContain('DATABASE_URL: must be a postgres:// URL');
    expect(message).toContain('value hidden: it holds credentials');
    expect(message).not.toContain('s3cr3t-pw');
    expect(message).not.toContain('abc123secret');
  });

  it('still echoes ordinary values, so a typo is easy to spot', () => {
    expect(problemsOf({ SIGNING_MATERIAL: 'k-fine', ECHOED: 'nope' })).toContain(
      'ECHOED: must be ok (got "nope")',
    );
  });

  it('keeps the secret when a custom message quotes the value', () => {
    const quoting = {
      API_PASSWORD: z.string().refine((v) => v.length > 20, { message: 'xyz-pass is too short' }),
    };
    expect(() => loadConfig(quoting, { API_PASSWORD: 'xyz-pass' })).toThrow(
      /API_PASSWORD: invalid value \(value hidden: secret variable\)/,
    );
  });
});
