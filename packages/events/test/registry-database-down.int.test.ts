import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { isPoison, isRetriable } from '@tally/kafka';
import { freePort, uniqueName } from '@tally/kafka/testing';
import { seedEvents } from '@tally/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AccountEventSerde,
  EventDecodeError,
  frame,
  loadSchemas,
  registerSchemas,
  RegistryClient,
} from '../src/index.js';

// A registry and a PostgreSQL of their own (own ports and data, shared binaries), so that stopping
// the registry's database disturbs no other test. With its database down, the registry answers
// 404 to GET /schemas/ids/{id}: that answer must not pass for an unknown schema.
const run = promisify(execFile);
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const stateDir = `${repoRoot}.local/registry-db-down-${randomUUID().slice(0, 8)}`;
const env = {
  ...process.env,
  TALLY_STATE_DIR: stateDir,
  SCHEMA_REGISTRY_PORT: String(await freePort()),
  TALLY_PG_PORT: String(await freePort()),
};
const registryUrl = `http://127.0.0.1:${env.SCHEMA_REGISTRY_PORT}`;

async function script(name: 'registry' | 'postgres', command: 'up' | 'down'): Promise<void> {
  await run('bash', [`${repoRoot}infra/local/${name}.sh`, command], { env, timeout: 180_000 });
}

async function failure(work: Promise<unknown>): Promise<unknown> {
  return work.then(
    () => {
      throw new Error('expected a failure');
    },
    (error: unknown) => error,
  );
}

const topic = uniqueName('registry-db-down');

beforeAll(async () => {
  await script('registry', 'up');
  await registerSchemas(new RegistryClient(registryUrl), topic, loadSchemas());
}, 240_000);

afterAll(async () => {
  await script('registry', 'down').catch(() => undefined);
  await script('postgres', 'down').catch(() => undefined);
  await rm(stateDir, { recursive: true, force: true });
}, 120_000);

describe('a registry whose database is down', () => {
  it(
    'gives a retriable error, never an unknown schema, and decodes once the database is back',
    { timeout: 240_000 },
    async () => {
      const writer = await AccountEventSerde.connect({ registryUrl, topic });
      const [event] = seedEvents();
      const bytes = writer.encode(event!);
      // A reader that has not fetched the writer's schema yet, as after a restart.
      const reader = await AccountEventSerde.connect({ registryUrl, topic, timeoutMs: 5_000 });

      await script('postgres', 'down');
      const status = await fetch(`${registryUrl}/schemas/ids/${bytes.readInt32BE(1)}`);
      await status.body?.cancel();
      expect(status.status, 'the registry answers 404 without its database').toBe(404);
      for (const error of [
        await failure(reader.decode(bytes)),
        await failure(reader.decodeWithSchema(bytes)),
        await failure(reader.decode(frame(2_000_000_000, Buffer.from([2, 4])))),
      ]) {
        expect(error).not.toBeInstanceOf(EventDecodeError);
        expect(isPoison(error), String(error)).toBe(false);
        expect(isRetriable(error), String(error)).toBe(true);
      }

      await script('postgres', 'up');
      expect(await reader.decode(bytes)).toEqual(event);
      expect((await reader.decodeWithSchema(bytes)).writer.version).toBe(1);
      // With the database up, an id the registry does not have is an unknown schema.
      const unknown = await failure(reader.decode(frame(2_000_000_000, Buffer.from([2, 4]))));
      expect(unknown).toBeInstanceOf(EventDecodeError);
      expect((unknown as EventDecodeError).reason).toBe('UNKNOWN_SCHEMA_ID');
    },
  );
});
