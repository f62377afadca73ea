import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AccountEventSerde,
  ensureAccountEventsTopic,
  loadSchemas,
  registerSchemas,
  RegistryClient,
} from '@tally/events';
import { ensureTopic } from '@tally/kafka';
import { testKafka, uniqueName } from '@tally/kafka/testing';
import type { AccountEvent } from '@tally/ledger';
import { createLogger } from '@tally/service';
import type { Kafka, Producer } from 'kafkajs';
import pg from 'pg';
import { createAuditApp } from '../src/app.js';
import { createAuditMetrics } from '../src/metrics.js';
import { AuditService } from '../src/service.js';
import type { AuditStore } from '../src/store/types.js';

export const registryUrl = process.env['SCHEMA_REGISTRY_URL'] ?? 'http://127.0.0.1:8081';
export const pgAdminUrl =
  process.env['TEST_DATABASE_URL'] ?? 'postgres://tally:tally@127.0.0.1:5432/tally';

/** A PostgreSQL database of its own (audit_test_<random>), dropped by `drop()`. */
export async function scratchDatabase(prefix = 'audit_test') {
  const name = `${prefix}_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const admin = new pg.Client({ connectionString: pgAdminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(pgAdminUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: pgAdminUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

/** A temporary directory, removed by `remove()`. */
export function scratchDir() {
  const dir = mkdtempSync(join(tmpdir(), 'audit-test-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** An events topic of its own with the schemas registered, an outcomes topic, and a producer. */
export async function topics(partitions = 3, kafka: Kafka = testKafka('audit-test')) {
  const topic = uniqueName('audit-events');
  const outcomesTopic = uniqueName('audit-outcomes');
  const admin = kafka.admin();
  await admin.connect();
  await ensureAccountEventsTopic(admin, { topic, partitions, replicationFactor: 1 });
  await ensureTopic(admin, { topic: outcomesTopic, partitions, replicationFactor: 1 });
  await registerSchemas(new RegistryClient(registryUrl), topic, loadSchemas());
  const serde = await AccountEventSerde.connect({ registryUrl, topic });
  const producer: Producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  return {
    kafka,
    topic,
    outcomesTopic,
    serde,
    async send(events: readonly AccountEvent[]) {
      for (let i = 0; i < events.length; i += 2_000) {
        await producer.send({
          topic,
          acks: -1,
          messages: events
            .slice(i, i + 2_000)
            .map((e) => ({ key: e.accountId, value: serde.encode(e) })),
        });
      }
    },
    async sendRaw(key: string, value: Buffer | null, target = topic) {
      await producer.send({ topic: target, acks: -1, messages: [{ key, value }] });
    },
    async endOffsets(t = topic): Promise<number> {
      const offsets = await admin.fetchTopicOffsets(t);
      return offsets.reduce((sum, o) => sum + Number(o.high), 0);
    },
    async close() {
      await producer.disconnect();
      await admin.deleteTopics({ topics: [topic, outcomesTopic] }).catch(() => undefined);
      await admin.disconnect();
    },
  };
}

let clock = Date.parse('2026-03-02T09:00:00Z');
const envelope = (accountId: string, version: number, occurredAt?: number) => ({
  eventId: randomUUID(),
  accountId,
  version,
  occurredAt: occurredAt ?? (clock += 1_000),
  commandId: randomUUID(),
  correlationId: randomUUID(),
  actor: 'test',
});

export const opened = (accountId: string, at?: number): AccountEvent => ({
  type: 'AccountOpened',
  ...envelope(accountId, 1, at),
  owner: 'Ada',
  currency: 'EUR',
  overdraftLimit: 0,
});
export const deposited = (
  accountId: string,
  version: number,
  amount: number,
  at?: number,
): AccountEvent => ({
  type: 'MoneyDeposited',
  ...envelope(accountId, version, at),
  amount,
  currency: 'EUR',
});
export const withdrawn = (
  accountId: string,
  version: number,
  amount: number,
  at?: number,
): AccountEvent => ({
  type: 'MoneyWithdrawn',
  ...envelope(accountId, version, at),
  amount,
  currency: 'EUR',
});
export const closed = (accountId: string, version: number, at?: number): AccountEvent => ({
  type: 'AccountClosed',
  ...envelope(accountId, version, at),
});

/**
 * A mixed workload: `accounts` accounts, each opened, then deposits and withdrawals that never go
 * below zero, every fifth account closed at balance zero.
 */
export function workload(prefix: string, accounts: number, movements: number): AccountEvent[] {
  const events: AccountEvent[] = [];
  for (let a = 0; a < accounts; a += 1) {
    const id = `${prefix}-${a}`;
    let version = 1;
    let balance = 0;
    events.push(opened(id));
    for (let m = 0; m < movements; m += 1) {
      version += 1;
      if (m % 3 === 2 && balance > 0) {
        const amount = 1 + ((a + m) % balance);
        balance -= amount;
        events.push(withdrawn(id, version, amount));
      } else {
        const amount = 100 + ((a * 7 + m * 13) % 900);
        balance += amount;
        events.push(deposited(id, version, amount));
      }
    }
    if (a % 5 === 4) {
      if (balance > 0) events.push(withdrawn(id, (version += 1), balance));
      events.push(closed(id, (version += 1)));
    }
  }
  return events;
}

/** The audit service in this process, listening on a free port. */
export async function runAudit(options: {
  store: AuditStore;
  kafka: Kafka;
  topic: string;
  outcomesTopic?: string;
  projectorUrl?: string;
  digestKey?: string;
}) {
  const logger = createLogger('audit-test', 'silent');
  const metrics = createAuditMetrics();
  const service = await AuditService.create({
    kafka: options.kafka,
    store: options.store,
    metrics,
    logger,
    registryUrl,
    eventsTopic: options.topic,
    outcomesTopic: options.outcomesTopic,
    groupId: uniqueName('audit-group'),
    readyMaxLag: 0,
    digestKey: options.digestKey,
  });
  const app = createAuditApp({
    store: options.store,
    logger,
    metrics,
    projectorUrl: options.projectorUrl ?? 'http://127.0.0.1:9',
    digestKey: options.digestKey,
    readiness: service.readiness(),
  });
  const server = app.listen(0);
  await new Promise((resolve) => server.once('listening', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  await service.start();
  return {
    base,
    metrics,
    service,
    get: async (path: string) => {
      const response = await fetch(`${base}${path}`);
      return {
        status: response.status,
        type: response.headers.get('content-type') ?? '',
        text: await response.text(),
      };
    },
    async stop() {
      await service.stop();
      server.close();
      server.closeAllConnections();
    },
  };
}
