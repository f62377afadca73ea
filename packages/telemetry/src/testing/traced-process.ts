import { spawn } from 'node:child_process';

export type LogLine = Readonly<Record<string, unknown>>;

export interface TracedProcess {
  /** Every JSON line the process wrote to stdout so far. */
  readonly lines: readonly LogLine[];
  /** Resolves with the first line that matches, waiting for it (rejects if the process exits). */
  waitForLine(matches: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** SIGTERM, and the exit code; SIGKILL when it has not exited after `killAfterMs`. */
  stop(killAfterMs?: number): Promise<number | null>;
}

/**
 * The node arguments that run a TypeScript entry of the workspace as a deployed service runs its
 * build: the tsx loader, the workspace's source condition, and the tracing bootstrap first
 * (`--import @tally/telemetry/register`, resolved from the process' working directory).
 */
export function serviceNodeArgs(entry: string): string[] {
  return [
    '--import',
    'tsx',
    '--conditions=@tally/source',
    '--import',
    '@tally/telemetry/register',
    entry,
  ];
}

/**
 * Runs a TypeScript entry as a service runs it with tracing (`serviceNodeArgs`). The environment
 * is the test's without any OTEL_* variable, plus `env`; stdout is parsed as JSON lines.
 */
export function startTracedProcess(
  entry: string,
  options: { readonly cwd: string; readonly env: Readonly<Record<string, string>> },
): TracedProcess {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('OTEL_')),
  );
  const child = spawn(process.execPath, serviceNodeArgs(entry), {
    cwd: options.cwd,
    env: { ...inherited, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: LogLine[] = [];
  let partial = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    const parts = (partial + chunk.toString()).split('\n');
    partial = parts.pop() ?? '';
    for (const part of parts) if (part.trim() !== '') lines.push(JSON.parse(part) as LogLine);
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));

  return {
    lines,
    async waitForLine(matches, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = lines.find(matches);
        if (found !== undefined) return found;
        if (child.exitCode !== null)
          throw new Error(`${entry} exited (${child.exitCode}): ${stderr}`);
        if (Date.now() > deadline) throw new Error(`no matching line from ${entry}: ${stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
    async stop(killAfterMs = 15_000) {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
