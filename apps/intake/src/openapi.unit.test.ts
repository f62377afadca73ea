import type { Server } from 'node:http';
import type { Express } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listen, RecordingGateway } from '../test/recording-gateway.js';
import { openApiDocument } from './openapi.js';

let app: Express;
let url: string;
let server: Server;

beforeAll(async () => {
  ({ app, url, server } = await listen(new RecordingGateway()));
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

/** Every `METHOD /path` the express app really routes, with :param turned into {param}. */
function expressRoutes(): string[] {
  const stack = (
    app as unknown as {
      router: { stack: { route?: { path: string; methods: Record<string, boolean> } }[] };
    }
  ).router.stack;
  return stack
    .flatMap((layer) =>
      // A route that takes every method is a 405 answer (app.all), not an operation.
      layer.route && Object.keys(layer.route.methods).length < 10
        ? Object.keys(layer.route.methods).map(
            (m) => `${m.toUpperCase()} ${layer.route?.path.replace(/:(\w+)/g, '{$1}')}`,
          )
        : [],
    )
    .sort();
}

function documentedRoutes(document: typeof openApiDocument): string[] {
  return Object.entries(document.paths)
    .flatMap(([path, item]) => Object.keys(item).map((m) => `${m.toUpperCase()} ${path}`))
    .sort();
}

describe('/openapi.json', () => {
  it('is served as OpenAPI 3.1 and describes exactly the routes express serves', async () => {
    const served = (await (await fetch(`${url}/openapi.json`)).json()) as typeof openApiDocument;
    expect(served.openapi).toBe('3.1.0');
    expect(documentedRoutes(served)).toEqual(expressRoutes());
    expect(expressRoutes()).toContain('POST /accounts/{accountId}/withdrawals');
  });

  it('resolves every $ref', () => {
    const text = JSON.stringify(openApiDocument);
    for (const [, ref] of text.matchAll(/"\$ref":"#\/([^"]+)"/g)) {
      const target = (ref as string)
        .split('/')
        .reduce<unknown>(
          (node, part) => (node as Record<string, unknown>)?.[part],
          openApiDocument,
        );
      expect(target, ref).toBeDefined();
    }
  });
});
