import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadAuditConfig } from '@tally/audit';
import { loadIntakeConfig } from '@tally/intake';
import { loadProjectorConfig } from '@tally/projector';
import { describe, expect, it } from 'vitest';

// One Dockerfile builds every service (APP and PORT as build arguments). This keeps it, the apps
// and infra/docker-compose.yml in step, since no machine here has a Docker engine to build them.

const root = fileURLToPath(new URL('../../../', import.meta.url));
const read = (path: string) => readFileSync(`${root}${path}`, 'utf8');
const dockerfile = read('Dockerfile');
const compose = read('infra/docker-compose.yml');
const apps = readdirSync(`${root}apps`).sort();
const defaultPort: Record<string, number> = {
  audit: loadAuditConfig({}).PORT,
  intake: loadIntakeConfig({}).PORT,
  projector: loadProjectorConfig({}).PORT,
};

/** The lines of one service in the compose file. */
function serviceBlock(name: string): string {
  const start = compose.indexOf(`\n  ${name}:\n`);
  expect(start, `compose has a ${name} service`).toBeGreaterThan(-1);
  const end = compose.slice(start + 1).search(/\n {2}\S|\n\S/);
  return compose.slice(start + 1, end === -1 ? undefined : start + 1 + end);
}

describe('the one Dockerfile', () => {
  it('builds on node:24-bookworm-slim without a compiler, from the lockfile and its patches', () => {
    expect(dockerfile.match(/^FROM .*/gm)).toEqual([
      'FROM node:24-bookworm-slim AS build',
      'FROM node:24-bookworm-slim AS runtime',
    ]);
    expect(dockerfile).not.toMatch(/apt-get|build-essential|python3|g\+\+/);
    expect(dockerfile).toContain('COPY patches ./patches');
    expect(dockerfile).toContain('--filter=@tally/${APP}...');
    const pnpm = JSON.parse(read('package.json')).packageManager as string;
    expect(dockerfile).toContain(`npm install --global --no-fund --no-audit ${pnpm}`);
  });

  it('starts the service with the tracing bootstrap loaded first', () => {
    expect(dockerfile).toContain(
      'CMD ["node", "--import", "@tally/telemetry/register", "dist/main.js"]',
    );
  });

  it('is the only one: no app keeps a Dockerfile of its own', () => {
    for (const app of apps) expect(existsSync(`${root}apps/${app}/Dockerfile`), app).toBe(false);
  });

  it.each(apps)('%s: deploys with dist/main.js, and compose builds it on its own port', (app) => {
    const manifest = JSON.parse(read(`apps/${app}/package.json`)) as {
      name: string;
      dependencies: Record<string, string>;
    };
    expect(manifest.name).toBe(`@tally/${app}`);
    // `--import @tally/telemetry/register` resolves from the deploy folder's own node_modules.
    expect(manifest.dependencies['@tally/telemetry']).toBe('workspace:*');
    expect(existsSync(`${root}apps/${app}/src/main.ts`)).toBe(true);
    const port = defaultPort[app];
    expect(port, `${app} has a default port`).toBeDefined();
    const service = serviceBlock(app);
    expect(service.replace(/\s+/g, ' ')).toMatch(
      new RegExp(
        `build: {? ?context: \\.\\.,? dockerfile: Dockerfile,? args: {? ?APP: ${app},? PORT: ${port}\\b`,
      ),
    );
    // Published on the loopback interface only, on the app's own port.
    expect(service).toContain(`ports: ['127.0.0.1:${port}:${port}']`);
  });

  it('gives the intake a bounded heap and a volume for its state stores', () => {
    const intake = serviceBlock('intake');
    expect(intake).toContain('NODE_OPTIONS: --max-old-space-size=128 --max-semi-space-size=4');
    expect(intake).toMatch(/volumes: \[[^\]]*'intake-data:\/data'/);
    expect(dockerfile).toContain('NODE_OPTIONS=${NODE_OPTIONS}');
    expect(dockerfile).toContain('INTAKE_STATE_DIR=/data/intake-state');
  });

  it('gives the audit service a bounded heap (its ≤ 256 MB ingest, measured by bench:audit)', () => {
    expect(serviceBlock('audit')).toContain(
      'NODE_OPTIONS: --max-old-space-size=128 --max-semi-space-size=4',
    );
  });

  it('starts every service trusting a token issuer, and the audit service with its own identity', () => {
    const serviceEnv = serviceBlock('intake');
    for (const line of [
      'AUTH_ISSUER: tally-local',
      'AUTH_AUDIENCE: tally-api',
      'AUTH_JWKS_FILE: /run/tally-auth/jwks.json',
    ]) {
      expect(serviceEnv).toContain(line);
    }
    for (const app of apps) {
      // Every service inherits that env, and sees the issuer's public keys at that path.
      expect(serviceBlock(app)).toMatch(app === 'intake' ? /&service-env/ : /<<: \*service-env/);
      expect(serviceBlock(app)).toMatch(
        /volumes:\s*\[[^\]]*'\.\.\/\.local\/auth[^']*:\/run\/tally-auth/,
      );
    }
    const audit = serviceBlock('audit');
    expect(audit).toContain('AUTH_CLIENT_AUDIENCE: tally-api');
    expect(audit).toContain('AUTH_CLIENT_SIGNING_KEY_FILE: /run/tally-auth/signing-key.jwk.json');
    // It signs digests with the stack's key and exports them to its volume.
    expect(audit).toContain(
      'AUDIT_DIGEST_SIGNING_KEY_FILE: /run/tally-audit/digest-signing-key.pem',
    );
    expect(audit).toMatch(/volumes:\s*\[[^\]]*'\.\.\/\.local\/audit:\/run\/tally-audit:ro'/);
    expect(dockerfile).toContain('AUDIT_DIGEST_EXPORT_DIR=/data/digests');
  });
});
