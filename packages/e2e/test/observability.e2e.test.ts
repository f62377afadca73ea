// The three services as OS processes with the tracing bootstrap, exporting to an OTLP receiver
// inside the test: one trace from an HTTP request to the audit log (ADR 0010), and the metric
// names each service serves against the catalogue (ADR 0011).
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { waitUntil } from '@tally/kafka/testing';
import { SCOPES } from '@tally/service';
import { testIssuer } from '@tally/service/testing';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '@tally/telemetry/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServiceSystem, type ServiceName, type ServiceSystem } from './services.js';

const SERVER = 2;
const PRODUCER = 4;
const CONSUMER = 5;

let receiver: OtlpReceiver;
let system: ServiceSystem;
const issuer = await testIssuer();
const writer = await issuer.token({ subject: 'teller', scopes: [SCOPES.ledgerWrite] });

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  system = await startServiceSystem('trace', {
    partitions: 2,
    issuer,
    env: {
      all: {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_BSP_SCHEDULE_DELAY: '100',
      },
    },
  });
}, 120_000);

afterAll(async () => {
  await system?.stop();
  await receiver?.close();
});

/** A POST as a traced client sends it: with a `traceparent` naming the client's own span. */
async function tracedPost(path: string, body: unknown, key: string) {
  const traceId = randomBytes(16).toString('hex');
  const clientSpan = randomBytes(8).toString('hex');
  const res = await fetch(`${system.intake.url}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'idempotency-key': key,
      authorization: `Bearer ${writer}`,
      traceparent: `00-${traceId}-${clientSpan}-01`,
    },
    body: JSON.stringify(body),
  });
  return {
    status: res.status,
    body: (await res.json()) as Record<string, unknown>,
    traceId,
    clientSpan,
  };
}

describe('tracing across the three services', () => {
  it('links the HTTP request, the decision and its transaction, the projection and the audit entries in one trace', async () => {
    const accountId = `traced-${randomBytes(4).toString('hex')}`;
    const opened = await tracedPost(
      '/accounts',
      { accountId, owner: 'Ada', currency: 'EUR' },
      'open',
    );
    expect(opened.status).toBe(201);
    const deposit = await tracedPost(
      `/accounts/${accountId}/deposits`,
      { amount: 2_500, currency: 'EUR' },
      'deposit',
    );
    expect(deposit.status).toBe(201);
    const { traceId } = deposit;
    const { events, commands, outcomes } = system.names;

    const inTrace = () => receiver.spans().filter((s) => s.traceId === traceId);
    const find = (service: string, name: string) =>
      inTrace().find((s) => s.service === `tally-${service}` && s.name === name);
    const expected: [string, string][] = [
      ['intake', `send ${commands}`],
      ['intake', `decide ${commands}`],
      ['intake', `send ${events}`],
      ['intake', `send ${outcomes}`],
      ['projector', `apply ${events}`],
      ['audit', `append ${events}`],
      ['audit', `append ${outcomes}`],
    ];
    // Each service exports on its own schedule: wait for every span of the request's trace.
    await waitUntil(
      'every service exported its spans of the request',
      () =>
        expected.every(([service, name]) => find(service, name) !== undefined) &&
        inTrace().some((s) => s.service === 'tally-intake' && s.kind === SERVER),
      30_000,
    );

    const one = (service: string, name: string): ReceivedSpan => {
      const span = find(service, name);
      expect(span, `${service}: ${name} in trace ${traceId}`).toBeDefined();
      return span!;
    };
    const parentOf = (span: ReceivedSpan) => inTrace().find((s) => s.spanId === span.parentSpanId);

    // HTTP: the intake's server span continues the client's trace.
    const request = inTrace().find((s) => s.service === 'tally-intake' && s.kind === SERVER)!;
    expect(request).toBeDefined();
    expect(request.parentSpanId).toBe(deposit.clientSpan);
    expect(request.attributes['http.route']).toBe('/accounts/:accountId/deposits');

    // The command record, written inside the request.
    const sentCommand = one('intake', `send ${commands}`);
    expect(sentCommand.kind).toBe(PRODUCER);
    expect(inTrace().some((s) => s.spanId === sentCommand.parentSpanId)).toBe(true);

    // The processor's decision, a child of the command's send, ended with its transaction; the
    // event and the outcome it wrote in that transaction are its children.
    const decided = one('intake', `decide ${commands}`);
    expect(decided.kind).toBe(CONSUMER);
    expect(decided.parentSpanId).toBe(sentCommand.spanId);
    const sentEvent = one('intake', `send ${events}`);
    const sentOutcome = one('intake', `send ${outcomes}`);
    expect(sentEvent.parentSpanId).toBe(decided.spanId);
    expect(sentOutcome.parentSpanId).toBe(decided.spanId);
    // The transaction's batch span is a trace of its own that links to the decision.
    const transaction = receiver
      .spans()
      .find(
        (s) =>
          s.name === `decide ${commands}` &&
          s.parentSpanId === undefined &&
          s.links.some((l) => l.spanId === sentCommand.spanId),
      );
    expect(transaction, 'the batch span of the transaction').toBeDefined();
    expect(decided.links.map((l) => l.spanId)).toContain(transaction!.spanId);

    // The projector's apply and the audit's entries continue the trace from the records.
    const applied = one('projector', `apply ${events}`);
    expect(applied.parentSpanId).toBe(sentEvent.spanId);
    expect(one('audit', `append ${events}`).parentSpanId).toBe(sentEvent.spanId);
    expect(one('audit', `append ${outcomes}`).parentSpanId).toBe(sentOutcome.spanId);
    expect(parentOf(applied)?.service).toBe('tally-intake');
    // The intake's state changes serve the whole batch: its changelog records carry no trace.
    expect(receiver.spans().filter((s) => s.name.endsWith(system.names.changelog))).toEqual([]);

    // The opening's trace is another one: each request is its own trace.
    expect(receiver.spans().some((s) => s.traceId === opened.traceId)).toBe(true);
    expect(opened.traceId).not.toBe(traceId);

    // The intake's log lines of the request name the trace.
    const logged = system.intake
      .output()
      .split('\n')
      .filter((line) => line.includes(traceId));
    expect(logged.length, system.intake.output()).toBeGreaterThan(0);
  }, 90_000);
});

/** ADR 0011's catalogue: the shared metrics, and each service's own. */
function catalogue(): Record<ServiceName, Set<string>> {
  const adr = readFileSync(
    new URL('../../../docs/adr/0011-metric-names.md', import.meta.url),
    'utf8',
  );
  const shared: string[] = [];
  const own: Record<ServiceName, string[]> = { intake: [], projector: [], audit: [] };
  for (const line of adr.split('\n')) {
    if (!line.startsWith('| `tally_')) continue;
    const cells = line.split('|').map((cell) => cell.trim().replaceAll('`', ''));
    const [, name, , , fourth] = cells;
    // Shared rows end with the meaning; per-service rows name the service, then the old name.
    if (cells.length === 6) shared.push(name!);
    else own[fourth as ServiceName].push(name!);
  }
  return {
    intake: new Set([...shared, ...own.intake]),
    projector: new Set([...shared, ...own.projector]),
    audit: new Set([...shared, ...own.audit]),
  };
}

describe('metric names', () => {
  it('each service serves exactly the tally_* metrics the catalogue gives it, with its service label', async () => {
    const expected = catalogue();
    for (const service of [system.intake, system.projector, system.audit]) {
      const text = await (await fetch(`${service.url}/metrics`)).text();
      const served = new Set([...text.matchAll(/^# TYPE (tally_\w+) /gm)].map(([, name]) => name));
      expect([...served].sort(), service.name).toEqual([...expected[service.name]].sort());
      // No metric under an old per-service prefix, and every series says who reports it.
      expect(text).not.toMatch(/^(intake|projector|audit)_/m);
      for (const [series] of text.matchAll(/^tally_\w+\{[^}]*\}/gm)) {
        expect(series, service.name).toContain(`service="${service.name}"`);
      }
    }
  });
});
