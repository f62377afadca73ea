import { balanceChange, type AccountEvent } from '@tally/ledger';
import { closed, deposited, opened, withdrawn } from '@tally/testing';
import { describe, expect, it } from 'vitest';
import {
  compareAccountIds,
  foldAuditedAccount,
  reconcileAccounts,
  ReconciliationTally,
  UnsortedInputError,
  type AccountReconciliation,
  type AuditedAccount,
  type ProjectorHead,
  type ProjectorStateAt,
} from './reconcile.js';

/** A random-ish but fixed workload: accounts with deposits, withdrawals, some closed. */
function workload(accounts: number, eventsEach: number): Map<string, AccountEvent[]> {
  const all = new Map<string, AccountEvent[]>();
  for (let i = 0; i < accounts; i++) {
    const id = `acc-${String(i).padStart(3, '0')}`;
    const currency = ['EUR', 'JPY', 'BHD'][i % 3]!;
    const events: AccountEvent[] = [opened(id, undefined, 'o', currency)];
    for (let v = 2; v <= eventsEach; v++) {
      events.push(
        v % 3 === 0
          ? withdrawn(id, v, 7 * v, undefined, currency)
          : deposited(id, v, 100 * v + i, undefined, currency),
      );
    }
    if (i % 5 === 0) events.push(closed(id, eventsEach + 1));
    all.set(id, events);
  }
  return all;
}

/** A projector model with history, fed the same events: what GET /accounts and /history answer. */
class ProjectorModel {
  readonly history = new Map<string, ProjectorStateAt[]>();
  readonly currency = new Map<string, string>();
  apply(event: AccountEvent): void {
    const rows = this.history.get(event.accountId) ?? [];
    const before = BigInt(rows.at(-1)?.balance ?? 0n);
    if (event.type === 'AccountOpened') this.currency.set(event.accountId, event.currency);
    rows.push({
      version: event.version,
      balance: before + BigInt(balanceChange(event)),
      status: event.type === 'AccountClosed' ? 'closed' : 'open',
    });
    this.history.set(event.accountId, rows);
  }
  heads(): ProjectorHead[] {
    return [...this.history.keys()].sort(compareAccountIds).map((accountId) => {
      const last = this.history.get(accountId)!.at(-1)!;
      return { accountId, ...last, currency: this.currency.get(accountId)! };
    });
  }
  ports() {
    return {
      projectorAt: async (accountId: string, version: number) =>
        this.history.get(accountId)?.find((row) => row.version === version),
    };
  }
}

function audited(
  events: Map<string, AccountEvent[]>,
  upTo: (id: string) => number,
): AuditedAccount[] {
  return [...events.keys()]
    .sort(compareAccountIds)
    .filter((id) => upTo(id) > 0)
    .map((id) =>
      foldAuditedAccount(
        id,
        events.get(id)!.filter((e) => e.version <= upTo(id)),
      ),
    );
}

async function collect(results: AsyncIterable<AccountReconciliation>) {
  const tally = new ReconciliationTally();
  for await (const result of results) tally.add(result);
  return tally.summary();
}

