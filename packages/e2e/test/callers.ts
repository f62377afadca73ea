// Who talks to the services in the end-to-end runs: one token issuer every service trusts, a
// teller who opens accounts, one caller per workload client (its own rate-limit count) and a back
// office that reads balances and audit reports.
import { SCOPES } from '@tally/service';
import { testIssuer, type TestIssuer } from '@tally/service/testing';

export interface Caller {
  readonly subject: string;
  readonly token: string;
}

export interface Callers {
  readonly issuer: TestIssuer;
  /** Opens the accounts; callers[0] of the workload. */
  readonly teller: Caller;
  readonly clients: readonly Caller[];
  /** Request headers of the back office (ledger:read, audit:read). */
  readonly reader: { readonly authorization: string };
}

export async function testCallers(clients: number): Promise<Callers> {
  const issuer = await testIssuer();
  const writer = async (subject: string): Promise<Caller> => ({
    subject,
    token: await issuer.token({ subject, scopes: [SCOPES.ledgerWrite], ttlSeconds: 24 * 3600 }),
  });
  const reader = await issuer.token({
    subject: 'back-office',
    scopes: [SCOPES.ledgerRead, SCOPES.auditRead],
    ttlSeconds: 24 * 3600,
  });
  return {
    issuer,
    teller: await writer('teller'),
    clients: await Promise.all(Array.from({ length: clients }, (_, i) => writer(`client-${i}`))),
    reader: { authorization: `Bearer ${reader}` },
  };
}
