import { Worker } from 'node:worker_threads';
import type { KafkaRecord } from '@tally/kafka';
import type { BulkLoadPhases, BulkLoadReply, BulkLoadRequest } from './bulk-load-worker.js';
import { changelogIdOf, expiryOf } from './changelog.js';

export type { BulkLoadPhases } from './bulk-load-worker.js';

/** Under test and in development the worker is this folder's TypeScript; in the image, the build. */
const WORKER_URL = new URL(
  import.meta.url.endsWith('.ts') ? './bulk-load-worker.ts' : './bulk-load-worker.js',
  import.meta.url,
);

/** The SQL of a bulk load; the partition store owns it. */
export interface BulkLoadSql {
  readonly setup: string;
  /** `INSERT INTO … VALUES` … */
  readonly insert: string;
  /** … and the parameters of one row, repeated to insert many rows in one statement. */
  readonly row: string;
  readonly index: string;
  readonly dedupe: string;
  /** Run only when the load held tombstones (a scan of every row). */
  readonly dropTombstones: string;
  readonly complete: string;
  /** Records the checkpoint, its one parameter. */
  readonly checkpoint: string;
}

/** A request before LoadThread numbers it (Omit over each member of the union). */
type WithoutSeq<T> = T extends unknown ? Omit<T, 'seq'> : never;
type Request = WithoutSeq<BulkLoadRequest>;

/** One worker thread and the requests it has not answered yet. */
class LoadThread {
  readonly worker: Worker;
  loads = 0;
  private seq = 0;
  private readonly pending = new Map<
    number,
    { resolve: (phases: BulkLoadPhases | undefined) => void; reject: (error: Error) => void }
  >();
  private failure: Error | undefined;

  constructor(onIdleExit: () => void) {
    // Bounded like the service: rows arrive in fetch-sized chunks and are gone once inserted.
    this.worker = new Worker(WORKER_URL, {
      resourceLimits: { maxOldGenerationSizeMb: 48, maxYoungGenerationSizeMb: 8 },
    });
    this.worker.on('message', (reply: BulkLoadReply) => {
      const waiting = this.pending.get(reply.seq);
      this.pending.delete(reply.seq);
      if (reply.ok) waiting?.resolve(reply.phases);
      else waiting?.reject(new Error(`bulk load failed: ${reply.error}`));
    });
    const fail = (error: Error) => {
      this.failure ??= error;
      for (const waiting of this.pending.values()) waiting.reject(error);
      this.pending.clear();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => {
      fail(new Error(`bulk load thread exited (code ${code})`));
      onIdleExit();
    });
  }

  request(request: Request, transfer: ArrayBuffer[] = []): Promise<BulkLoadPhases | undefined> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const seq = (this.seq += 1);
    return new Promise((resolve, reject) => {
      this.pending.set(seq, { resolve, reject });
      this.worker.postMessage({ ...request, seq } as BulkLoadRequest, transfer);
    });
  }
}

/**
 * Runs bulk loads (a restore into an empty store) on up to `threads` worker threads, started when
 * a load needs one and stopped when their last load ends: the SQLite work of a restore runs beside
 * the thread that reads Kafka, and no thread stays behind once the partitions are restored.
 */
export class BulkLoads {
  private readonly threads: LoadThread[] = [];
  private next = 0;

  // One by default: it keeps up with the thread that decodes Kafka records (which is the slower
  // side), and each thread is a V8 isolate and malloc arenas that stay in the RSS once used.
  constructor(private readonly maxThreads = 1) {}

  /** Starts a load into a new SQLite file at `path` (which must not exist). */
  async open(path: string, sql: BulkLoadSql): Promise<BulkLoad> {
    const thread = this.thread();
    thread.loads += 1;
    const id = (this.next += 1);
    const done = () => {
      thread.loads -= 1;
      if (thread.loads === 0) this.stop(thread);
    };
    try {
      const { setup, insert, row } = sql;
      await thread.request({ op: 'open', load: id, path, setup, insert, row });
    } catch (error) {
      done();
      throw error;
    }
    return new BulkLoad(thread, id, sql, done);
  }

