// The guarantees the whole system keeps, checked from outside against the events topic (the truth).
// Every check returns the violations it found (empty = holds), so the end-to-end test can assert
// them and the fault drill can record them per fault and go on.
import type { OutcomeRecord } from '@tally/events';
import { readCommittedLedger } from '@tally/events/testing';
import { foldEvents, type AccountEvent } from '@tally/ledger';
import type { Caller } from './callers.js';
import type { Decided, Outcome } from './workload.js';

/** Request headers of a caller allowed to read (ledger:read, audit:read). */
export type ReaderHeaders = { readonly authorization: string };

/** What is committed on the topics, folded per account. */
export interface LedgerTruth {
  readonly events: readonly AccountEvent[];
  readonly outcomes: readonly OutcomeRecord[];
  /** Per account: balance after each version (index = version; index 0 unused). */
  readonly balances: ReadonlyMap<string, readonly number[]>;
  /** Per account: the fold of all its events. */
  readonly folded: ReadonlyMap<string, { balance: number; version: number; limit: number }>;
  /** Accounts with events on the topic, the ones that do not fold included. */
  readonly accounts: number;
  /** Violations found while folding: version gaps, events that do not fold, balances below limit. */
  readonly violations: readonly string[];
}

export async function readLedgerTruth(topics: {
  readonly events: string;
  readonly outcomes: string;
}): Promise<LedgerTruth> {
  const { events, outcomes } = await readCommittedLedger(topics);
  const violations: string[] = [];
  const balances = new Map<string, number[]>();
  const folded = new Map<string, { balance: number; version: number; limit: number }>();
  // A record written twice is reported once here; the folds below use its first copy, so that the
  // other checks still compare against the account's real history.
  const copies = groupBy(events, (e) => e.eventId);
  for (const [eventId, list] of copies) {
    if (list.length > 1) {
      const e = list[0]!;
      violations.push(
        `event ${eventId} (${e.accountId} version ${e.version}, ${e.type}) is on the topic ${list.length} times`,
      );
    }
  }
  const firstCopies = [...copies.values()].map((list) => list[0]!);
  const byAccount = groupBy(firstCopies, (e) => e.accountId);
  for (const [accountId, list] of byAccount) {
    const versions = list.map((e) => e.version);
    if (versions.some((v, i) => v !== i + 1)) {
      violations.push(`${accountId}: versions on the topic are ${versions.join(',')}, not 1..n`);
      continue;
    }
    let state = foldEvents([]);
    const after: number[] = [0];
    try {
      for (const event of list) {
        state = foldEvents([event], state);
        if (state.status === 'not-opened') break;
        after.push(state.balance);
        if (state.balance < -state.overdraftLimit) {
          violations.push(
            `${accountId}: balance ${state.balance} at version ${state.version} is below its limit -${state.overdraftLimit}`,
          );
        }
      }
    } catch (error) {
      violations.push(`${accountId}: events do not fold: ${String(error)}`);
      continue;
    }
    if (state.status === 'not-opened') {
      violations.push(`${accountId}: never opened`);
      continue;
    }
    balances.set(accountId, after);
    folded.set(accountId, {
      balance: state.balance,
      version: state.version,
      limit: state.overdraftLimit,
    });
  }
  return { events, outcomes, balances, folded, accounts: byAccount.size, violations };
}

/**
 * Exactly once, from the clients' side: every accepted command's events are on the topic once, a
 * refused command wrote none, nothing is on the topic that no acknowledged command caused, one
 * outcome record per command; each answer's version and balance are those of the topic; a refusal
 * for insufficient funds was right at its version; a repeated key got the first outcome again; the
 * actor of every event and outcome record is the verified subject of the token that sent it.
 */
