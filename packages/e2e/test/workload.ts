import { Agent, request } from 'node:http';
import { waitUntil } from '@tally/kafka/testing';
import type { Caller } from './callers.js';

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
  /** Which instance gave the final answer, and when. */
  readonly url: string;
  readonly at: number;
}

/** One HTTP answer (or none: connection refused, reset or no answer within 15 s). */
export interface Answer {
  readonly at: number;
  readonly url: string;
  /** undefined: no answer. */
  readonly status: number | undefined;
  readonly text: string;
}

export interface SendOptions {
  readonly timeoutMs?: number;
  /** Sees every answer, the retried ones included. */
  readonly onAnswer?: (answer: Answer) => void;
}

const FINAL = new Set([201, 409]);

/**
 * Sends a command until it has a final outcome. A connection error, a 5xx or a 202 (outcome not yet
 * known, e.g. while partitions move) is retried with the SAME Idempotency-Key: the intake decides a
 * command once, so a retry only fetches its outcome. Any other status fails at once.
 */
export async function sendUntilDecided(
  baseUrl: () => string,
  command: Command,
  { timeoutMs = 60_000, onAnswer }: SendOptions = {},
): Promise<Outcome> {
  const deadline = Date.now() + timeoutMs;
  let attempts = 0;
  let last = '';
  while (Date.now() < deadline) {
    attempts += 1;
    const url = `${baseUrl()}${command.path}`;
    try {
      const res = await post(url, command);
      const text = res.text;
      onAnswer?.({ at: Date.now(), url, status: res.status, text });
      if (FINAL.has(res.status)) {
        return {
          status: res.status,
          body: JSON.parse(text) as Record<string, unknown>,
          replayed: res.headers['idempotent-replayed'] === 'true',
          attempts,
          url,
          at: Date.now(),
        };
      }
      if (res.status !== 202 && res.status < 500) {
        throw new UnexpectedStatus(`${command.path} (${command.key}) → ${res.status} ${text}`);
      }
      last = `${res.status} ${text.slice(0, 200)}`;
    } catch (error) {
      if (error instanceof UnexpectedStatus) throw error;
      onAnswer?.({ at: Date.now(), url, status: undefined, text: String(error) });
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

export interface Decided {
  readonly command: Command;
  readonly outcome: Outcome;
}

export interface WorkloadOptions {
  /** The intake to send the next request to (called per request: instances may come and go). */
  readonly intakeUrl: () => string;
  /** Accounts opened before the clients start. */
  readonly accounts: number;
  /** Opens the accounts. */
  readonly teller: Caller;
  /** One concurrent client per caller. */
  readonly clients: readonly Caller[];
  /** Share of commands that open a new account (default 0). */
  readonly openShare?: number;
  /** Odd-numbered accounts get this overdraft limit (minor units; default none). */
  readonly overdraftLimit?: number;
  /** Pause of each client between two commands (default 0: as fast as answers come). */
  readonly thinkMs?: number;
  readonly send?: SendOptions;
}

/**
 * Concurrent clients sending a mix to the intake: deposits, withdrawals (some beyond the balance,
 * so refused), about 10 % repeats of an already decided Idempotency-Key (which must get the first
 * outcome again) and, if asked, openings of new accounts. Every command is retried until decided.
 */
export class MixedWorkload {
  readonly decided = new Map<string, Decided>();
  readonly replays: { first: Outcome; again: Outcome }[] = [];
  /** Commands that found no outcome (or got an unexpected status); each one is a failure. */
  readonly errors: string[] = [];
  private readonly opened: string[] = [];
  private clients: Promise<void>[] = [];
  private flowing = false;
  private paused = false;
  private idle = 0;
  private next = 0;
  private wake: (() => void)[] = [];

  constructor(private readonly options: WorkloadOptions) {}

  /** Opened account ids (the accepted openings). */
  accounts(): readonly string[] {
    return this.opened;
  }

  /** Opens the initial accounts, then starts the clients. */
  async start(): Promise<void> {
    await Promise.all(
      Array.from({ length: this.options.accounts }, (_, i) => this.openAccount(`acc-${i}`, i)),
    );
    this.flowing = true;
    this.clients = this.options.clients.map((caller) => this.client(caller));
  }

  /** Waits until `more` further commands were decided. */
  async progress(what: string, more: number, timeoutMs = 60_000): Promise<void> {
    const target = this.decided.size + more;
    await waitUntil(what, () => this.decided.size >= target, timeoutMs, 20);
  }

  /** Lets every client finish its command in flight, then hold; resolves once all are idle. */
  async pause(timeoutMs = 300_000): Promise<void> {
    this.paused = true;
    await waitUntil(
      'the clients to finish their commands',
      () => this.idle === this.clients.length,
      timeoutMs,
      20,
    );
  }

  resume(): void {
    this.paused = false;
    for (const wake of this.wake.splice(0)) wake();
  }

  /** Stops the clients after their commands in flight. */
  async stop(): Promise<void> {
    this.flowing = false;
    this.resume();
    await Promise.all(this.clients);
  }

  private send(command: Command): Promise<Outcome> {
    return sendUntilDecided(this.options.intakeUrl, command, this.options.send);
  }

  private async openAccount(accountId: string, n: number): Promise<void> {
    const limit = this.options.overdraftLimit;
    const command = {
      token: this.options.teller.token,
      key: `open-${accountId}`,
      accountId,
      path: '/accounts',
      body: {
        accountId,
        owner: `Owner of ${accountId}`,
        currency: 'EUR',
        ...(limit !== undefined && n % 2 === 1 ? { overdraftLimit: limit } : {}),
      },
    };
    const outcome = await this.send(command);
    this.decided.set(command.key, { command, outcome });
    if (outcome.status === 201) this.opened.push(accountId);
  }

  private async client(caller: Caller): Promise<void> {
    while (this.flowing) {
      if (this.paused) {
        this.idle += 1;
        await new Promise<void>((resolve) => this.wake.push(resolve));
        this.idle -= 1;
        continue;
      }
      try {
        await this.one(caller);
      } catch (error) {
        this.errors.push(String(error));
      }
      const think = this.options.thinkMs ?? 0;
      if (think > 0) await new Promise((resolve) => setTimeout(resolve, think));
    }
  }

  private async one(caller: Caller): Promise<void> {
    const n = this.next++;
    const roll = Math.random();
    const openShare = this.options.openShare ?? 0;
    if (roll < 0.1) {
      const done = [...this.decided.values()];
      const first = done[Math.floor(Math.random() * done.length)]!;
      this.replays.push({ first: first.outcome, again: await this.send(first.command) });
      return;
    }
    if (roll < 0.1 + openShare) {
      await this.openAccount(`acc-${this.options.accounts + n}`, this.options.accounts + n);
      return;
    }
    const accountId = this.opened[Math.floor(Math.random() * this.opened.length)]!;
    const deposit = roll < 0.1 + openShare + (0.9 - openShare) / 2;
    const command = {
      token: caller.token,
      key: `cmd-${n}`,
      accountId,
      path: `/accounts/${accountId}/${deposit ? 'deposits' : 'withdrawals'}`,
      body: { amount: 1 + Math.floor(Math.random() * (deposit ? 200 : 300)), currency: 'EUR' },
    };
    this.decided.set(command.key, { command, outcome: await this.send(command) });
  }
}
