import { generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import { waitUntil } from '@tally/kafka/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteAuditStore } from '../src/store/sqlite.js';
import { runAudit, scratchDir, topics } from './support.js';
import { STORY_CURRENCIES, transferStory } from './transfer-story.js';

/**
 * The conservation report over HTTP, on transfer and hold events written straight to a topic of
 * the test's own (the intake does not write them yet) and ingested by the audit service: at the
 * current heads, at a signed digest's cut, at a cut a transfer crosses, and after events that
 * break a transfer.
 */
interface Report {
  currencies: { currency: string; balances: string; inFlight: string; difference: string }[];
  violations: { code: string }[];
}

describe('conservation of money per currency, against the broker', () => {
  let t: Awaited<ReturnType<typeof topics>>;
  let audit: Awaited<ReturnType<typeof runAudit>>;
  let store: SqliteAuditStore;
  const scratch = scratchDir();
  const story = transferStory(`cons-${Date.now().toString(36)}`);
  const json = async (path: string) => {
    const res = await audit.get(path);
    return { status: res.status, body: JSON.parse(res.text) as Record<string, unknown> & Report };
  };

  beforeAll(async () => {
    t = await topics(3);
    store = SqliteAuditStore.open(join(scratch.dir, 'audit.sqlite'));
    audit = await runAudit({
      store,
      kafka: t.kafka,
      topic: t.topic,
      signingKey: generateKeyPairSync('ed25519').privateKey,
    });
    // a on partition 0, b on 1, c and j on 2: a cut of partition 1 cuts b alone.
    await t.send(story.a, { partition: 0 });
    await t.send(story.b, { partition: 1 });
    await t.send([...story.c, ...story.j], { partition: 2 });
    await waitUntil('story audited', async () => (await store.counts()).events === 15);
  });

  afterAll(async () => {
    await audit?.stop();
    await store?.close();
    await t?.close();
    scratch.remove();
  });

  it('holds at the current heads: balances plus money in flight equal deposits minus withdrawals', async () => {
    const { status, body } = await json('/reports/conservation');
    expect(status).toBe(200);
    expect(body).toMatchObject({
      ok: true,
      accounts: 4,
      transfers: 3,
      inFlightTransfers: 1,
      firstViolation: null,
      cut: { source: 'heads' },
    });
    expect(body['currencies']).toEqual(STORY_CURRENCIES);
  });

  it('closes a cut that a transfer crosses (b cut before its credit)', async () => {
    // b's partition holds AccountOpened at 0 and T1's credit at 1.
    const { body } = await json('/reports/conservation?offsets=1:1');
    expect(body).toMatchObject({ ok: true, crossingTheCut: 1, cut: { source: 'offsets' } });
    expect(body.currencies[0]).toMatchObject({
      balances: '600',
      inFlight: '400',
      difference: '0',
    });
  });

  it('names the first event that breaks a transfer, and still holds at the digest signed before it', async () => {
    const signed = JSON.parse((await audit.post('/audit/digests')).text) as { sequence: number };
    const doubled = story.credit(story.ids.b, story.transfer.t1, 300);
    await t.send([doubled], { partition: 1 });
    await waitUntil('double credit audited', async () => (await store.counts()).events === 16);
    const orphan = story.credit(story.ids.c, `${story.ids.a}-never-debited`, 75);
    await t.send([orphan], { partition: 2 });
    await waitUntil('orphan credit audited', async () => (await store.counts()).events === 17);

    const { body } = await json('/reports/conservation');
    expect(body['ok']).toBe(false);
    expect(body['firstViolation']).toMatchObject({
      code: 'DUPLICATE_STEP',
      transferId: story.transfer.t1,
      eventId: doubled.eventId,
      chain: `${t.topic}/1`,
      seq: 5,
    });
    expect(body.violations.map((v) => v.code)).toEqual(['DUPLICATE_STEP', 'UNMATCHED']);
    const atDigest = await json(`/reports/conservation?digest=${signed.sequence}`);
    expect(atDigest.body).toMatchObject({
      ok: true,
      cut: { source: 'digest', digest: signed.sequence },
    });
  });

  it('refuses bad cuts with 400 naming the parameter, an unknown digest with 404', async () => {
    for (const query of [
      'digest=0',
      'digest=x',
      'offsets=1',
      'offsets=1:2,1:3',
      'digest=1&offsets=0:1',
      'digest=1&digest=2',
    ]) {
      const res = await audit.get(`/reports/conservation?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.type).toMatch(/problem\+json/);
      const name = (JSON.parse(res.text) as { 'invalid-params': { name: string }[] })[
        'invalid-params'
      ][0]?.name;
      expect(['digest', 'offsets']).toContain(name);
    }
    expect((await audit.get('/reports/conservation?digest=99')).status).toBe(404);
  });
});
