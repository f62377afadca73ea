import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DigestExporter, DigestSigner, type DigestEvent } from '../src/digests.js';
import { SqliteAuditStore } from '../src/store/sqlite.js';
import { depositContent } from './entry-content.js';
import { scratchDir } from './support.js';

/**
 * Digests leave the database: written to a folder (never replaced) and PUT to a URL, a failed
 * export retried after the next signing, and a changed stored digest never linked to.
 */
describe('digest export', () => {
  const scratch = scratchDir();
  const { privateKey } = generateKeyPairSync('ed25519');
  const publicPem = createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString();
  let store: SqliteAuditStore;
  let server: Server;
  let url: string;
  const received = new Map<string, string>();
  let refuse = false;

  const append = (from: number, count: number) =>
    store.append({
      topic: 'events',
      partition: 0,
      fromOffset: String(from),
      nextOffset: String(from + count),
      contents: Array.from({ length: count }, (_, i) =>
        depositContent({
          topic: 'events',
          partition: 0,
          offset: from + i,
          accountId: 'exp',
          version: from + i + 2,
          amount: 1,
        }),
      ),
    });

  beforeAll(async () => {
    store = SqliteAuditStore.open(join(scratch.dir, 'audit.sqlite'));
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        if (req.method !== 'PUT' || refuse) {
          res.writeHead(503).end();
          return;
        }
        received.set(req.url ?? '', body);
        res.writeHead(201).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/bucket/digests`;
  });

  afterAll(async () => {
    await store?.close();
    await new Promise((resolve) => server?.close(resolve));
    scratch.remove();
  });

  it('writes each digest to the folder and PUTs it; a failed export is retried after the next signing', async () => {
    const dir = join(scratch.dir, 'exported');
    const events: DigestEvent[] = [];
    const signer = new DigestSigner({
      store,
      privateKey,
      exporter: new DigestExporter(dir, publicPem, url),
      onEvent: (event) => events.push(event),
    });
    await append(0, 3);
    const first = await signer.sign();
    expect(readdirSync(dir).sort()).toEqual(['digest-0000000001.json', 'public-key.pem']);
    expect(JSON.parse(readFileSync(join(dir, 'digest-0000000001.json'), 'utf8'))).toEqual(first);
    expect(readFileSync(join(dir, 'public-key.pem'), 'utf8')).toBe(publicPem);
    expect(JSON.parse(received.get('/bucket/digests/digest-0000000001.json')!)).toEqual(first);

    refuse = true;
    await append(3, 2);
    const second = await signer.sign(); // stored and signed; the PUT fails
    expect(
      events.filter((e) => e.type === 'failed').map((e) => e.type === 'failed' && e.step),
    ).toEqual(['export']);
    expect(received.has('/bucket/digests/digest-0000000002.json')).toBe(false);
    refuse = false;
    await signer.sign();
    expect(JSON.parse(received.get('/bucket/digests/digest-0000000002.json')!)).toEqual(second);
    expect(received.has('/bucket/digests/digest-0000000003.json')).toBe(true);
  });

  it('never replaces an exported digest with other content', async () => {
    const dir = join(scratch.dir, 'kept');
    const exporter = new DigestExporter(dir, publicPem);
    const digest = (await store.latestSignedDigest())!;
    await exporter.export(digest);
    await exporter.export(digest); // the same content again: fine
    writeFileSync(join(dir, 'digest-0000000003.json'), '{"changed":true}\n');
    await expect(exporter.export(digest)).rejects.toThrow(/never replaced/);
  });

  it('refuses to link a new digest to a stored one that no longer verifies', async () => {
    const signer = new DigestSigner({ store, privateKey });
    store.db.exec('DROP TRIGGER audit_signed_digests_no_update');
    const latest = (await store.latestSignedDigest())!;
    store.db
      .prepare('UPDATE audit_signed_digests SET body = ? WHERE sequence = ?')
      .run(JSON.stringify({ ...latest, createdAt: latest.createdAt + 1 }), latest.sequence);
    await expect(signer.sign()).rejects.toThrow(
      new RegExp(`stored digest ${latest.sequence} does not verify`),
    );
  });
});
