import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpApp } from './http.js';
import { createLogger } from './logger.js';
import { createMetricsRegistry } from './metrics.js';

let ready: true | string = 'warming up';
const app = createHttpApp({
  logger: createLogger('metrics-test', 'silent'),
  metrics: createMetricsRegistry('metrics-test'),
  readiness: [{ name: 'warm', check: () => ready }],
  routes: (router) => {
    router.get('/accounts/:accountId', (req, res) => {
      res.json({ id: req.params.accountId });
    });
  },
});
const server = createServer(app);
const base = () => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
beforeAll(() => new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve)));
afterAll(() => new Promise((resolve) => server.close(resolve)));

async function metrics(): Promise<string> {
  return (await fetch(`${base()}/metrics`)).text();
}

describe('HTTP metrics of the kit', () => {
  it('times requests by route pattern and status, not by raw path, and skips probes', async () => {
    for (const id of ['a-1', 'a-2']) await (await fetch(`${base()}/accounts/${id}`)).json();
    await (await fetch(`${base()}/no/such/route`)).json();
    await (await fetch(`${base()}/healthz`)).json();
    const text = await metrics();
    expect(text).toMatch(
      /tally_http_request_duration_seconds_count\{service="metrics-test",method="GET",route="\/accounts\/:accountId",code="200"\} 2/,
    );
    expect(text).toMatch(
      /tally_http_request_duration_seconds_count\{service="metrics-test",method="GET",route="unmatched",code="404"\} 1/,
    );
    expect(text).not.toContain('a-1');
    expect(text).not.toMatch(/route="\/(healthz|readyz|metrics)"/);
  });

  it('exports readiness as tally_ready, evaluated at each scrape', async () => {
    ready = 'warming up';
    expect(await metrics()).toMatch(/^tally_ready\{service="metrics-test"\} 0$/m);
    ready = true;
    expect(await metrics()).toMatch(/^tally_ready\{service="metrics-test"\} 1$/m);
  });

  it('lets a second app share the registry: one histogram, readiness of the app built last', async () => {
    const registry = createMetricsRegistry('shared');
    const build = (check: () => true | string) =>
      createHttpApp({
        logger: createLogger('metrics-test', 'silent'),
        metrics: registry,
        readiness: [{ name: 'check', check }],
        routes: () => undefined,
      });
    build(() => 'first app not ready');
    build(() => true);
    const text = await registry.metrics();
    expect(text).toMatch(/^tally_ready\{service="shared"\} 1$/m);
    expect(text.match(/^# TYPE tally_http_request_duration_seconds histogram$/gm)).toHaveLength(1);
  });
});