describe('reconciliation at the audited version', () => {
  const events = workload(40, 12);

  it('finds no mismatch under live traffic: projector ahead on every account, and with new accounts', async () => {
    const projector = new ProjectorModel();
    for (const list of events.values()) for (const event of list) projector.apply(event);
    // The audit log lags: it has 1..(i % 9 + 1) versions of account i, and not yet acc-039.
    const lag = (id: string) => (id === 'acc-039' ? 0 : (Number(id.slice(4)) % 9) + 1);
    const auditSide = audited(events, lag);
    const summary = await collect(
      reconcileAccounts(auditSide, projector.heads(), {
        ...projector.ports(),
        // Read again, the audit has caught up with acc-039.
        auditAgain: async (id) => foldAuditedAccount(id, events.get(id)!),
      }),
    );
    expect(summary).toMatchObject({ ok: true, accounts: 40, problems: [] });
    expect(summary.counts.match).toBe(40);
  });

  it('compares a projector that is behind at its version, and says so', async () => {
    const projector = new ProjectorModel();
    for (const list of events.values())
      for (const event of list.slice(0, 3)) projector.apply(event);
    const summary = await collect(
      reconcileAccounts(
        audited(events, () => 99),
        projector.heads(),
        projector.ports(),
      ),
    );
    expect(summary.ok).toBe(true);
    expect(summary.projectorBehind).toBe(40);
  });

  it('names a balance that differs, in the history or the current row, and accounts missing on either side', async () => {
    const projector = new ProjectorModel();
    for (const list of events.values()) for (const event of list) projector.apply(event);
    // Tamper with the projector: a history row of acc-007 and the current row of acc-011.
    const rows = projector.history.get('acc-007')!;
    rows[3] = { ...rows[3]!, balance: BigInt(rows[3]!.balance) + 1n };
    const last = projector.history.get('acc-011')!;
    last[last.length - 1] = { ...last.at(-1)!, balance: 0n };
    projector.history.delete('acc-020');
    projector.apply(opened('zz-ghost'));
    const auditSide = audited(events, (id) => (id === 'acc-007' ? 4 : 99));
    const summary = await collect(
      reconcileAccounts(auditSide, projector.heads(), projector.ports()),
    );
    expect(summary.ok).toBe(false);
    expect(
      summary.problems.map((p) => [p.accountId, p.kind, p.differences.map((d) => d.field)]),
    ).toEqual([
      ['acc-007', 'mismatch', ['balance']],
      ['acc-011', 'mismatch', ['balance']],
      ['acc-020', 'missing-in-projector', []],
      ['zz-ghost', 'missing-in-audit', []],
    ]);
    expect(summary.problems[0]).toMatchObject({
      comparedAtVersion: 4,
      auditVersion: 4,
      projectorVersion: 12,
    });
  });

  it('keeps an account whose opening became an anomaly, and one with a gap', async () => {
    const list = events.get('acc-001')!;
    const noOpening = foldAuditedAccount('acc-001', list.slice(1), 1);
    expect(noOpening).toMatchObject({ version: 0, anomalies: 1, gaps: [{ expected: 1, got: 2 }] });
    const gap = foldAuditedAccount(
      'acc-002',
      events.get('acc-002')!.filter((e) => e.version !== 6),
    );
    expect(gap.version).toBe(5);
    const projector = new ProjectorModel();
    for (const event of events.get('acc-002')!) projector.apply(event);
    const summary = await collect(
      reconcileAccounts([noOpening, gap], projector.heads(), projector.ports()),
    );
    expect(summary.problems.map((p) => [p.accountId, p.kind, p.comparedAtVersion])).toEqual([
      ['acc-001', 'incomplete', null],
      ['acc-002', 'incomplete', 5],
    ]);
    expect(summary.problems[1]!.notes).toContain('audit log lacks versions 6..6');
  });

  it('sums balances past 2^53 exactly', () => {
    const id = 'big';
    const list: AccountEvent[] = [opened(id)];
    for (let v = 2; v <= 92; v++) list.push(deposited(id, v, 99_999_999_999_999));
    expect(foldAuditedAccount(id, list).balances.at(-1)).toBe(9_099_999_999_999_909n);
  });

  it('refuses inputs that are not sorted, in UTF-8 byte order', async () => {
    // U+FF5E sorts before U+1F600 in UTF-8 bytes, after it in UTF-16 code units.
    expect(compareAccountIds('\uff5e', '\u{1f600}')).toBeLessThan(0);
    const projector = new ProjectorModel();
    const unsorted = audited(events, () => 2).reverse();
    await expect(collect(reconcileAccounts(unsorted, [], projector.ports()))).rejects.toThrow(
      UnsortedInputError,
    );
  });
});