export function checkAcknowledged(
  truth: LedgerTruth,
  decided: readonly Decided[],
  replays: readonly { first: Outcome; again: Outcome }[],
  callers: readonly Caller[],
): string[] {
  const violations: string[] = [];
  const byCommand = groupBy(truth.events, (e) => e.commandId);
  const subjectOf = new Map(callers.map((c) => [c.token, c.subject]));
  const subjects = new Set(subjectOf.values());
  for (const { command, outcome } of decided) {
    const commandId = outcome.body['commandId'] as string;
    const ids = (byCommand.get(commandId) ?? []).map((e) => e.eventId);
    if (outcome.status === 201) {
      const want = outcome.body['eventIds'] as string[];
      if (JSON.stringify(ids) !== JSON.stringify(want)) {
        violations.push(
          `${command.key} (201 from ${outcome.url} at ${new Date(outcome.at).toISOString()}): events on the topic ${JSON.stringify(ids)}, acknowledged ${JSON.stringify(want)}`,
        );
      }
    } else if (ids.length > 0) {
      violations.push(
        `${command.key} (${outcome.status}): refused but wrote ${ids.length} event(s)`,
      );
    }
    const sender = subjectOf.get(command.token);
    for (const event of byCommand.get(commandId) ?? []) {
      if (event.actor !== sender) {
        violations.push(`${command.key}: event actor ${event.actor}, sent by ${String(sender)}`);
      }
    }
    violations.push(...checkAnswer(truth, command.key, command, outcome));
  }
  const acknowledged = new Set(
    decided.filter((d) => d.outcome.status === 201).map((d) => d.outcome.body['commandId']),
  );
  for (const [commandId, events] of byCommand) {
    if (acknowledged.has(commandId)) continue;
    const e = events[0]!;
    violations.push(
      `command ${commandId} has ${events.length} event(s) on the topic (${e.accountId} version ${e.version}, ${e.type}) but no client got a 201 for it`,
    );
  }
  for (const outcome of truth.outcomes) {
    if (!subjects.has(outcome.actor)) {
      violations.push(`outcome of ${outcome.commandId}: actor ${outcome.actor} is no caller`);
    }
  }
  const outcomesByCommand = groupBy(truth.outcomes, (o) => o.commandId);
  for (const [commandId, records] of outcomesByCommand) {
    if (records.length > 1) {
      violations.push(
        `command ${commandId} has ${records.length} outcome records: ${records.map((r) => JSON.stringify(r)).join(' | ')}`,
      );
    }
  }
  if (outcomesByCommand.size !== decided.length) {
    violations.push(
      `outcome records for ${outcomesByCommand.size} commands; ${decided.length} commands were decided`,
    );
  }
  for (const [i, { first, again }] of replays.entries()) {
    const same =
      again.status === first.status &&
      again.body['commandId'] === first.body['commandId'] &&
      JSON.stringify(again.body['eventIds']) === JSON.stringify(first.body['eventIds']);
    if (!same || !again.replayed) {
      violations.push(
        `repeated key #${i}: first ${first.status} ${JSON.stringify(first.body)}, again ${again.status} ${JSON.stringify(again.body)} (replayed: ${again.replayed})`,
      );
    }
  }
  return violations;
}

/** A final answer must say what the topic says at the version it names. */
function checkAnswer(
  truth: LedgerTruth,
  what: string,
  command: Decided['command'],
  outcome: Outcome,
): string[] {
  const { body, status } = outcome;
  const version = body['version'];
  const balances = truth.balances.get(command.accountId);
  if (typeof version !== 'number' || balances === undefined) return [];
  if (status === 201) {
    const want = balances[version];
    return want === body['balance']
      ? []
      : [
          `${what}: answered balance ${String(body['balance'])} at version ${version}, the topic says ${want}`,
        ];
  }
  if (body['code'] === 'INSUFFICIENT_FUNDS') {
    const amount = Number(command.body['amount']);
    const before = balances[version];
    const limit = truth.folded.get(command.accountId)?.limit ?? 0;
    if (before !== undefined && before - amount >= -limit) {
      return [
        `${what}: refused ${amount} at version ${version} with balance ${before} (limit -${limit})`,
      ];
    }
  }
  return [];
}

