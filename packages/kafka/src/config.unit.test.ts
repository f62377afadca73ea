import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@tally/service';
import { describe, expect, it } from 'vitest';
import { kafkaConnection, kafkaEnv } from './config.js';

const connectionOf = (vars: Record<string, string>) => kafkaConnection(loadConfig(kafkaEnv, vars));

/** The message of the error `work` throws. */
function problemOf(work: () => unknown): string {
  try {
    work();
  } catch (error) {
    return String(error);
  }
  throw new Error('expected a configuration error');
}

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

describe('kafka connection', () => {
  it('is plain without SASL or TLS variables', () => {
    expect(connectionOf({})).toEqual({});
  });

  it('authenticates with SCRAM-SHA-512 from the three SASL variables', () => {
    expect(
      connectionOf({
        KAFKA_SASL_MECHANISM: 'scram-sha-512',
        KAFKA_SASL_USERNAME: 'intake',
        KAFKA_SASL_PASSWORD: 'p4ssw0rd-of-intake',
      }),
    ).toEqual({
      sasl: { mechanism: 'scram-sha-512', username: 'intake', password: 'p4ssw0rd-of-intake' },
    });
  });

  it('names each missing credential, never the password', () => {
    const missingUser = problemOf(() =>
      connectionOf({
        KAFKA_SASL_MECHANISM: 'scram-sha-512',
        KAFKA_SASL_PASSWORD: 'hunter2-hunter2',
      }),
    );
    expect(missingUser).toContain('KAFKA_SASL_USERNAME: is required with KAFKA_SASL_MECHANISM');
    expect(missingUser).not.toContain('hunter2');
    const noMechanism = problemOf(() => connectionOf({ KAFKA_SASL_PASSWORD: 'hunter2-hunter2' }));
    expect(noMechanism).toContain('KAFKA_SASL_MECHANISM: is required');
    expect(noMechanism).not.toContain('hunter2');
  });

  it('refuses an unknown mechanism and hides an empty password', () => {
    expect(problemOf(() => connectionOf({ KAFKA_SASL_MECHANISM: 'gssapi' }))).toMatch(
      /KAFKA_SASL_MECHANISM: .*got "gssapi"/,
    );
    expect(problemOf(() => connectionOf({ KAFKA_SASL_PASSWORD: '' }))).toContain(
      'KAFKA_SASL_PASSWORD: ',
    );
  });

  it('uses TLS with the CA of KAFKA_SSL_CA_FILE', () => {
    const ca = join(mkdtempSync(join(tmpdir(), 'kafka-ca-')), 'ca.pem');
    writeFileSync(ca, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    expect(connectionOf({ KAFKA_SSL: 'true' })).toEqual({ ssl: true });
    expect(connectionOf({ KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: ca }).ssl).toEqual({
      ca: ['-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n'],
    });
    expect(problemOf(() => connectionOf({ KAFKA_SSL_CA_FILE: ca }))).toContain(
      'KAFKA_SSL_CA_FILE: is only used with KAFKA_SSL=true',
    );
    expect(
      problemOf(() => connectionOf({ KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: `${ca}.missing` })),
    ).toContain('KAFKA_SSL_CA_FILE: cannot be read (ENOENT)');
  });
});
