// The faults of the drill, each an inject step, a hold and a heal step, driven through
// infra/local/faults.sh (the stack) or the service processes themselves.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { ServiceProcess } from '../services.js';

const run = promisify(execFile);
const faultsScript = fileURLToPath(new URL('../../../../infra/local/faults.sh', import.meta.url));

/** Runs one command of infra/local/faults.sh; its stdout, trimmed. */
export async function stackFault(...args: string[]): Promise<string> {
  try {
    const { stdout } = await run('bash', [faultsScript, ...args], { timeout: 240_000 });
    return stdout.trim();
  } catch (error) {
    const { stderr = '' } = error as { stderr?: string };
    throw new Error(
      `faults.sh ${args.join(' ')} failed: ${String(error)}\n${stderr.slice(-2_000)}`,
    );
  }
}

export interface FaultServices {
  readonly intakes: readonly ServiceProcess[];
  readonly projector: ServiceProcess;
  readonly audit: ServiceProcess;
}

export interface FaultContext {
  readonly services: FaultServices;
  /** The drill's topics (events, commands, outcomes). */
  readonly topics: readonly string[];
  /** How long the fault lasts before it is healed (ms; 0 for a process kill). */
  readonly holdMs: number;
  readonly note: (line: string) => void;
}

/** When the fault began, and when its heal step began and ended (the part is back). */
export interface FaultTimes {
  readonly injectedAt: number;
  readonly healStartedAt: number;
  readonly healedAt: number;
}

export interface Fault {
  readonly name: string;
  readonly what: (holdMs: number) => string;
  run(ctx: FaultContext): Promise<FaultTimes>;
}

const hold = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** inject, hold, heal; the times of each step. */
async function timed(
  ctx: FaultContext,
  inject: () => Promise<unknown>,
  heal: () => Promise<unknown>,
): Promise<FaultTimes> {
  const injectedAt = Date.now();
  await inject();
  await hold(ctx.holdMs);
  const healStartedAt = Date.now();
  await heal();
  return { injectedAt, healStartedAt, healedAt: Date.now() };
}

/** The node that leads the most partitions of the drill's topics right now. */
async function busiestBroker(ctx: FaultContext): Promise<string> {
  const node = await stackFault('broker-leader', ...ctx.topics);
  ctx.note(`broker ${node} leads the most partitions of ${ctx.topics.join(', ')}`);
  return node;
}

function killService(name: string, pick: (s: FaultServices) => ServiceProcess): Fault {
  return {
    name,
    what: () =>
      `kill -9 of ${name.replace('kill-', '')}, started again at once (as an orchestrator would)`,
    run: (ctx) => {
      const service = pick(ctx.services);
      return timed(
        ctx,
        () => service.kill(),
        async () => {
          service.spawn();
        },
      );
    },
  };
}

/** A fault on the busiest broker: `inject N` now, `heal N` after the hold. */
function brokerFault(name: string, what: Fault['what'], inject: string, heal: string): Fault {
  return {
    name,
    what,
    run: async (ctx) => {
      const node = await busiestBroker(ctx);
      return timed(
        ctx,
        () => stackFault(inject, node),
        () => stackFault(heal, node),
      );
    },
  };
}

/** A part of the stack stopped for the hold, then started. */
function outage(name: string, what: Fault['what'], stop: string, start: string): Fault {
  return {
    name,
    what,
    run: (ctx) =>
      timed(
        ctx,
        () => stackFault(stop),
        () => stackFault(start),
      ),
  };
}

export const FAULTS: readonly Fault[] = [
  brokerFault(
    'broker-kill',
    (ms) => `kill -9 of the broker leading the most partitions, restarted after ${ms / 1000} s`,
    'broker-kill',
    'broker-start',
  ),
  brokerFault(
    'broker-pause',
    (ms) => `SIGSTOP of the broker leading the most partitions for ${ms / 1000} s, then SIGCONT`,
    'broker-pause',
    'broker-resume',
  ),
  outage(
    'cluster-restart',
    (ms) => `all brokers down (SIGTERM) for ${ms / 1000} s, then up`,
    'cluster-stop',
    'cluster-start',
  ),
  outage(
    'registry-stop',
    (ms) => `schema registry stopped for ${ms / 1000} s`,
    'registry-stop',
    'registry-start',
  ),
  outage(
    'postgres-stop',
    (ms) =>
      `PostgreSQL stopped for ${ms / 1000} s (the projector's and audit's stores, the registry's storage)`,
    'postgres-stop',
    'postgres-start',
  ),
  killService('kill-intake', (s) => s.intakes[0]!),
  killService('kill-projector', (s) => s.projector),
  killService('kill-audit', (s) => s.audit),
];

/** How long each fault lasts, per profile (ms). */
export const PROFILES: Record<
  string,
  { readonly faults: readonly string[]; readonly holdMs: Record<string, number> }
> = {
  full: {
    faults: FAULTS.map((f) => f.name),
    holdMs: {
      'broker-kill': 20_000,
      'broker-pause': 30_000,
      'cluster-restart': 20_000,
      'registry-stop': 30_000,
      'postgres-stop': 30_000,
    },
  },
  short: {
    faults: FAULTS.map((f) => f.name),
    holdMs: {
      'broker-kill': 10_000,
      // Longer than the brokers' session (9 s): the paused broker is fenced and leadership moves.
      'broker-pause': 15_000,
      'cluster-restart': 5_000,
      'registry-stop': 10_000,
      'postgres-stop': 10_000,
    },
  },
};
