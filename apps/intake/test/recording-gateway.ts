import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CommandRecord } from '@tally/events';
import { createLogger, createMetricsRegistry, listen as listenKit, SCOPES } from '@tally/service';
import { testIssuer, type TestIssuer } from '@tally/service/testing';
import type { Express } from 'express';
import { createIntakeApp } from '../src/app.js';
import type { CommandGateway } from '../src/gateway.js';
import type { Answer } from '../src/reply-feed.js';

/** The app's port to command processing, recording what reached it; no Kafka involved. */
export class RecordingGateway implements CommandGateway {
  readonly submitted: CommandRecord[] = [];
  answerOf(): Answer | undefined {
    return undefined;
  }
  pendingAccountOf(): string | undefined {
    return undefined;
  }
  async submit(record: CommandRecord): Promise<Answer | undefined> {
    this.submitted.push(record);
    return undefined;
  }
  transferOf(): undefined {
    return undefined;
  }
  async waitForTransfer(): Promise<undefined> {
    return undefined;
  }
  holdOf(): undefined {
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

/**
 * The intake app on the gateway, listening as `serve` does (Node's own 400/431 as problems),
 * trusting a test issuer of its own.
 */
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
  const server = await listenKit(app, 0, '127.0.0.1');
  const token = await issuer.token({
    subject: 'teller',
    scopes: [SCOPES.ledgerRead, SCOPES.ledgerWrite],
    ttlSeconds: 3600,
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { app, server, url, issuer, token };
}
