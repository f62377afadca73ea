import { ConfigError } from '@tally/service';
import { describe, expect, it } from 'vitest';
import { loadAuditConfig, loadAuditServiceConfig } from './config.js';

describe('audit config', () => {
  it('runs against the local stack with no env set', () => {
    const config = loadAuditConfig({});
    expect(config.KAFKA_BROKERS).toEqual(['127.0.0.1:9092']);
    expect(config.TALLY_EVENTS_TOPIC).toBe('bank.account-events.v1');
    expect(config.PORT).toBe(3003);
  });

  it('refuses a bad port, naming the variable', () => {
    expect(() => loadAuditConfig({ PORT: 'eighty' })).toThrow(ConfigError);
    expect(() => loadAuditConfig({ PORT: 'eighty' })).toThrow(/PORT: .*got "eighty"/);
  });

  it('defaults to SQLite with outcomes audited, and validates the audit variables', () => {
    const config = loadAuditConfig({});
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.AUDIT_SQLITE_PATH).toBe('.local/audit/audit.sqlite');
    expect(config.AUDIT_INGEST_OUTCOMES).toBe(true);
    expect(loadAuditConfig({ AUDIT_INGEST_OUTCOMES: 'false' }).AUDIT_INGEST_OUTCOMES).toBe(false);
    expect(() => loadAuditConfig({ AUDIT_INGEST_OUTCOMES: 'yes' })).toThrow(
      /AUDIT_INGEST_OUTCOMES/,
    );
    expect(() => loadAuditConfig({ DATABASE_URL: 'mysql://x' })).toThrow(/DATABASE_URL/);
    expect(() => loadAuditConfig({ AUDIT_DB_MIGRATE: 'sometimes' })).toThrow(/AUDIT_DB_MIGRATE/);
    expect(() => loadAuditConfig({ AUDIT_DIGEST_EXPORT_URL: 'not a url' })).toThrow(
      /AUDIT_DIGEST_EXPORT_URL/,
    );
  });

  it('names a bad secret without printing it', () => {
    let message = '';
    try {
      loadAuditConfig({
        AUDIT_WITNESS_INTERVAL_MS: '-1',
        DATABASE_URL: 'mysql://tally:pg-password-1@db:5432/tally',
      });
    } catch (error) {
      message = String(error);
    }
    expect(message).toContain('AUDIT_WITNESS_INTERVAL_MS');
    expect(message).toContain('DATABASE_URL: must be a postgres:// or postgresql:// URL');
    expect(message).not.toContain('pg-password-1');
  });

  it('as a service, needs a token issuer to trust and its own identity towards the projector', () => {
    let message = '';
    try {
      loadAuditServiceConfig({ AUTH_CLIENT_SECRET: 'client-secret-1' });
    } catch (error) {
      message = String(error);
    }
    expect(message).toContain('AUTH_ISSUER');
    expect(message).toContain('AUTH_AUDIENCE');
    expect(message).toContain('AUTH_CLIENT_AUDIENCE');
    expect(message).not.toContain('client-secret-1');
    const config = loadAuditServiceConfig({
      AUTH_ISSUER: 'tally-local',
      AUTH_AUDIENCE: 'tally-api',
      AUTH_CLIENT_AUDIENCE: 'tally-api',
    });
    expect(config).toMatchObject({ AUTH_CLIENT_ID: 'svc-audit', AUTH_CLIENT_SCOPE: 'ledger:read' });
  });
});
