// A worker thread that writes bulk loads of partition stores (restores from the changelog into an
// empty file), so that the SQLite work runs beside the thread that reads Kafka and neither waits
// for the other, and an index build never blocks the service's event loop.
//
// Self-contained on purpose: Node loads this file on its own in a worker (as TypeScript with its
// type stripping under test, as the compiled .js in the image), so it imports packages only and
// the SQL comes from the main thread (partition-store.ts keeps the schema in one place).
import Database from 'better-sqlite3';
import { parentPort } from 'node:worker_threads';

/** What the main thread asks; every request is answered once, with its `seq`. */
export type BulkLoadRequest =
  | {
      readonly op: 'open';
      readonly seq: number;
      readonly load: number;
      readonly path: string;
      /** Pragmas and tables of an empty store, run once. */
      readonly setup: string;
      /** `INSERT INTO … VALUES`, followed by `row` once per row inserted. */
      readonly insert: string;
      /** The parameters of one packed row: (id, value or null, expires_at or null). */
      readonly row: string;
    }
  | { readonly op: 'rows'; readonly seq: number; readonly load: number; readonly rows: ArrayBuffer }
  | {
      readonly op: 'finish';
      readonly seq: number;
      readonly load: number;
      /** Builds the unique index; fails on a constraint when the rows hold duplicates. */
      readonly index: string;
      /** Keeps the last row of each id (run only when `index` failed, then `index` again). */
      readonly dedupe: string;
      /** Drops the tombstones (empty when there are none). */
      readonly dropTombstones: string;
      /** Builds the other indexes, switches to the journal of live use. */
      readonly complete: string;
      /** Records the checkpoint (`next`, its one parameter). */
      readonly checkpoint: string;
      readonly next: string;
    }
  | { readonly op: 'abort'; readonly seq: number; readonly load: number };

/** Time spent (ms): wall, and CPU of this thread (which a busy host does not inflate). */
export interface Spent {
  wallMs: number;
  cpuMs: number;
}

/** Where a load's time went on this thread: what a restore's log reports. */
export interface BulkLoadPhases {
  readonly insert: Spent;
  /** The unique index, with the dedupe when the rows held an entry more than once. */
  readonly index: Spent;
  /** Tombstones (if any), the expiry index, the switch to WAL and the synced checkpoint. */
  readonly complete: Spent;
}

export type BulkLoadReply =
  | { readonly seq: number; readonly ok: true; readonly phases?: BulkLoadPhases }
  | { readonly seq: number; readonly ok: false; readonly error: string };

interface Load {
  readonly db: Database.Database;
  readonly insertRows: (rows: Buffer) => void;
  readonly insert: Spent;
}

const loads = new Map<number, Load>();

/** Rows per INSERT statement: one call into SQLite for many rows. */
const ROWS_PER_INSERT = 64;

type Row = [id: Buffer, value: Buffer | null, expiresAt: number | null];

/**
 * Rows as the main thread packs them, one after the other: u32 id length, id (UTF-8), i32 value
 * length (-1: a tombstone), value (UTF-8), f64 expiry (NaN: none). Little endian. Ids and values
 * stay bytes (views, no copy): SQLite casts them to TEXT, with no round trip through JS strings.
 */
function unpack(rows: Buffer): Row[] {
  const unpacked: Row[] = [];
  let at = 0;
  while (at < rows.length) {
    const idLength = rows.readUInt32LE(at);
    at += 4;
    const id = rows.subarray(at, at + idLength);
    at += idLength;
    const valueLength = rows.readInt32LE(at);
    at += 4;
    const value = valueLength < 0 ? null : rows.subarray(at, at + valueLength);
    at += Math.max(valueLength, 0);
    const expiresAt = rows.readDoubleLE(at);
    at += 8;
    unpacked.push([id, value, Number.isNaN(expiresAt) ? null : expiresAt]);
  }
  return unpacked;
}

function open(path: string, setup: string, insert: string, row: string): Load {
  const db = new Database(path);
  db.exec(setup);
  const one = db.prepare<Row>(`${insert} ${row}`);
  const many = db.prepare<unknown[]>(`${insert} ${Array(ROWS_PER_INSERT).fill(row).join(', ')}`);
  const insertRows = db.transaction((packed: Buffer) => {
    const rows = unpack(packed);
    let at = 0;
    for (; at + ROWS_PER_INSERT <= rows.length; at += ROWS_PER_INSERT)
      many.run(rows.slice(at, at + ROWS_PER_INSERT).flat());
    for (; at < rows.length; at += 1) one.run(...(rows[at] as Row));
  });
  return { db, insertRows, insert: { wallMs: 0, cpuMs: 0 } };
}

function spend(into: Spent, work: () => void): void {
  const wall = performance.now();
  const cpu = process.threadCpuUsage();
  try {
    work();
  } finally {
    const used = process.threadCpuUsage(cpu);
    into.wallMs += performance.now() - wall;
    into.cpuMs += (used.user + used.system) / 1000;
  }
}

function loadOf(id: number): Load {
  const load = loads.get(id);
  if (load === undefined) throw new Error(`bulk load ${id} is not open`);
  return load;
}

function handle(request: BulkLoadRequest): BulkLoadPhases | undefined {
  switch (request.op) {
    case 'open':
      loads.set(request.load, open(request.path, request.setup, request.insert, request.row));
      return undefined;
    case 'rows': {
      const load = loadOf(request.load);
      spend(load.insert, () => load.insertRows(Buffer.from(request.rows)));
      return undefined;
    }
    case 'finish': {
      const { db, insert } = loadOf(request.load);
      const phases = { insert, index: { wallMs: 0, cpuMs: 0 }, complete: { wallMs: 0, cpuMs: 0 } };
      spend(phases.index, () => {
        try {
          db.exec(request.index);
        } catch (error) {
          if ((error as { code?: string }).code?.startsWith('SQLITE_CONSTRAINT') !== true)
            throw error;
          db.exec(request.dedupe);
          db.exec(request.index);
        }
      });
      spend(phases.complete, () => {
        if (request.dropTombstones !== '') db.exec(request.dropTombstones);
        db.exec(request.complete);
        db.prepare<[string]>(request.checkpoint).run(request.next);
        db.close();
      });
      loads.delete(request.load);
      return phases;
    }
    case 'abort':
      loads.get(request.load)?.db.close();
      loads.delete(request.load);
      return undefined;
  }
}

parentPort?.on('message', (request: BulkLoadRequest) => {
  let reply: BulkLoadReply;
  try {
    const phases = handle(request);
    reply =
      phases === undefined
        ? { seq: request.seq, ok: true }
        : { seq: request.seq, ok: true, phases };
  } catch (error) {
    reply = { seq: request.seq, ok: false, error: String((error as Error).stack ?? error) };
  }
  parentPort?.postMessage(reply);
});
