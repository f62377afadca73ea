import { Worker } from 'node:worker_threads';
import type { ChainHead } from './core/chain.js';
import type { LogLocation } from './store/types.js';
import type { ChainResult } from './verify.js';

/** A chain for a worker to verify, with the head recorded for it. */
export interface VerifyTask {
  readonly chain: string;
  readonly recorded: ChainHead | undefined;
}

export type VerifyReply =
  | { readonly kind: 'progress'; readonly entries: number }
  | { readonly kind: 'done'; readonly chain: string; readonly result: ChainResult }
  | { readonly kind: 'error'; readonly chain: string; readonly message: string };

/**
 * Under test and in development the worker is this folder's TypeScript, loaded through tsx with
 * the workspace's source condition as the main thread is; in the image, the build.
 */
const FROM_SOURCE = import.meta.url.endsWith('.ts');
const WORKER_URL = new URL(
  FROM_SOURCE ? './verify-worker.ts' : './verify-worker.js',
  import.meta.url,
);
const WORKER_ARGV = FROM_SOURCE ? ['--import', 'tsx', '--conditions=@tally/source'] : [];

/**
 * Verifies chains on `threads` worker threads, each with its own read-only connection to the log;
 * a thread takes the next chain when it finishes one, and all stop at the end (or the first
 * error). Results by chain; the caller orders them.
 */
export async function verifyChainsInWorkers(
  location: LogLocation,
  chains: readonly string[],
  recorded: ReadonlyMap<string, ChainHead>,
  options: { pageSize: number; threads: number; onPage: (entries: number) => void },
): Promise<Map<string, ChainResult>> {
  const results = new Map<string, ChainResult>();
  const queue = [...chains];
  const workers: Worker[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      const next = (worker: Worker) => {
        const chain = queue.shift();
        if (chain !== undefined) {
          const task: VerifyTask = { chain, recorded: recorded.get(chain) };
          worker.postMessage(task);
        } else if (results.size === chains.length) resolve();
      };
      for (let i = 0; i < options.threads; i++) {
        const worker = new Worker(WORKER_URL, {
          workerData: { location, pageSize: options.pageSize },
          execArgv: WORKER_ARGV,
          // No resourceLimits: the process's heap flags hold, and tighter ones made a page of
          // entries (a few MB) cost a collection after collection.
        });
        workers.push(worker);
        worker.on('message', (reply: VerifyReply) => {
          if (reply.kind === 'progress') options.onPage(reply.entries);
          else if (reply.kind === 'error') {
            reject(new Error(`verifying ${reply.chain} failed: ${reply.message}`));
          } else {
            results.set(reply.chain, reply.result);
            next(worker);
          }
        });
        worker.on('error', reject);
        worker.on('exit', (code) => {
          if (results.size < chains.length) {
            reject(new Error(`a verification thread exited (code ${code}) before the end`));
          }
        });
        next(worker);
      }
    });
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return results;
}
