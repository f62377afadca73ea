// A worker thread of whole-log verification: verifies the chains the main thread hands it, one
// at a time, over its own read-only connection to the log, and answers each with its result.
import { parentPort, workerData } from 'node:worker_threads';
import { SqliteChainReader } from './store/sqlite-chains.js';
import type { LogLocation } from './store/types.js';
import { verifyChain } from './verify.js';
import type { VerifyReply, VerifyTask } from './verify-workers.js';

const port = parentPort;
if (port === null) throw new Error('verify-worker runs as a worker thread');
const { location, pageSize } = workerData as { location: LogLocation; pageSize: number };
const store = SqliteChainReader.open(location.path);
const reply = (message: VerifyReply) => port.postMessage(message);

// The main thread terminates the thread when every chain is done.
port.on('message', (task: VerifyTask) => {
  verifyChain(store, task.chain, task.recorded, pageSize, (entries) =>
    reply({ kind: 'progress', entries }),
  ).then(
    (result) => reply({ kind: 'done', chain: task.chain, result }),
    (error: unknown) => reply({ kind: 'error', chain: task.chain, message: String(error) }),
  );
});
