import type { Server } from 'node:http';
import { waitUntil } from '@tally/kafka/testing';
import { uniqueName } from '@tally/kafka/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReadModelService } from '@tally/kafka';
import { createLogger, createMetricsRegistry, type TokenVerifier } from '@tally/service';
import { testIssuer, type TestIssuer } from '@tally/service/testing';
import { createApp } from '../src/app.js';
import { createProjectorMetrics } from '../src/metrics.js';
import { projectAll } from '../src/projection.js';
import { balancesReadModel } from '../src/read-model.js';
import { rebuild } from '../src/rebuild.js';
import type { ReadModelStore } from '../src/store/types.js';
import {
  deposited,
  eventsTopic,
  manyEvents,
  opened,
  storeFactories,
  withdrawn,
} from './support.js';

const t0 = Date.UTC(2026, 2, 1, 9, 0, 0);

describe.each(storeFactories)(
  'projector on $name against the real broker and registry',
  (factory) => {
    let topic: Awaited<ReturnType<typeof eventsTopic>>;
    let store: ReadModelStore;
    let cleanup: () => Promise<void>;
    let projector: ReadModelService;
    let server: Server;
    let base: string;
    let issuer: TestIssuer;
    let verifier: TokenVerifier;
    /** A back-office reader: ledger:read, not limited to accounts. */
    let staff: string;
    const logger = createLogger('projector-test', 'silent');
    const metrics = createProjectorMetrics(createMetricsRegistry('projector'));

    beforeAll(async () => {
      issuer = await testIssuer();
      verifier = await issuer.verifier();
      staff = await issuer.token({ subject: 'staff', scopes: ['ledger:read'], ttlSeconds: 3600 });
      topic = await eventsTopic(3);
      ({ store, cleanup } = await factory.create());
      projector = balancesReadModel({
        kafka: topic.kafka,
        topic: topic.topic,
        groupId: uniqueName('projector'),
        store,
        serde: topic.serde,
        metrics,
        pollMs: 200,
      });
      await projector.start();
      const app = createApp({
        store,
        logger,
        metrics,
        verifier,
        readiness: projector.readiness(),
        minVersionWaitMs: 10_000,
      });
      server = app.listen(0);
      await new Promise((resolve) => server.once('listening', resolve));
      base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    });

    afterAll(async () => {
      server?.close();
      await projector?.stop();
      await cleanup?.();
      await topic?.close();
    });

    const get = async (path: string, token = staff) => {
      const res = await fetch(base + path, { headers: { authorization: `Bearer ${token}` } });
      return {
        status: res.status,
        type: res.headers.get('content-type'),
        body: (await res.json()) as Record<string, unknown>,
      };
    };

    it('seed scenario: deposit 100, withdraw 30, deposit 50 -> 120 at version 4, as-of each step', async () => {
      const id = `seed-${factory.name}`;
      await topic.send([
        opened(id, t0),
        deposited(id, 2, 100, t0 + 60_000),
        withdrawn(id, 3, 30, t0 + 120_000),
        deposited(id, 4, 50, t0 + 180_000),
      ]);
      // read-your-writes: waits for version 4 instead of sleeping
      const account = await get(`/accounts/${id}?minVersion=4`);
      expect(account.status).toBe(200);
      expect(account.body).toMatchObject({
        balance: 120,
        version: 4,
        currency: 'EUR',
        status: 'open',
      });
      const at = (ms: number) => encodeURIComponent(new Date(ms).toISOString());
      const asOf = async (ms: number) => (await get(`/accounts/${id}/balance?asOf=${at(ms)}`)).body;
      expect(await asOf(t0)).toMatchObject({ balance: 0, version: 1 });
      expect(await asOf(t0 + 60_000)).toMatchObject({ balance: 100, version: 2 });
      expect(await asOf(t0 + 119_999)).toMatchObject({ balance: 100, version: 2 });
      expect(await asOf(t0 + 120_000)).toMatchObject({ balance: 70, version: 3 });
      expect(await asOf(t0 + 999_999)).toMatchObject({ balance: 120, version: 4 });
      expect((await get(`/accounts/${id}/balance?asOf=${at(t0 - 1)}`)).status).toBe(404);
      const history = await get(`/accounts/${id}/history?limit=3`);
      expect(
        (history.body['items'] as { balanceAfter: number }[]).map((h) => h.balanceAfter),
      ).toEqual([0, 100, 70]);
      expect(history.body['next']).toBe('3');
      expect((await get(`/accounts?limit=1`)).body['items']).toHaveLength(1);
    });

    it('answers 404, 400 naming the parameter, and 504 with the current version (problem+json)', async () => {
      const missing = await get('/accounts/nobody');
      expect(missing.status).toBe(404);
      expect(missing.type).toContain('application/problem+json');
      // Never rolled over (2026-02-30 is not 2 March), never read in the server's time zone.
      for (const asOf of ['yesterday', '2026-02-30', '2026-02-28T10:00:00', '10000-01-01']) {
        const bad = await get(`/accounts/seed-${factory.name}/balance?asOf=${asOf}`);
        expect(bad.status, asOf).toBe(400);
        expect(bad.body['invalid-params'], asOf).toEqual([
          expect.objectContaining({ name: 'asOf', value: asOf }),
        ]);
      }
      expect((await get('/accounts?limit=0')).body['invalid-params']).toEqual([
        expect.objectContaining({ name: 'limit' }),
      ]);
      const fast = createApp({ store, logger, metrics, verifier, minVersionWaitMs: 50 });
      const s = fast.listen(0);
      await new Promise((resolve) => s.once('listening', resolve));
      const res = await fetch(
        `http://127.0.0.1:${(s.address() as { port: number }).port}/accounts/seed-${factory.name}?minVersion=99`,
        { headers: { authorization: `Bearer ${staff}` } },
      );
      s.close();
      expect(res.status).toBe(504);
      expect(await res.json()).toMatchObject({ currentVersion: 4 });
    });

    it('an account-limited token reads only its accounts, and learns nothing of the others', async () => {
      const own = `seed-${factory.name}`;
      const customer = await issuer.token({
        subject: 'customer-1',
        scopes: ['ledger:read'],
        accounts: [own],
      });
      expect((await get(`/accounts/${own}`, customer)).body).toMatchObject({ balance: 120 });
      expect((await get(`/accounts/${own}/history`, customer)).status).toBe(200);
      // Another account that exists, and one that does not: the same refusal, before any lookup.
      await topic.send([opened(`other-${factory.name}`, t0)]);
      expect((await get(`/accounts/other-${factory.name}?minVersion=1`)).status).toBe(200);
      for (const other of [`other-${factory.name}`, 'nobody']) {
        for (const path of [
          `/accounts/${other}`,
          `/accounts/${other}/balance`,
          `/accounts/${other}/history`,
        ]) {
          const refused = await get(path, customer);
          expect(refused.status, path).toBe(403);
          expect(refused.body, path).toEqual({
            type: 'urn:tally:problem:account-forbidden',
            title: 'Account forbidden',
            status: 403,
            code: 'ACCOUNT_FORBIDDEN',
            detail: 'this token is limited to other accounts',
            instance: path,
            accountId: other,
          });
        }
      }
      // The list spans every account: never for a limited token, even one limited to all of them.
      expect((await get('/accounts', customer)).body).toMatchObject({
        status: 403,
        code: 'ACCOUNT_LIMITED_TOKEN',
      });
      const writer = await issuer.token({ subject: 'writer', scopes: ['ledger:write'] });
      expect((await get(`/accounts/${own}`, writer)).body).toMatchObject({
        status: 403,
        code: 'INSUFFICIENT_SCOPE',
      });
    });

    it('replay from offset 0 into a new generation gives exactly the live contents, then swaps', async () => {
      const events = manyEvents(`replay-${factory.name}`, 50, 20);
      await topic.send(events);
      const total = await topic.highWatermarks();
      await waitUntil('live projector caught up', async () => {
        const offsets = await store.loadOffsets(topic.topic);
        return [...offsets.values()].reduce((s, o) => s + Number(o), 0) >= total;
      });
      const live = await store.dump();
      const rebuilt = await rebuild({
        kafka: topic.kafka,
        topic: topic.topic,
        serde: topic.serde,
        store,
        swap: false,
        groupId: uniqueName('rebuild'),
        progressMs: 200,
      });
      expect(rebuilt.applied).toBe(live.history.length);
      // the fresh generation, read through the handle of the same database
      expect(await rebuilt.store.dump()).toEqual(live);
      // and it is the fold of the events
      const expected = projectAll(events);
      for (const [id, row] of expected.accounts)
        expect((await store.getAccount(id))?.balance).toBe(row.balance);
      // swapping: queries read the rebuilt generation, the live writer follows it
      await rebuilt.store.activate();
      await store.dropInactive();
      await topic.send([deposited(`replay-${factory.name}-0`, 21, 1, t0)]);
      expect((await get(`/accounts/replay-${factory.name}-0?minVersion=21`)).status).toBe(200);
    });

    it('a poison record and a version gap each halt their partition; the others go on', async () => {
      await topic.sendRaw('poison', Buffer.from('not avro'), 0);
      await topic.send(
        [opened(`gap-${factory.name}`, t0), deposited(`gap-${factory.name}`, 3, 5, t0 + 1)],
        1,
      );
      await topic.send([opened(`fine-${factory.name}`, t0)], 2);
      await waitUntil('two partitions halted', () => projector.halts().length === 2);
      const halts = [...projector.halts()].sort((a, b) => a.partition - b.partition);
      expect(halts.map((h) => [h.partition, h.reason])).toEqual([
        [0, 'undecodable:WRONG_MAGIC_BYTE'],
        [1, 'version-gap'],
      ]);
      expect((await get(`/accounts/fine-${factory.name}?minVersion=1`)).status).toBe(200);
      const ready = await get('/readyz');
      expect(ready.status).toBe(503);
      expect(ready.body).toMatchObject({ ready: false });
      expect((ready.body['checks'] as Record<string, string>)['partitions']).toContain(
        `partition 0 halted at offset ${halts[0]?.offset}`,
      );
      const text = await metrics.registry.getSingleMetricAsString('tally_partition_halted');
      expect(text).toContain(`offset="${halts[1]?.offset}"`);
      expect(text).toContain('reason="version-gap"');
      // operator action: skip the poison record; partition 0 resumes, partition 1 stays halted
      await store.recordSkip({
        topic: topic.topic,
        partition: 0,
        offset: halts[0]!.offset,
        reason: 'test',
        operator: 'ops',
      });
      await topic.send([opened(`after-poison-${factory.name}`, t0)], 0);
      expect((await get(`/accounts/after-poison-${factory.name}?minVersion=1`)).status).toBe(200);
      expect(projector.halts().map((h) => h.partition)).toEqual([1]);
    });
  },
);
