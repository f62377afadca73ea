// Registry basic auth from the config: a gate in front of the local registry answers 401 unless a
// request carries the configured credentials, as a registry with basic auth on does.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { uniqueName } from '@tally/kafka/testing';
import { registryUrl, seedEvents } from '@tally/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AccountEventSerde,
  loadSchemas,
  RegistryClient,
  registerSchemas,
  registryOptions,
} from '../src/index.js';

const credentials = { username: 'svc-intake', password: 'registry-password-1' };
const expected = `Basic ${Buffer.from('svc-intake:registry-password-1').toString('base64')}`;
const topic = uniqueName('registry-auth');
const seen = { allowed: 0, refused: 0 };
let gate: Server;
let gateUrl: string;

beforeAll(async () => {
  gate = createServer((request, response) => {
    if (request.headers.authorization !== expected) {
      seen.refused++;
      response.writeHead(401, { 'www-authenticate': 'Basic realm="registry"' }).end();
      return;
    }
    seen.allowed++;
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      void fetch(new URL(request.url ?? '/', registryUrl), {
        method: request.method ?? 'GET',
        headers: { 'content-type': request.headers['content-type'] ?? 'application/json' },
        ...(body.length > 0 ? { body } : {}),
      }).then(async (answer) => {
        response
          .writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? '' })
          .end(Buffer.from(await answer.arrayBuffer()));
      });
    });
  });
  await new Promise<void>((resolve) => gate.listen(0, '127.0.0.1', resolve));
  gateUrl = `http://127.0.0.1:${(gate.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => gate.close(() => resolve())));

const config = (vars: Record<string, string>) =>
  registryOptions({ SCHEMA_REGISTRY_URL: gateUrl, ...vars });

describe('registry basic auth', () => {
  it('registers, connects and decodes with the configured credentials', async () => {
    const options = config({
      SCHEMA_REGISTRY_USERNAME: credentials.username,
      SCHEMA_REGISTRY_PASSWORD: credentials.password,
    });
    await registerSchemas(
      new RegistryClient(options.registryUrl, undefined, options.registryAuth),
      topic,
      loadSchemas(),
    );
    const writer = await AccountEventSerde.connect({ ...options, topic });
    const [event] = seedEvents();
    // A second serde has never seen the writer's schema id: it fetches it, signed in.
    const reader = await AccountEventSerde.connect({ ...options, topic });
    expect(await reader.decode(writer.encode(event!))).toEqual(event);
    expect(seen.refused).toBe(0);
    expect(seen.allowed).toBeGreaterThan(0);
  });

  it('is refused without credentials or with a wrong password', async () => {
    const before = seen.refused;
    await expect(AccountEventSerde.connect({ ...config({}), topic })).rejects.toThrow(/401/);
    const wrong = config({
      SCHEMA_REGISTRY_USERNAME: credentials.username,
      SCHEMA_REGISTRY_PASSWORD: 'not-the-password',
    });
    await expect(
      new RegistryClient(wrong.registryUrl, undefined, wrong.registryAuth).subjects(),
    ).rejects.toThrow(/HTTP 401/);
    expect(seen.refused).toBe(before + 2);
  });

  it('refuses a user name without a password, never printing either', () => {
    expect(() => config({ SCHEMA_REGISTRY_USERNAME: 'svc-intake' })).toThrow(
      /SCHEMA_REGISTRY_USERNAME, SCHEMA_REGISTRY_PASSWORD: set both/,
    );
    const onlyPassword = (() => {
      try {
        config({ SCHEMA_REGISTRY_PASSWORD: 'registry-password-1' });
      } catch (error) {
        return String(error);
      }
    })();
    expect(onlyPassword).toMatch(/set both/);
    expect(onlyPassword).not.toContain('registry-password-1');
  });
});