  private thread(): LoadThread {
    if (this.threads.length < this.maxThreads) {
      const thread: LoadThread = new LoadThread(() => this.forget(thread));
      this.threads.push(thread);
      return thread;
    }
    // The least busy one.
    return this.threads.reduce((a, b) => (b.loads < a.loads ? b : a));
  }

  /** An idle thread is forgotten at once, so that no new load picks it while it exits. */
  private stop(thread: LoadThread): void {
    this.forget(thread);
    void thread.worker.terminate();
  }

  private forget(thread: LoadThread): void {
    const at = this.threads.indexOf(thread);
    if (at >= 0) this.threads.splice(at, 1);
  }
}

/** Rows in flight to the thread before append waits: reading runs ahead of writing, but bounded. */
const MAX_IN_FLIGHT = 2;

/** One bulk load: changelog records in offset order, then finish (or abort). */
export class BulkLoad {
  private readonly inFlight: Promise<unknown>[] = [];
  private failure: unknown;
  private ended = false;
  /** Records handed over so far. */
  records = 0;
  private tombstones = 0;

  constructor(
    private readonly thread: LoadThread,
    private readonly id: number,
    private readonly sql: BulkLoadSql,
    private readonly done: () => void,
  ) {}

  /** Hands the records over; waits only while the thread is MAX_IN_FLIGHT chunks behind. */
  async append(records: readonly KafkaRecord[]): Promise<void> {
    if (this.failure !== undefined) throw this.failure;
    if (records.length === 0) return;
    const rows = pack(records);
    this.records += records.length;
    for (const record of records) if (record.value === null) this.tombstones += 1;
    const written = this.thread.request({ op: 'rows', load: this.id, rows }, [rows]);
    written.catch((error: unknown) => {
      this.failure ??= error;
    });
    this.inFlight.push(written);
    while (this.inFlight.length > MAX_IN_FLIGHT) await this.inFlight.shift();
  }

  /** Waits for every row, dedupes, builds the indexes and records `checkpoint`; closes the file. */
  async finish(checkpoint: bigint): Promise<BulkLoadPhases | undefined> {
    try {
      await Promise.all(this.inFlight.splice(0));
      return await this.thread.request({
        op: 'finish',
        load: this.id,
        index: this.sql.index,
        dedupe: this.sql.dedupe,
        dropTombstones: this.tombstones > 0 ? this.sql.dropTombstones : '',
        complete: this.sql.complete,
        checkpoint: this.sql.checkpoint,
        next: checkpoint.toString(),
      });
    } finally {
      this.end();
    }
  }

  /** Gives the load up (the file is left for the caller to delete). */
  async abort(): Promise<void> {
    if (this.ended) return;
    await Promise.allSettled(this.inFlight.splice(0));
    await this.thread.request({ op: 'abort', load: this.id }).catch(() => undefined);
    this.end();
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    this.done();
  }
}

/** Packs records as the worker reads them (see bulk-load-worker.ts), in one transferable buffer. */
function pack(records: readonly KafkaRecord[]): ArrayBuffer {
  let size = 0;
  for (const record of records)
    size += 16 + (record.key?.length ?? 0) + (record.value?.length ?? 0);
  const arrayBuffer = new ArrayBuffer(size);
  const rows = Buffer.from(arrayBuffer);
  let at = 0;
  for (const record of records) {
    const id = changelogIdOf(record);
    at = rows.writeUInt32LE(id.length, at);
    at += id.copy(rows, at);
    const { value } = record;
    at = rows.writeInt32LE(value === null ? -1 : value.length, at);
    if (value !== null) at += value.copy(rows, at);
    at = rows.writeDoubleLE(expiryOf(record) ?? Number.NaN, at);
  }
  return arrayBuffer;
}
