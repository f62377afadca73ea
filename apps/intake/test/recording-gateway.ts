import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CommandRecord } from '@tally/events';
import { createLogger, createMetricsRegistry, listen as listenKit } from '@tally/service';
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
  isPending(): boolean {
    return false;
  }
  async submit(record: CommandRecord): Promise<Answer | undefined> {
    this.submitted.push(record);
    return undefined;
  }
}

/** The intake app on the gateway, listening as `serve` does (Node's own 400/431 as problems). */
export async function listen(
  gateway: CommandGateway,
): Promise<{ app: Express; url: string; server: Server }> {
  const app = createIntakeApp({
    gateway,
    logger: createLogger('intake-unit', 'silent'),
    metrics: createMetricsRegistry('intake'),
  });
  const server = await listenKit(app, 0, '127.0.0.1');
  return { app, server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}
