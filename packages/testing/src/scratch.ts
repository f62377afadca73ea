import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/** The local stack's PostgreSQL; scratch databases are created through it. */
export const pgAdminUrl =
  process.env['TEST_DATABASE_URL'] ?? 'postgres://tally:tally@127.0.0.1:5432/tally';

export const registryUrl = process.env['SCHEMA_REGISTRY_URL'] ?? 'http://127.0.0.1:8081';

export interface ScratchDatabase {
  readonly name: string;
  readonly url: string;
  drop(): Promise<void>;
}

async function withAdmin(work: (client: pg.Client) => Promise<void>): Promise<void> {
  const client = new pg.Client({ connectionString: pgAdminUrl });
  await client.connect();
  try {
    await work(client);
  } finally {
    await client.end();
  }
}

/**
 * Drops the database. A pool's end() resolves before its connections have closed, and FORCE
 * would terminate one still closing, whose client then throws outside any test: so it first
 * waits (up to 2 s) until no session is left.
 */
function dropDatabase(name: string): Promise<void> {
  return withAdmin(async (client) => {
    for (let waited = 0; waited < 2_000; waited += 50) {
      const { rows } = await client.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1',
        [name],
      );
      if (rows[0]?.n === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  });
}

/** A PostgreSQL database of its own (`<prefix>_<random>`), dropped by `drop()`. */
export async function scratchDatabase(prefix = 'tally_test'): Promise<ScratchDatabase> {
  const name = `${prefix}_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  await withAdmin((client) => client.query(`CREATE DATABASE ${name}`).then(() => undefined));
  const url = new URL(pgAdminUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: () => dropDatabase(name),
  };
}

export interface ScratchRole {
  readonly name: string;
  /** A URL that signs in as this role to the database. */
  urlFor(database: ScratchDatabase): string;
  /** Runs `sql` as this role; the SQLSTATE it fails with (42501: refused), undefined on success. */
  sqlState(database: ScratchDatabase, sql: string): Promise<string | undefined>;
  /** Drops the role; drop the databases it owns objects or rights in first. */
  drop(): Promise<void>;
}

/**
 * A PostgreSQL login role of its own (`<prefix>_<random>`), without superuser, CREATEDB or
 * CREATEROLE: for tests of what a service's role may and may not do.
 */
export async function scratchRole(prefix: string): Promise<ScratchRole> {
  const name = `${prefix}_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const password = randomUUID();
  await withAdmin((client) =>
    client
      .query(`CREATE ROLE ${name} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '${password}'`)
      .then(() => undefined),
  );
  const urlFor = (database: ScratchDatabase) => {
    const url = new URL(database.url);
    url.username = name;
    url.password = password;
    return url.toString();
  };
  return {
    name,
    urlFor,
    async sqlState(database, sql) {
      const client = new pg.Client({ connectionString: urlFor(database) });
      await client.connect();
      try {
        await client.query(sql);
        return undefined;
      } catch (error) {
        return (error as { code?: string }).code;
      } finally {
        await client.end();
      }
    },
    drop: () =>
      withAdmin((client) => client.query(`DROP ROLE IF EXISTS ${name}`).then(() => undefined)),
  };
}

export interface OwnerAndRuntime {
  readonly db: ScratchDatabase;
  /** May create schemas in `db` (what a DBA gives the role that runs migrations). */
  readonly owner: ScratchRole;
  /** Has no right in `db` until a migration grants it some. */
  readonly runtime: ScratchRole;
  /** Drops the database, then both roles. */
  drop(): Promise<void>;
}

/** A database of its own with a migration (owner) role and a service (runtime) role. */
export async function ownerAndRuntime(prefix: string): Promise<OwnerAndRuntime> {
  const db = await scratchDatabase(`${prefix}_roles`);
  const owner = await scratchRole(`${prefix}_owner`);
  const runtime = await scratchRole(`${prefix}_app`);
  await asPgAdmin(`GRANT CREATE ON DATABASE ${db.name} TO ${owner.name}`);
  return {
    db,
    owner,
    runtime,
    drop: async () => {
      await db.drop();
      await owner.drop();
      await runtime.drop();
    },
  };
}

/** Runs SQL as the local stack's superuser (grants to scratch roles, for example). */
export function asPgAdmin(sql: string, database?: ScratchDatabase): Promise<void> {
  const client = new pg.Client({
    connectionString: database === undefined ? pgAdminUrl : database.url,
  });
  return client
    .connect()
    .then(() => client.query(sql))
    .then(
      () => client.end(),
      async (error: unknown) => {
        await client.end();
        throw error;
      },
    );
}

/** A temporary folder, removed by `remove()`. */
export function scratchDir(prefix = 'tally-test'): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
