import type { Server } from 'node:http';
import type { CommandRecord, OutcomeRecord } from '@tally/events';
import type { AddressInfo } from 'node:net';
import { createLogger, createMetricsRegistry } from '@tally/service';
import type { Express } from 'express';
import { createIntakeApp } from '../src/app.js';
import type { CommandGateway } from '../src/gateway.js';

/** The app's port to command processing, recording what reached it; no Kafka involved. */
export class RecordingGateway implements CommandGateway {
  readonly submitted: CommandRecord[] = [];
  outcomeOf(): OutcomeRecord | undefined {
    return undefined;
  }
  isPending(): boolean {
    return false;
  }
  async submit(record: CommandRecord): Promise<OutcomeRecord | undefined> {
    this.submitted.push(record);
    return undefined;
  }
}

export async function listen(
  gateway: CommandGateway,
): Promise<{ app: Express; url: string; server: Server }> {
  const app = createIntakeApp({
    gateway,
    logger: createLogger('intake-unit', 'silent'),
    metrics: createMetricsRegistry('intake'),
  });
  const server = app.listen(0);
  await new Promise((resolve) => server.once('listening', resolve));
  return { app, server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}
