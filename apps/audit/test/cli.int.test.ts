import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteAuditStore } from '../src/store/sqlite.js';
import { depositContent } from './entry-content.js';
import { runCli, scratchDir } from './support.js';

/**
 * The audit CLI as an operator and an auditor run it: a separate process, only its environment.
 * The offline commands get no database and no broker: only the files named.
 */

describe('the audit CLI', () => {
  const scratch = scratchDir();
  const keys = join(scratch.dir, 'keys');
  const exported = join(scratch.dir, 'digests');
  const dbPath = join(scratch.dir, 'audit.sqlite');
  const publicKey = join(keys, 'digest-public-key.pem');
  const storeEnv = {
    AUDIT_SQLITE_PATH: dbPath,
    AUDIT_DIGEST_SIGNING_KEY_FILE: join(keys, 'digest-signing-key.pem'),
    AUDIT_DIGEST_EXPORT_DIR: exported,
  };

  beforeAll(async () => {
    const store = SqliteAuditStore.open(dbPath);
    for (const partition of [0, 1]) {
      await store.append({
        topic: 'bank.account-events.v1',
        partition,
        fromOffset: '0',
        nextOffset: '4',
        contents: [0, 1, 2, 3].map((offset) =>
          depositContent({
            topic: 'bank.account-events.v1',
            partition,
            offset,
            accountId: `cli-${partition}`,
            version: offset + 2,
            amount: 100 + offset,
          }),
        ),
      });
    }
    await store.close();
  });

  afterAll(() => scratch.remove());

  it('makes a key pair once: the private key readable by its owner only', async () => {
    const made = await runCli(['keygen', '--out', keys]);
    expect(made.code).toBe(0);
    expect(made.stderr).toMatch(/made the digest signing key [0-9a-f]{16}/);
    expect(statSync(join(keys, 'digest-signing-key.pem')).mode & 0o777).toBe(0o600);
    const again = await runCli(['keygen', '--out', keys]);
    expect(again.stderr).toMatch(/kept the digest signing key/);
  });

  it('signs and exports a digest, which verifies offline with the public key alone', async () => {
    const signed = await runCli(['digest'], storeEnv);
    expect(signed.code, signed.stderr).toBe(0);
    const file = join(exported, 'digest-0000000001.json');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ sequence: 1, entries: 8 });
    expect(
      (await runCli(['verify-digest', '--public-key', publicKey, '--digest', file])).code,
    ).toBe(0);

    const forged = join(scratch.dir, 'forged.json');
    writeFileSync(
      forged,
      JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), entries: 9 }),
    );
    const refused = await runCli(['verify-digest', '--public-key', publicKey, '--digest', forged]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/FAILED: signature/);
  });

  it('proves one entry offline, and refuses the proof of an altered entry', async () => {
    const proven = await runCli(
      ['proof', '--chain', 'bank.account-events.v1/1', '--seq', '3'],
      storeEnv,
    );
    expect(proven.code, proven.stderr).toBe(0);
    const proofFile = join(scratch.dir, 'proof.json');
    writeFileSync(proofFile, proven.stdout);
    const digestFile = join(exported, 'digest-0000000001.json');
    const args = ['verify-proof', '--public-key', publicKey, '--digest', digestFile];
    const ok = await runCli([...args, '--proof', proofFile]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stderr).toContain('OK: bank.account-events.v1/1#3 is in digest 1');

    const body = JSON.parse(proven.stdout) as { proof: { entry: { amount: number } } };
    body.proof.entry.amount += 1;
    writeFileSync(proofFile, JSON.stringify(body));
    const altered = await runCli([...args, '--proof', proofFile]);
    expect(altered.code).toBe(1);
    expect(altered.stderr).toMatch(/FAILED: entry: its content hashes to/);
  });

  it('verifies the log against a digest, and names the entry changed behind the triggers', async () => {
    const digestFile = join(exported, 'digest-0000000001.json');
    const args = ['verify', '--digest', digestFile, '--public-key', publicKey];
    expect((await runCli(args, storeEnv)).code).toBe(0);
    const db = new Database(dbPath);
    db.exec(
      "DROP TRIGGER audit_entries_no_update; UPDATE audit_entries SET amount = 1 WHERE chain = 'bank.account-events.v1/0' AND seq = 2",
    );
    db.close();
    const failed = await runCli(args, storeEnv);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(
      /FAILED: chain bank.account-events.v1\/0 entry 2 .*HASH_MISMATCH/,
    );
  });

  it('answers bad usage with exit code 2 and what to change', async () => {
    const unknown = await runCli(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "frobnicate"');
    const date = await runCli(['daily', '--date', '2026-02-30'], storeEnv);
    expect(date.code).toBe(2);
    expect(date.stderr).toContain('--date "2026-02-30" is not a real date');
    expect((await runCli(['verify-digest', '--digest', 'x.json'])).code).toBe(2);
  });
});
