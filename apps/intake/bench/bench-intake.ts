import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadSchemas, registerSchemas, RegistryClient } from '@tally/events';
import { uniqueName } from '@tally/kafka/testing';
import { closeHttpServer, listen, type Logger } from '@tally/service';
import { registryUrl, scratchDir } from '@tally/testing';
import { loadIntakeServiceConfig } from '../src/config.js';
import { startIntake, type IntakeRuntime } from '../src/runtime.js';
import type { IntakeTopics } from '../src/state/changelog.js';
import { freshIntakeTopics } from './scale-preload.js';

export interface BenchIntake {
  readonly url: string;
  readonly topics: IntakeTopics;
  readonly server: Server;
  readonly runtime: IntakeRuntime;
  /** Stops it and removes its state folder. */
  stop(): Promise<void>;
}

/**
 * One intake on fresh bench topics (it owns every partition), trusting the bench's token issuer
 * (`issuerEnv`), without a rate limit, listening on a free port; resolves once it is ready.
 */
export async function startBenchIntake(
  issuerEnv: Record<string, string>,
  logger: Logger,
): Promise<BenchIntake> {
  const topics = freshIntakeTopics('bench');
  const stateDir = scratchDir('intake-bench');
  console.log('starting the intake on fresh bench topics...');
  await registerSchemas(new RegistryClient(registryUrl), topics.events, loadSchemas());
  const runtime = await startIntake(
    loadIntakeServiceConfig({
      ...process.env,
      ...issuerEnv,
      RATE_LIMIT_COMMANDS: '0',
      TALLY_EVENTS_TOPIC: topics.events,
      TALLY_COMMANDS_TOPIC: topics.commands,
      TALLY_OUTCOMES_TOPIC: topics.outcomes,
      TALLY_INTAKE_CHANGELOG_TOPIC: topics.changelog,
      INTAKE_STATE_DIR: stateDir.dir,
      INTAKE_PROCESSOR_GROUP: uniqueName('bench.processor'),
      INTAKE_TRANSACTIONAL_ID_PREFIX: uniqueName('bench.tx'),
      LOG_LEVEL: 'warn',
    }),
    logger,
  );
  const server = await listen(runtime.app, 0, '127.0.0.1');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  while (!(await fetch(`${url}/readyz`)).ok) await new Promise((r) => setTimeout(r, 100));
  return {
    url,
    topics,
    server,
    runtime,
    stop: async () => {
      await closeHttpServer(server);
      await runtime.stop();
      stateDir.remove();
    },
  };
}

/** Opens `bench-0` … `bench-<accounts - 1>` with 1,000,000.00 EUR each. */
export async function fundAccounts(
  url: string,
  authorization: string,
  accounts: number,
): Promise<void> {
  console.log(`opening ${accounts} accounts with 1,000,000.00 EUR each...`);
  for (let i = 0; i < accounts; i++) {
    const headers = { 'content-type': 'application/json', authorization };
    const opened = await fetch(`${url}/accounts`, {
      method: 'POST',
      headers: { ...headers, 'idempotency-key': `open-${i}` },
      body: JSON.stringify({ accountId: `bench-${i}`, owner: `owner ${i}`, currency: 'EUR' }),
    });
    const funded = await fetch(`${url}/accounts/bench-${i}/deposits`, {
      method: 'POST',
      headers: { ...headers, 'idempotency-key': `fund-${i}` },
      body: JSON.stringify({ amount: 100_000_000, currency: 'EUR' }),
    });
    for (const reply of [opened, funded]) {
      if (reply.status !== 201) {
        throw new Error(`funding bench-${i}: ${reply.status} ${await reply.text()}`);
      }
    }
  }
}
