// The whole system as deployed: intake, projector and audit as three OS processes on the real
// broker and registry, a mixed concurrent workload through the intake's HTTP API, and a restart
// drill (SIGTERM + restart of each service in turn, then kill -9 of the intake) while it runs.
import { readCommittedLedger } from '@tally/events/testing';
import { waitUntil } from '@tally/kafka/testing';
import { foldEvents } from '@tally/ledger';
import { SCOPES } from '@tally/service';
import { testIssuer } from '@tally/service/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServiceSystem, type ServiceProcess, type ServiceSystem } from './services.js';
import { sendUntilDecided, type Command, type Outcome } from './workload.js';

const PARTITIONS = 3;
const ACCOUNTS = 8;
const CLIENTS = 6;

let system: ServiceSystem;
// Every service trusts this issuer; the audit service signs its own tokens for the projector with it.
const issuer = await testIssuer();
/** Each workload client is its own caller (and so its own rate-limit count); tellers open accounts. */
const callers = await Promise.all(
  ['teller', ...Array.from({ length: CLIENTS }, (_, i) => `client-${i}`)].map(async (subject) => ({
    subject,
    token: await issuer.token({ subject, scopes: [SCOPES.ledgerWrite], ttlSeconds: 3600 }),
  })),
);
const reader = await issuer.token({
  subject: 'back-office',
  scopes: [SCOPES.ledgerRead, SCOPES.auditRead],
  ttlSeconds: 3600,
});
const asReader = { headers: { authorization: `Bearer ${reader}` } };
let intake: ServiceProcess;
let projector: ServiceProcess;
let audit: ServiceProcess;

beforeAll(async () => {
  system = await startServiceSystem('e2e', {
    partitions: PARTITIONS,
    issuer,
    env: {
      all: { LOG_LEVEL: 'warn' },
      // A killed instance's partitions move after 6 s; requests answer 202 after 3 s and are retried.
      intake: { INTAKE_SESSION_TIMEOUT_MS: '6000', INTAKE_COMMAND_TIMEOUT_MS: '3000' },
      projector: { PROJECTOR_SESSION_TIMEOUT_MS: '6000' },
    },
  });
  ({ intake, projector, audit } = system);
});

afterAll(() => system?.stop());

interface Decided {
  readonly command: Command;
  readonly outcome: Outcome;
}

