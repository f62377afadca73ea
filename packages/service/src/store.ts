import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';

/** PostgreSQL instead of the SQLite file when set; the same variable for every service. */
export const databaseEnv = {
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
};

/** How a service opens its store in either database. */
export interface StoreOpeners<Store> {
  readonly postgres: (url: string) => Promise<Store>;
  readonly sqlite: (path: string) => Store | Promise<Store>;
}

/** PostgreSQL when DATABASE_URL is set, else the SQLite file (its folder created). */
export async function openStore<Store>(
  databaseUrl: string | undefined,
  sqlitePath: string,
  open: StoreOpeners<Store>,
): Promise<Store> {
  if (databaseUrl) return open.postgres(databaseUrl);
  if (sqlitePath !== ':memory:') mkdirSync(dirname(sqlitePath), { recursive: true });
  return open.sqlite(sqlitePath);
}

/** What a transaction needs of a pg pool client (pg's PoolClient has it). */
export interface TransactionClient {
  query(text: string): Promise<unknown>;
  /** With an error: the connection is broken and closed instead of going back to the pool. */
  release(error?: Error): void;
  on(event: 'error', listener: (error: Error) => void): unknown;
  off(event: 'error', listener: (error: Error) => void): unknown;
}

/**
 * PostgreSQL refused the data itself (SQLSTATE class 22, data exception: a string holding U+0000,
 * a number out of range; class 23, an integrity constraint): the same statement fails again
 * however often it is retried. `retriable: false` lets a consumer halt on the record instead of
 * retrying the batch for ever.
 */
export class StoreRefusedError extends Error {
  readonly retriable = false;
  constructor(
    /** The SQLSTATE. */
    readonly code: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'StoreRefusedError';
  }
}

const PERMANENT_SQLSTATE_CLASSES = new Set(['22', '23']);

/** The error as thrown, or a StoreRefusedError when PostgreSQL refused the data for good. */
export function classifyStoreError(error: unknown): unknown {
  const sqlState = (error as { code?: unknown } | null)?.code;
  if (typeof sqlState !== 'string' || !/^[0-9A-Z]{5}$/.test(sqlState)) return error;
  if (!PERMANENT_SQLSTATE_CLASSES.has(sqlState.slice(0, 2))) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new StoreRefusedError(sqlState, `PostgreSQL refused the data (${sqlState}): ${message}`, {
    cause: error,
  });
}

/**
 * Runs `work` in one PostgreSQL transaction on a client of the pool (`() => pool.connect()`):
 * COMMIT when it returns (and `commitIf` agrees), ROLLBACK when it throws or `commitIf` refuses
 * the result. The client goes back to the pool either way. Data PostgreSQL refuses for good is
 * thrown as a StoreRefusedError.
 */
export async function inTransaction<Client extends TransactionClient, T>(
  connect: () => Promise<Client>,
  work: (client: Client) => Promise<T>,
  commitIf: (result: T) => boolean = () => true,
): Promise<T> {
  const client = await connect();
  // The server may end the connection while the transaction holds it between two statements (a
  // restart, an administrator): pg then emits 'error' on the client, which nobody else hears
  // while it is checked out, and the process would die. The next statement fails instead.
  let lost: Error | undefined;
  const onError = (error: Error) => {
    lost = error;
  };
  client.on('error', onError);
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query(commitIf(result) ? 'COMMIT' : 'ROLLBACK');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw classifyStoreError(error);
  } finally {
    client.off('error', onError);
    client.release(lost);
  }
}

/** A prepared statement run with a flat list of parameters (better-sqlite3's Statement is one). */
export interface RunnableStatement {
  run(params: unknown[]): unknown;
}

/**
 * An INSERT of many rows per statement (SQLite): a batch of 10,000 rows is about 160 calls into
 * SQLite instead of 10,000, each binding `width` values per row. Statements are prepared once per
 * row count and kept.
 */
export class MultiRowInsert {
  private readonly bySize = new Map<number, RunnableStatement>();

  constructor(
    private readonly prepare: (sql: string) => RunnableStatement,
    /** `INSERT INTO table (columns) VALUES` */
    private readonly head: string,
    /** Values per row. */
    private readonly width: number,
    private readonly rowsPerStatement = 64,
  ) {}

  /** Inserts the rows given as one flat list of values, `width` per row, in order. */
  run(values: readonly unknown[]): void {
    const step = this.rowsPerStatement * this.width;
    for (let at = 0; at < values.length; at += step) {
      const chunk = values.slice(at, at + step);
      this.statement(chunk.length / this.width).run(chunk);
    }
  }

  private statement(rows: number): RunnableStatement {
    let statement = this.bySize.get(rows);
    if (statement === undefined) {
      const row = `(${new Array<string>(this.width).fill('?').join(', ')})`;
      statement = this.prepare(`${this.head} ${new Array<string>(rows).fill(row).join(', ')}`);
      this.bySize.set(rows, statement);
    }
    return statement;
  }
}
