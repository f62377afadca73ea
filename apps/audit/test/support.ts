import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createPublicKey, type KeyObject } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { AccountEventSerde } from '@tally/events';
import { ensureTopic, type KafkaClient } from '@tally/kafka';
import { testKafka, uniqueName } from '@tally/kafka/testing';
import type { AccountEvent } from '@tally/ledger';
import { createLogger, SCOPES } from '@tally/service';
import { testIssuer, type TestIssuer } from '@tally/service/testing';
import { createAuditApp } from '../src/app.js';
import { PostgresAuditStore } from '../src/store/postgres.js';
import { SqliteAuditStore } from '../src/store/sqlite.js';
import { DigestExporter, DigestSigner } from '../src/digests.js';
import { digestMetrics, WitnessRunner } from '../src/evidence.js';
import { createAuditMetrics } from '../src/metrics.js';
import { AuditService } from '../src/service.js';
import { witnessGroupPrefix } from '../src/witness.js';
import type { AuditStore } from '../src/store/types.js';

import {
  closed,
  deposited,
  opened,
  registryUrl,
  scratchDir as scratchFolder,
  scratchStores,
  withdrawn,
} from '@tally/testing';
import { testEventsTopic } from '@tally/events/testing';

export { freePort, pgAdminUrl, registryUrl, scratchDatabase } from '@tally/testing';

/** A temporary directory, removed by `remove()`. */
export const scratchDir = () => scratchFolder('audit-test');

/** The audit store over an empty SQLite file, and over an empty PostgreSQL database. */
export const storeFactories = scratchStores<AuditStore>('audit-test', 'AUDIT_SQLITE_PATH', {
  sqlite: (path) => SqliteAuditStore.open(path),
  postgres: (url) => PostgresAuditStore.open(url),
});

/** An events topic of its own with the schemas registered, an outcomes topic, and a producer. */
export async function topics(partitions = 3, kafka: KafkaClient = testKafka('audit-test')) {
  const { topic, admin, serde, producer, send } = await testEventsTopic(
    kafka,
    'audit-events',
    partitions,
  );
  const outcomesTopic = uniqueName('audit-outcomes');
  await ensureTopic(admin, { topic: outcomesTopic, partitions, replicationFactor: 1 });
  return {
    kafka,
    topic,
    outcomesTopic,
    serde,
    send: (events: readonly AccountEvent[], options: { partition?: number } = {}) =>
      send(events, { chunk: 2_000, ...options }),
    async sendRaw(key: string, value: Buffer | null, target = topic) {
      await producer.send({ topic: target, messages: [{ key, value }] });
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

export { closed, deposited, opened, withdrawn } from '@tally/testing';

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

/**
 * The audit service in this process, listening on a free port. It trusts `issuer` (a new one by
 * default) and calls the projector with tokens it signs with that issuer's key as `svc-audit`.
 */
export async function runAudit(options: {
  store: AuditStore;
  kafka: KafkaClient;
  topic: string;
  outcomesTopic?: string;
  projectorUrl?: string;
  /** Signs digests with this key, exported to `exportDir` (a scratch folder by default). */
  signingKey?: KeyObject;
  exportDir?: string;
  maxIngestDelayMs?: number;
  issuer?: TestIssuer;
  /** The scopes of the audit service's own token towards the projector. */
  projectorScopes?: readonly string[];
}) {
  const issuer = options.issuer ?? (await testIssuer());
  /** An auditor: audit:read and audit:admin, not limited to accounts. */
  const auditor = await issuer.token({
    subject: 'auditor',
    scopes: [SCOPES.auditRead, SCOPES.auditAdmin],
    ttlSeconds: 3600,
  });
  const logger = createLogger('audit-test', 'silent');
  const metrics = createAuditMetrics();
  const groupId = uniqueName('audit-group');
  const service = await AuditService.create({
    kafka: options.kafka,
    store: options.store,
    metrics,
    logger,
    registryUrl,
    eventsTopic: options.topic,
    outcomesTopic: options.outcomesTopic,
    groupId,
    readyMaxLag: 0,
  });
  const exportFolder = options.signingKey && !options.exportDir ? scratchDir() : undefined;
  const exportDir = options.exportDir ?? exportFolder?.dir;
  const signer = options.signingKey
    ? new DigestSigner({
        store: options.store,
        privateKey: options.signingKey,
        exporter: new DigestExporter(
          exportDir as string,
          createPublicKey(options.signingKey).export({ type: 'spki', format: 'pem' }).toString(),
        ),
        onEvent: digestMetrics(metrics),
      })
    : undefined;
  const witness = new WitnessRunner(
    {
      kafka: options.kafka,
      store: options.store,
      eventsTopic: options.topic,
      serde: await AccountEventSerde.connect({ registryUrl, topic: options.topic }),
      outcomesTopic: options.outcomesTopic,
      auditOutcomes: options.outcomesTopic !== undefined,
      maxIngestDelayMs: options.maxIngestDelayMs ?? 900_000,
      groupPrefix: witnessGroupPrefix(groupId),
    },
    metrics,
  );
  const app = createAuditApp({
    store: options.store,
    logger,
    metrics,
    projector: {
      url: options.projectorUrl ?? 'http://127.0.0.1:9',
      tokens: issuer.tokenSource({
        clientId: 'svc-audit',
        scopes: options.projectorScopes ?? [SCOPES.ledgerRead],
      }),
    },
    verifier: await issuer.verifier(),
    eventsTopic: options.topic,
    evidence: { signer, witness },
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
    signer,
    witness,
    exportDir,
    issuer,
    /** A token of both audit scopes, not limited to accounts. */
    auditor,
    /** GET as the auditor, or with the given token. */
    get: async (path: string, token = auditor) => {
      const response = await fetch(`${base}${path}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      return {
        status: response.status,
        type: response.headers.get('content-type') ?? '',
        text: await response.text(),
      };
    },
    /** POST as the auditor, or with the given token. */
    post: async (path: string, body?: string, token = auditor) => {
      const response = await fetch(`${base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        ...(body === undefined ? {} : { body }),
      });
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
      exportFolder?.remove();
    },
  };
}

const appDir = fileURLToPath(new URL('..', import.meta.url));

export interface StartedChild {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  readonly log: string[];
}

/** The real service (src/main.ts) in a child process, as it runs in production. */
export function startChild(env: Record<string, string>): StartedChild {
  const log: string[] = [];
  const child = spawn(
    process.execPath,
    ['--conditions=@tally/source', '--import', 'tsx', 'src/main.ts'],
    {
      cwd: appDir,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stdout?.on('data', (chunk: Buffer) => log.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => log.push(chunk.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  return { child, exited, log };
}

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * The audit CLI (src/cli.ts) in its own process, with nothing of the test's environment but PATH
 * and `env`: an auditor's machine has no stack settings.
 */
export async function runCli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      ['--conditions=@tally/source', '--import', 'tsx', 'src/cli.ts', ...args],
      { cwd: appDir, env: { PATH: process.env['PATH'] ?? '', ...env }, timeout: 60_000 },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as CliResult;
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}
