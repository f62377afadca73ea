import type { Server } from 'node:http';
import type { CommandRecord, OutcomeRecord } from '@tally/events';
import type { AddressInfo } from 'node:net';
import { createLogger, createMetricsRegistry, SCOPES } from '@tally/service';
import { testIssuer, type TestIssuer } from '@tally/service/testing';
import type { Express } from 'express';
import { createIntakeApp } from '../src/app.js';
import type { CommandGateway } from '../src/gateway.js';

/** The app's port to command processing, recording what reached it; no Kafka involved. */
export class RecordingGateway implements CommandGateway {
  readonly submitted: CommandRecord[] = [];
  outcomeOf(): OutcomeRecord | undefined {
    return undefined;
  }
  pendingAccountOf(): string | undefined {
    return undefined;
  }
  async submit(record: CommandRecord): Promise<OutcomeRecord | undefined> {
    this.submitted.push(record);
    return undefined;
  }
}

export interface Listening {
  readonly app: Express;
  readonly url: string;
  readonly server: Server;
  readonly issuer: TestIssuer;
  /** A teller's token: ledger:read and ledger:write, not limited to accounts. */
  readonly token: string;
}

/** The intake app on a free port, trusting a test issuer of its own. */
export async function listen(
  gateway: CommandGateway,
  rateLimit = { limit: 0, windowMs: 60_000 },
): Promise<Listening> {
  const issuer = await testIssuer();
  const app = createIntakeApp({
    gateway,
    verifier: await issuer.verifier(),
    rateLimit,
    logger: createLogger('intake-unit', 'silent'),
    metrics: createMetricsRegistry('intake'),
  });
  const server = app.listen(0);
  await new Promise((resolve) => server.once('listening', resolve));
  const token = await issuer.token({
    subject: 'teller',
    scopes: [SCOPES.ledgerRead, SCOPES.ledgerWrite],
    ttlSeconds: 3600,
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { app, server, url, issuer, token };
}