describe('the three services as separate processes', () => {
  it(
    'keep every guarantee through SIGTERM restarts of each service and a kill -9 of the intake',
    {
      timeout: 180_000,
    },
    async () => {
      const accounts = Array.from({ length: ACCOUNTS }, (_, i) => `acc-${i}`);
      const decided = new Map<string, Decided>();
      const replays: { first: Outcome; again: Outcome }[] = [];
      const send = (command: Command) => sendUntilDecided(() => intake.url, command);

      await Promise.all(
        accounts.map(async (accountId) => {
          const command = {
            token: callers[0]!.token,
            key: `open-${accountId}`,
            accountId,
            path: '/accounts',
            body: { accountId, owner: `Owner of ${accountId}`, currency: 'EUR' },
          };
          decided.set(command.key, { command, outcome: await send(command) });
        }),
      );

      // Concurrent clients: deposits, withdrawals (some beyond the balance: refused), and ~10 %
      // repeats of an already decided Idempotency-Key, which must get the first outcome again.
      let flowing = true;
      let next = 0;
      const clients = callers.slice(1).map(async ({ token }) => {
        while (flowing) {
          const n = next++;
          const roll = Math.random();
          const done = [...decided.values()];
          if (roll < 0.1) {
            const first = done[Math.floor(Math.random() * done.length)]!;
            replays.push({ first: first.outcome, again: await send(first.command) });
            continue;
          }
          const accountId = accounts[Math.floor(Math.random() * ACCOUNTS)]!;
          const deposit = roll < 0.55;
          const command = {
            token,
            key: `cmd-${n}`,
            accountId,
            path: `/accounts/${accountId}/${deposit ? 'deposits' : 'withdrawals'}`,
            body: {
              amount: 1 + Math.floor(Math.random() * (deposit ? 200 : 300)),
              currency: 'EUR',
            },
          };
          decided.set(command.key, { command, outcome: await send(command) });
        }
      });
      const progress = async (what: string, more: number) => {
        const target = decided.size + more;
        await waitUntil(what, () => decided.size >= target, 60_000, 20);
      };

      // The restart drill, while the clients keep sending.
      await progress('the workload to warm up', 40);
      for (const service of [intake, projector, audit]) {
        const code = await service.stop();
        expect(code, `${service.name} exit code after SIGTERM\n${service.output()}`).toBe(0);
        await service.start();
        await progress(`commands after restarting ${service.name}`, 30);
      }
      await intake.kill();
      await intake.start();
      await progress('commands after the intake was killed', 30);
      flowing = false;
      await Promise.all(clients);

      const all = [...decided.values()];
      const accepted = all.filter((d) => d.outcome.status === 201);
      const refused = all.filter((d) => d.outcome.status === 409);
      expect(accepted.length + refused.length).toBe(all.length);
      expect(refused.length).toBeGreaterThan(0);
      expect(new Set(refused.map((d) => d.outcome.body['code']))).toEqual(
        new Set(['INSUFFICIENT_FUNDS']),
      );
      expect(replays.length).toBeGreaterThan(0);

      // Repeated keys: the first outcome again, marked as replayed.
      for (const { first, again } of replays) {
        expect(again.status).toBe(first.status);
        expect(again.body['commandId']).toBe(first.body['commandId']);
        expect(again.body['eventIds']).toEqual(first.body['eventIds']);
        expect(again.replayed).toBe(true);
      }

      // The events topic, read_committed: the truth everything else is compared with.
      const { events, outcomes } = await readCommittedLedger(system.names);
      const byAccount = groupBy(events, (e) => e.accountId);
      expect([...byAccount.keys()].sort()).toEqual([...accounts].sort());
      const folded = new Map<string, { balance: number; version: number }>();
      for (const [accountId, list] of byAccount) {
        expect(
          list.map((e) => e.version),
          accountId,
        ).toEqual(list.map((_, i) => i + 1));
        let state = foldEvents([]);
        for (const event of list) {
          state = foldEvents([event], state);
          if (state.status !== 'not-opened') expect(state.balance).toBeGreaterThanOrEqual(0);
        }
        if (state.status === 'not-opened') throw new Error(`${accountId} never opened`);
        folded.set(accountId, { balance: state.balance, version: state.version });
      }

      // Exactly once: every acknowledged command's events are on the topic once, a refused
      // command wrote none, and nothing is on the topic that no acknowledged command caused.
      expect(new Set(events.map((e) => e.eventId)).size).toBe(events.length);
      const byCommand = groupBy(events, (e) => e.commandId);
      for (const { command, outcome } of accepted) {
        const written = byCommand.get(outcome.body['commandId'] as string) ?? [];
        expect(
          written.map((e) => e.eventId),
          command.key,
        ).toEqual(outcome.body['eventIds']);
        // The actor is the verified subject of the token that sent the command, nothing else.
        const sender = callers.find((c) => c.token === command.token)?.subject;
        for (const event of written) expect(event.actor, command.key).toBe(sender);
      }
      for (const { outcome } of refused) {
        expect(byCommand.has(outcome.body['commandId'] as string)).toBe(false);
      }
      expect(byCommand.size).toBe(accepted.length);
      // One outcome record per command, whatever the retries and restarts.
      const outcomesByCommand = groupBy(outcomes, (o) => o.commandId);
      expect(outcomesByCommand.size).toBe(all.length);
      expect(outcomes.length).toBe(all.length);
      const subjects = new Set(callers.map((c) => c.subject));
      for (const outcome of outcomes) expect(subjects).toContain(outcome.actor);

      // Projector: every balance equals the fold of the topic.
      for (const [accountId, want] of folded) {
        const res = await fetch(
          `${projector.url}/accounts/${accountId}?minVersion=${want.version}`,
          asReader,
        );
        expect(res.status, accountId).toBe(200);
        const row = (await res.json()) as { balance: number; version: number };
        expect({ balance: row.balance, version: row.version }, accountId).toEqual(want);
      }
      const list = (await (
        await fetch(`${projector.url}/accounts?limit=1000`, asReader)
      ).json()) as {
        items: unknown[];
      };
      expect(list.items).toHaveLength(ACCOUNTS);

      // Audit: every record of both topics is in the log once, the chains verify, and its own
      // fold of the log reconciles with the projector.
      let verify: { ok: boolean; entries: number; firstFailure: unknown } | undefined;
      await waitUntil(
        'the audit log to hold every event and outcome',
        async () => {
          verify = (await (
            await fetch(`${audit.url}/audit/verify`, asReader)
          ).json()) as typeof verify;
          return verify!.entries >= events.length + outcomes.length;
        },
        30_000,
        200,
      );
      expect(verify).toMatchObject({
        ok: true,
        entries: events.length + outcomes.length,
        firstFailure: null,
      });
      // Made with the audit service's own token towards the projector (svc-audit, ledger:read).
      const reconciliation = (await (
        await fetch(`${audit.url}/reports/reconciliation`, asReader)
      ).json()) as unknown;
      expect(reconciliation).toMatchObject({ ok: true, accounts: ACCOUNTS, mismatches: [] });
      // The audit entries carry the same actors as the events and outcomes they record.
      const entries = (await (
        await fetch(`${audit.url}/audit/accounts/${accounts[0]}/entries?limit=1000`, asReader)
      ).json()) as { items: { payload: { actor: string } }[] };
      expect(entries.items.length).toBeGreaterThan(1);
      for (const entry of entries.items) expect(subjects).toContain(entry.payload.actor);

      console.log(
        `e2e: ${all.length} commands (${accepted.length} accepted, ${refused.length} refused), ` +
          `${replays.length} repeated keys, ${events.length} events, ` +
          `${all.filter((d) => d.outcome.attempts > 1).length} commands needed a retry`,
      );
    },
  );
});

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const list = groups.get(key(item));
    if (list) list.push(item);
    else groups.set(key(item), [item]);
  }
  return groups;
}
