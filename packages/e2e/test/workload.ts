import { Agent, request } from 'node:http';

/** A command sent to the intake: one Idempotency-Key, one request, retried until it has an outcome. */
export interface Command {
  /** The bearer token of the caller that sends it; its subject is the actor of its events. */
  readonly token: string;
  readonly key: string;
  readonly accountId: string;
  readonly path: string;
  readonly body: Readonly<Record<string, unknown>>;
}

/** The final answer to a command: 201 (accepted) or 409 (refused by the ledger). */
export interface Outcome {
  readonly status: number;
  readonly body: Record<string, unknown>;
  readonly replayed: boolean;
  /** How many sends it took (1 = answered at once). */
  readonly attempts: number;
}

const FINAL = new Set([201, 409]);

/**
 * Sends a command until it has a final outcome. A connection error, a 5xx or a 202 (outcome not yet
 * known, e.g. while partitions move) is retried with the SAME Idempotency-Key: the intake decides a
 * command once, so a retry only fetches its outcome. Any other status fails the test at once.
 */
export async function sendUntilDecided(
  baseUrl: () => string,
  command: Command,
  timeoutMs = 60_000,
): Promise<Outcome> {
  const deadline = Date.now() + timeoutMs;
  let attempts = 0;
  let last = '';
  while (Date.now() < deadline) {
    attempts += 1;
    try {
      const res = await post(`${baseUrl()}${command.path}`, command);
      const text = res.text;
      if (FINAL.has(res.status)) {
        return {
          status: res.status,
          body: JSON.parse(text) as Record<string, unknown>,
          replayed: res.headers['idempotent-replayed'] === 'true',
          attempts,
        };
      }
      if (res.status !== 202 && res.status < 500) {
        throw new UnexpectedStatus(`${command.path} (${command.key}) → ${res.status} ${text}`);
      }
      last = `${res.status} ${text.slice(0, 200)}`;
    } catch (error) {
      if (error instanceof UnexpectedStatus) throw error;
      last = String(error);
    }
    // A restart is in progress or the outcome is still pending: back off briefly, then ask again.
    await new Promise((resolve) => setTimeout(resolve, Math.min(50 * attempts, 500)));
  }
  throw new Error(`no outcome for ${command.key} after ${timeoutMs} ms (last: ${last})`);
}

class UnexpectedStatus extends Error {}

// Keep-alive on purpose: busy kept-alive connections must not hold a SIGTERM'd service open.
const keepAlive = new Agent({ keepAlive: true, maxSockets: 16 });

/** One POST on a pooled keep-alive connection. */
function post(
  url: string,
  command: Command,
): Promise<{ status: number; headers: Record<string, unknown>; text: string }> {
  const payload = JSON.stringify(command.body);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent: keepAlive,
        timeout: 15_000,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
          'idempotency-key': command.key,
          authorization: `Bearer ${command.token}`,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(chunks).toString(),
          }),
        );
      },
    );
    req.on('timeout', () => req.destroy(new Error('no answer within 15 s')));
    req.on('error', reject);
    req.end(payload);
  });
}
