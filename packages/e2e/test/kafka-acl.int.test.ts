// Least privilege on a broker that authenticates with SASL/SCRAM-SHA-512 and denies by default
// (infra/local/kafka-scram.sh, started here on a state folder and ports of this test): each service
// connects with its own principal through KAFKA_SASL_*, holds only the ACLs of its grant, and is
// refused everything else.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { AddressInfo } from 'node:net';
import { loadAuditConfig } from '@tally/audit';
import { AccountEventSerde, loadSchemas, RegistryClient, registerSchemas } from '@tally/events';
import {
  ensureIntakeTopics,
  loadIntakeConfig,
  loadIntakeServiceConfig,
  startIntake,
} from '@tally/intake';
import {
  applyGrants,
  createKafka,
  kafkaFromEnv,
  TopicFollower,
  type KafkaClient,
  type KafkaRecord,
} from '@tally/kafka';
import { kafkajsOf, uniqueName, waitUntil } from '@tally/kafka/testing';
import { balancesReadModel, loadProjectorConfig, SqliteStore } from '@tally/projector';
import { closeHttpServer, createLogger, listen, SCOPES } from '@tally/service';
import { testIssuer } from '@tally/service/testing';
import { opened, registryUrl, scratchDir } from '@tally/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceGrants } from '../src/service-grants.js';

const run = promisify(execFile);
const script = resolve(import.meta.dirname, '../../../infra/local/kafka-scram.sh');
// Ports of this test in the stack's block (kafka-scram.sh by hand defaults to KAFKA_PORT + 3, + 4).
const kafkaPort = Number(process.env['KAFKA_PORT'] ?? 9092);
const stackEnv = {
  ...process.env,
  TALLY_STATE_DIR: mkdtempSync(join(tmpdir(), 'tally-scram-')),
  KAFKA_SCRAM_PORT: String(kafkaPort + 5),
  KAFKA_SCRAM_CONTROLLER_PORT: String(kafkaPort + 6),
  KAFKA_SCRAM_SSL_PORT: String(kafkaPort + 8),
  KAFKA_SCRAM_ACLS: 'false',
};
const scram = (...args: string[]) => run('bash', [script, ...args], { env: stackEnv });