/** Waits (bounded) until the projector holds every account at its topic version, then compares. */
export async function checkProjector(
  projectorUrl: string,
  reader: ReaderHeaders,
  truth: LedgerTruth,
  timeoutMs = 60_000,
): Promise<string[]> {
  const violations: string[] = [];
  const deadline = Date.now() + timeoutMs;
  for (const [accountId, want] of truth.folded) {
    let last = '';
    for (;;) {
      const res = await fetch(`${projectorUrl}/accounts/${accountId}?minVersion=${want.version}`, {
        headers: reader,
        signal: AbortSignal.timeout(10_000),
      }).catch((error: unknown) => ({ status: 0, text: () => Promise.resolve(String(error)) }));
      const text = await res.text();
      if (res.status === 200) {
        const row = JSON.parse(text) as { balance: number; version: number };
        if (row.balance !== want.balance || row.version !== want.version) {
          violations.push(
            `projector ${accountId}: balance ${row.balance} version ${row.version}, the topic folds to ${want.balance} version ${want.version}`,
          );
        }
        break;
      }
      last = `${res.status} ${text.slice(0, 300)}`;
      if (Date.now() > deadline) {
        violations.push(
          `projector ${accountId}: not at version ${want.version} within ${timeoutMs} ms (last: ${last})`,
        );
        return violations;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  const list = await getJson<{ items: unknown[] }>(`${projectorUrl}/accounts?limit=1000`, reader);
  if (list.items.length !== truth.accounts) {
    violations.push(
      `projector lists ${list.items.length} accounts, the topic has ${truth.accounts}`,
    );
  }
  return violations;
}

/**
 * Waits (bounded) until the audit log holds every event and outcome record, then checks that it
 * holds each once, that every chain verifies and that reconciliation with the projector finds no
 * mismatch.
 */
export async function checkAudit(
  auditUrl: string,
  reader: ReaderHeaders,
  truth: LedgerTruth,
  timeoutMs = 60_000,
): Promise<string[]> {
  const violations: string[] = [];
  const records = truth.events.length + truth.outcomes.length;
  let verify: { ok: boolean; entries: number; firstFailure: unknown } | undefined;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    verify = await getJson<typeof verify>(`${auditUrl}/audit/verify`, reader).catch(
      () => undefined,
    );
    if (verify && verify.entries >= records) break;
    if (Date.now() > deadline) {
      violations.push(
        `audit: ${verify?.entries ?? 'no answer'} entries, not ${records} (events + outcomes) within ${timeoutMs} ms`,
      );
      return violations;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  if (!verify.ok || verify.entries !== records) {
    violations.push(
      `audit verify: ok ${verify.ok}, ${verify.entries} entries for ${records} records, first failure ${JSON.stringify(verify.firstFailure)}`,
    );
  }
  const reconciliation = await getJson<{ ok: boolean; accounts: number; problems: unknown[] }>(
    `${auditUrl}/reports/reconciliation`,
    reader,
  ).catch((error: unknown) => ({ ok: false, accounts: -1, problems: [String(error)] }));
  if (!reconciliation.ok || reconciliation.accounts !== truth.accounts) {
    violations.push(
      `audit reconciliation: ok ${reconciliation.ok}, ${reconciliation.accounts} accounts (topic ${truth.accounts}), ${reconciliation.problems.length} problems ${JSON.stringify(reconciliation.problems.slice(0, 3))}`,
    );
  }
  return violations;
}

async function getJson<T>(url: string, reader: ReaderHeaders): Promise<T> {
  const res = await fetch(url, { headers: reader, signal: AbortSignal.timeout(30_000) });
  if (res.status !== 200) throw new Error(`${url} → ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

export function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const list = groups.get(key(item));
    if (list) list.push(item);
    else groups.set(key(item), [item]);
  }
  return groups;
}
