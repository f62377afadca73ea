// What the fault drill sees from outside while faults happen: every answer the clients and probes
// got, the services' /readyz over time, and the processes that exited on their own.
import type { ServiceProcess } from '../services.js';
import type { ReaderHeaders } from '../ledger-checks.js';
import type { Answer } from '../workload.js';

export const BUCKETS = ['2xx', '409', '202', '503', 'other', 'none'] as const;
export type Bucket = (typeof BUCKETS)[number];

/** 409 is the ledger's final refusal (a right answer); "none" is no answer at all. */
export function bucketOf(status: number | undefined): Bucket {
  if (status === undefined) return 'none';
  if (status === 202) return '202';
  if (status >= 200 && status < 300) return '2xx';
  if (status === 409) return '409';
  if (status === 503) return '503';
  return 'other';
}

/** A stack trace or source location leaked into an HTTP body. */
export function hasStack(text: string): boolean {
  return /\n\s+at |\bat [\w.<>]+ \(|\.[cm]?[jt]s:\d+:\d+/.test(text);
}

export interface Recorded extends Answer {
  readonly source: string;
}

export interface Tally {
  readonly counts: Record<Bucket, number>;
  /** Status codes counted as "other", with how often. */
  readonly others: Record<string, number>;
  /** The first body of each "other" status. */
  readonly samples: Record<string, string>;
  /** 5xx bodies that carry a stack trace (a violation), up to three. */
  readonly stacks: string[];
}

/** Every answer, by source (intake, projector probe, audit probe), in arrival order. */
export class AnswerLog {
  private readonly answers: Recorded[] = [];

  record(source: string, answer: Answer): void {
    this.answers.push({ source, ...answer });
  }

  /** Per source: the answers that arrived in [from, to]. */
  between(from: number, to: number): Map<string, Tally> {
    const tallies = new Map<string, Tally>();
    for (const answer of this.answers) {
      if (answer.at < from || answer.at > to) continue;
      let tally = tallies.get(answer.source);
      if (tally === undefined) {
        tally = {
          counts: Object.fromEntries(BUCKETS.map((b) => [b, 0])) as Record<Bucket, number>,
          others: {},
          samples: {},
          stacks: [],
        };
        tallies.set(answer.source, tally);
      }
      const bucket = bucketOf(answer.status);
      tally.counts[bucket] += 1;
      if (bucket === 'other') {
        const status = String(answer.status);
        tally.others[status] = (tally.others[status] ?? 0) + 1;
        tally.samples[status] ??= `${answer.url}: ${answer.text.slice(0, 400)}`;
      }
      if ((answer.status ?? 0) >= 500 && hasStack(answer.text) && tally.stacks.length < 3) {
        tally.stacks.push(`${answer.url} → ${answer.status}: ${answer.text.slice(0, 600)}`);
      }
    }
    return tallies;
  }
}

export interface ReadySample {
  readonly at: number;
  readonly label: string;
  /** /readyz status, undefined when it did not answer within a second. */
  readonly status: number | undefined;
  readonly body: string;
}

/** An account state a read API answered with: checked against the topic afterwards. */
export interface ReadAnswer {
  readonly at: number;
  readonly accountId: string;
  readonly version: number;
  readonly balance: number;
}

/**
 * Polls every service's /readyz (twice a second) and the read APIs (once a second: an account of
 * the projector, the audit log's verification) and records what they answer.
 */
export class Prober {
  readonly samples: ReadySample[] = [];
  readonly projectorAnswers: ReadAnswer[] = [];
  /** 200 answers of /audit/verify that said the log does not verify. */
  readonly badVerifies: string[] = [];
  private timers: NodeJS.Timeout[] = [];

  constructor(
    private readonly services: readonly ServiceProcess[],
    private readonly projector: ServiceProcess,
    private readonly audit: ServiceProcess,
    private readonly accounts: () => readonly string[],
    private readonly answers: AnswerLog,
    private readonly reader: ReaderHeaders,
  ) {}

  start(): void {
    this.timers = [
      every(500, () => this.sampleReadiness()),
      every(1_000, () => this.probeProjector()),
      every(2_000, () => this.probeAudit()),
    ];
  }

  stop(): void {
    for (const timer of this.timers) clearInterval(timer);
  }

  /** The latest sample of each service. */
  latest(): Map<string, ReadySample> {
    const latest = new Map<string, ReadySample>();
    for (const sample of this.samples) latest.set(sample.label, sample);
    return latest;
  }

  private async sampleReadiness(): Promise<void> {
    await Promise.all(
      this.services.map(async (service) => {
        const res = await get(`${service.url}/readyz`, 1_000);
        this.samples.push({ at: Date.now(), label: service.label, ...res });
      }),
    );
  }

  private async probeProjector(): Promise<void> {
    const accounts = this.accounts();
    if (accounts.length === 0) return;
    const accountId = accounts[Math.floor(Math.random() * accounts.length)]!;
    const url = `${this.projector.url}/accounts/${accountId}`;
    const res = await get(url, 5_000, this.reader);
    this.answers.record('projector', { at: Date.now(), url, status: res.status, text: res.body });
    if (res.status === 200) {
      const row = JSON.parse(res.body) as { version: number; balance: number };
      this.projectorAnswers.push({
        at: Date.now(),
        accountId,
        version: row.version,
        balance: row.balance,
      });
    }
  }

  private async probeAudit(): Promise<void> {
    const url = `${this.audit.url}/audit/verify`;
    const res = await get(url, 10_000, this.reader);
    this.answers.record('audit', { at: Date.now(), url, status: res.status, text: res.body });
    if (res.status === 200 && (JSON.parse(res.body) as { ok: boolean }).ok !== true) {
      this.badVerifies.push(res.body.slice(0, 600));
    }
  }
}

/**
 * The orchestrator's part: a service process that exits on its own (not stopped or killed by the
 * drill) is started again after a second, and the exit is recorded.
 */
export class Supervisor {
  readonly exits: { label: string; code: number | null; signal: string | null; at: number }[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly seen = new Set<number>();

  constructor(private readonly services: readonly ServiceProcess[]) {}

  start(): void {
    this.timer = every(500, async () => {
      for (const service of this.services) {
        const exit = service.lastExit;
        if (service.running || exit === undefined || exit.expected || this.seen.has(exit.at)) {
          continue;
        }
        this.seen.add(exit.at);
        this.exits.push({
          label: service.label,
          code: exit.code,
          signal: exit.signal,
          at: exit.at,
        });
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        if (!service.running) service.spawn();
      }
    });
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/** Runs `task` every `ms`, never two at a time, ignoring its failures (they are observations). */
function every(ms: number, task: () => Promise<void>): NodeJS.Timeout {
  let busy = false;
  return setInterval(() => {
    if (busy) return;
    busy = true;
    task()
      .catch(() => undefined)
      .finally(() => {
        busy = false;
      });
  }, ms);
}

async function get(
  url: string,
  timeoutMs: number,
  headers: ReaderHeaders | Record<string, never> = {},
): Promise<{ status: number | undefined; body: string }> {
  try {
    const res = await fetch(url, { headers, signal: AbortSignal.timeout(timeoutMs) });
    return { status: res.status, body: await res.text() };
  } catch (error) {
    return { status: undefined, body: String(error) };
  }
}