/** The KAFKA_* variables of a principal, as kafka-scram.sh prints them for a service. */
async function credentialsOf(user: string, tls = false): Promise<Record<string, string>> {
  const { stdout } = await scram('env', user, ...(tls ? ['tls'] : []));
  return Object.fromEntries(
    stdout
      .trim()
      .split('\n')
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

const topicVars = {
  TALLY_EVENTS_TOPIC: uniqueName('acl.events'),
  TALLY_COMMANDS_TOPIC: uniqueName('acl.commands'),
  TALLY_OUTCOMES_TOPIC: uniqueName('acl.outcomes'),
  TALLY_INTAKE_CHANGELOG_TOPIC: uniqueName('acl.changelog'),
  TALLY_TOPIC_PARTITIONS: '2',
};
const groups = {
  INTAKE_PROCESSOR_GROUP: uniqueName('acl.intake'),
  INTAKE_TRANSACTIONAL_ID_PREFIX: uniqueName('acl.tx'),
  PROJECTOR_GROUP_ID: uniqueName('acl.projector'),
  AUDIT_GROUP_ID: uniqueName('acl.audit'),
};
const events = topicVars.TALLY_EVENTS_TOPIC;
// A well-formed event (the services below read this topic too), encoded once the schemas are in.
const record: { key: string; value: Buffer } = { key: 'acl-raw-1', value: Buffer.alloc(0) };
const clients: { intake?: KafkaClient; projector?: KafkaClient; audit?: KafkaClient } = {};

/** A client of one principal, configured as the service is: from its env through its config. */
async function serviceClient<Config extends Parameters<typeof createKafka>[0]>(
  user: string,
  load: (vars: Record<string, string>) => Config,
): Promise<{ config: Config; kafka: KafkaClient }> {
  const config = load({ ...topicVars, ...groups, ...(await credentialsOf(user)) });
  return { config, kafka: createKafka(config, { clientId: `acl-test-${user}` }) };
}

/** Sends one record with the services' producer; resolves with the error the broker answered. */
async function produceAs(kafka: KafkaClient, topic: string): Promise<unknown> {
  const producer = kafka.producer();
  try {
    await producer.connect();
    await producer.send({ topic, messages: [record] }, { timeoutMs: 10_000 });
    return undefined;
  } catch (error) {
    return error;
  } finally {
    await producer.disconnect();
  }
}

/** The error the promise rejects with; undefined when it resolves. */
function refusal(work: Promise<unknown>): Promise<unknown> {
  return work.then(
    () => undefined,
    (error: unknown) => error,
  );
}

/** The error type kafkajs reports, looking through its retry wrapper. */
function kafkaErrorType(error: unknown): string | undefined {
  let current: unknown = error;
  while (current instanceof Error) {
    const type = (current as { type?: unknown }).type;
    if (typeof type === 'string') return type;
    current =
      (current as { cause?: unknown; originalError?: unknown }).originalError ?? current.cause;
  }
  return undefined;
}

describe('Kafka principals over SASL/SCRAM-SHA-512 with ACLs', () => {
  beforeAll(async () => {
    await scram('up');
    await registerSchemas(new RegistryClient(registryUrl), events, loadSchemas());
    const serde = await AccountEventSerde.connect({ registryUrl, topic: events });
    record.value = serde.encode(opened(record.key));
    const admin = kafkaFromEnv(await credentialsOf('admin'), {
      clientId: 'acl-test-admin',
    }).admin();
    const intake = await serviceClient('intake', loadIntakeConfig);
    const projector = await serviceClient('projector', loadProjectorConfig);
    const audit = await serviceClient('audit', loadAuditConfig);
    await admin.connect();
    try {
      await applyGrants(admin, serviceGrants({ ...topicVars, ...groups }));
    } finally {
      await admin.disconnect();
    }
    clients.intake = intake.kafka;
    clients.projector = projector.kafka;
    clients.audit = audit.kafka;
    // The intake creates its topics itself, as at start: its CREATE grant.
    const intakeAdmin = intake.kafka.admin();
    await intakeAdmin.connect();
    try {
      await ensureIntakeTopics(
        intakeAdmin,
        {
          events,
          commands: topicVars.TALLY_COMMANDS_TOPIC,
          outcomes: topicVars.TALLY_OUTCOMES_TOPIC,
          changelog: topicVars.TALLY_INTAKE_CHANGELOG_TOPIC,
        },
        2,
        1,
      );
    } finally {
      await intakeAdmin.disconnect();
    }
  }, 180_000);

  afterAll(async () => {
    await scram('down');
    rmSync(stackEnv.TALLY_STATE_DIR, { recursive: true, force: true });
  }, 60_000);

  it('lets the intake produce to the events topic', async () => {
    expect(await produceAs(clients.intake!, events)).toBeUndefined();
  });

  it('refuses the projector and the audit producing to the events topic', async () => {
    for (const kafka of [clients.projector!, clients.audit!]) {
      const refused = await produceAs(kafka, events);
      expect(kafkaErrorType(refused)).toMatch(/^(TOPIC|CLUSTER)_AUTHORIZATION_FAILED$/);
    }
  });

  it('lets the projector read the events in its own group', async () => {
    expect(await produceAs(clients.intake!, events)).toBeUndefined();
    const read: KafkaRecord[] = [];
    const kafka = clients.projector!;
    const admin = kafka.admin();
    await admin.connect();
    const follower = new TopicFollower({
      kafka,
      topics: [events],
      groupId: groups.PROJECTOR_GROUP_ID,
      onMessage: (_topic, _partition, message) => void read.push(message),
    });
    try {
      const ends = await TopicFollower.endOffsets(admin, [events]);
      await follower.start();
      await follower.waitFor(ends);
    } finally {
      await follower.stop();
      await admin.disconnect();
    }
    expect(read.map((message) => message.key?.toString())).toContain(record.key);
  });

  it("refuses the projector the intake's group and commands topic", async () => {
    const admin = clients.projector!.admin();
    await admin.connect();
    try {
      // Its own group answers; the intake's does not. kafkajs reports the broker's
      // GROUP_AUTHORIZATION_FAILED on FindCoordinator as "Failed to find group coordinator".
      await admin.fetchOffsets({ groupId: groups.PROJECTOR_GROUP_ID, topics: [events] });
      const intakeGroup = { groupId: groups.INTAKE_PROCESSOR_GROUP, topics: [events] };
      expect(String(await refusal(admin.fetchOffsets(intakeGroup)))).toMatch(/group coordinator/i);
      const commands = await refusal(admin.fetchTopicOffsets(topicVars.TALLY_COMMANDS_TOPIC));
      expect(kafkaErrorType(commands)).toBe('TOPIC_AUTHORIZATION_FAILED');
    } finally {
      await admin.disconnect();
    }
  });

  it('lets the intake use its own transactional ids and refuses it any other', async () => {
    const kafka = kafkajsOf(clients.intake!);
    const own = kafka.producer({
      transactionalId: `${groups.INTAKE_TRANSACTIONAL_ID_PREFIX}-0`,
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await own.connect();
    const transaction = await own.transaction();
    await transaction.send({ topic: topicVars.TALLY_OUTCOMES_TOPIC, messages: [record] });
    await transaction.commit();
    await own.disconnect();

    const other = kafka.producer({
      transactionalId: 'someone-else-0',
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await other.connect();
    // As for groups, kafkajs reports TRANSACTIONAL_ID_AUTHORIZATION_FAILED on FindCoordinator
    // as "Failed to find group coordinator".
    const refused = await refusal(other.transaction());
    await other.disconnect();
    expect(String(refused)).toMatch(/group coordinator/i);
  });

  it('connects over TLS with the CA of KAFKA_SSL_CA_FILE, and refuses a broker it cannot verify', async () => {
    const overTls = await credentialsOf('intake', true);
    expect(overTls['KAFKA_SSL']).toBe('true');
    expect(
      await produceAs(kafkaFromEnv(overTls, { clientId: 'acl-test-tls' }), events),
    ).toBeUndefined();
    const { KAFKA_SSL_CA_FILE: _ca, ...systemCas } = overTls;
    const admin = kafkaFromEnv(systemCas, { clientId: 'acl-test-tls-unverified' }).admin();
    const refused = await refusal(admin.connect());
    await admin.disconnect();
    expect(String(refused)).toMatch(/self.signed certificate/i);
  });

  it('refuses a wrong password at the handshake', async () => {
    const wrong = kafkaFromEnv(
      { ...(await credentialsOf('intake')), KAFKA_SASL_PASSWORD: 'not-the-password' },
      { clientId: 'acl-test-wrong' },
    );
    const admin = wrong.admin();
    const refused = await refusal(admin.connect());
    await admin.disconnect();
    expect(String(refused)).toMatch(/SASL SCRAM SHA512 authentication failed/i);
    expect(String(refused)).not.toContain('not-the-password');
  });

  it('runs the intake and the projector as their principals: the grants are enough', async () => {
    const issuer = await testIssuer();
    const teller = await issuer.token({
      subject: 'teller',
      scopes: [SCOPES.ledgerWrite],
      ttlSeconds: 600,
    });
    const logger = createLogger('acl-test', process.env['TEST_LOG_LEVEL'] ?? 'silent');
    const state = scratchDir('acl-intake');
    const fatal: unknown[] = [];
    const intake = await startIntake(
      loadIntakeServiceConfig({
        ...issuer.env,
        ...topicVars,
        ...groups,
        ...(await credentialsOf('intake')),
        SCHEMA_REGISTRY_URL: registryUrl,
        INTAKE_STATE_DIR: state.dir,
        INTAKE_SESSION_TIMEOUT_MS: '6000',
      }),
      logger,
      { onFatal: (error) => fatal.push(error) },
    );
    const server = await listen(intake.app, 0, '127.0.0.1');
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const { config, kafka } = await serviceClient('projector', loadProjectorConfig);
    const store = SqliteStore.open(join(state.dir, 'read-model.sqlite'));
    const readModel = balancesReadModel({
      kafka,
      topic: events,
      groupId: config.PROJECTOR_GROUP_ID,
      store,
      serde: await AccountEventSerde.connect({ registryUrl, topic: events }),
      logger,
      sessionTimeout: 6_000,
    });
    try {
      await waitUntil('the intake is ready', async () => (await fetch(`${url}/readyz`)).ok, 60_000);
      const answer = await fetch(`${url}/accounts`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${teller}`,
          'idempotency-key': 'acl-open-1',
        },
        body: JSON.stringify({ accountId: 'acl-svc-1', owner: 'Ada', currency: 'EUR' }),
      });
      expect(answer.status, await answer.clone().text()).toBe(201);
      await readModel.start();
      await waitUntil(
        'the projector has the account',
        async () => (await store.loadAccounts(['acl-svc-1'])).has('acl-svc-1'),
        60_000,
      );
      expect(fatal).toEqual([]);
    } finally {
      await readModel.stop();
      await store.close();
      await closeHttpServer(server);
      await intake.stop();
      state.remove();
    }
  }, 120_000);
});
