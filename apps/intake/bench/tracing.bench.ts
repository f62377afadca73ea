/**
 * `pnpm bench:tracing`: the overhead of tracing on the intake. Runs `bench:intake` (the full path:
 * HTTP -> commands topic -> processor transaction -> events and outcome read back) back to back
 * with tracing off and on, each as its own process as a service runs: off without any OTEL_*
 * variable, on with the tracing bootstrap, every request sampled, spans exported over OTLP/HTTP
 * (protobuf, the SDK's default) to a receiver in this process that takes and drops them.
 * Env: BENCH_ROUNDS (1) pairs of runs, alternating off/on; the BENCH_* of bench:intake.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serviceNodeArgs } from '@tally/telemetry/testing';

interface Figures {
  readonly accepted: number;
  readonly perSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly errors: number;
}
interface Result {
  readonly intake: Figures;
  readonly cpuMsPerCommand: number;
}

const rounds = Number(process.env['BENCH_ROUNDS'] ?? 1);
const cwd = fileURLToPath(new URL('..', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'tally-bench-tracing-'));

// The collector: accepts every export, counts requests and bytes, keeps nothing.
let exports = 0;
let bytes = 0;
const collector = createServer((req, res) => {
  req.on('data', (chunk: Buffer) => (bytes += chunk.length));
  req.on('end', () => {
    exports += 1;
    res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
  });
});
await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
const endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;

function run(tracing: boolean, round: number): Promise<Result> {
  const resultFile = join(scratch, `${tracing ? 'on' : 'off'}-${round}.json`);
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('OTEL_')),
  );
  const env: NodeJS.ProcessEnv = {
    ...inherited,
    BENCH_RESULT_FILE: resultFile,
    BENCH_INSTANCES: '1',
  };
  if (tracing) {
    env['OTEL_EXPORTER_OTLP_ENDPOINT'] = endpoint;
    env['OTEL_SERVICE_NAME'] = 'tally-intake-bench';
  }
  const entry = 'bench/intake.bench.ts';
  const args = tracing
    ? serviceNodeArgs(entry)
    : ['--import', 'tsx', '--conditions=@tally/source', entry];
  console.log(`\n#### round ${round}, tracing ${tracing ? 'ON' : 'OFF'}`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd, env, stdio: 'inherit' });
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`bench:intake exited ${code}`));
      else resolve(JSON.parse(readFileSync(resultFile, 'utf8')) as Result);
    });
  });
}

const off: Result[] = [];
const on: Result[] = [];
try {
  for (let round = 1; round <= rounds; round++) {
    off.push(await run(false, round));
    on.push(await run(true, round));
  }
} finally {
  collector.close();
  rmSync(scratch, { recursive: true, force: true });
}

const mean = (results: Result[], pick: (r: Result) => number) =>
  results.reduce((sum, r) => sum + pick(r), 0) / results.length;
const row = (title: string, results: Result[]) =>
  `${title.padEnd(12)} ${mean(results, (r) => r.intake.perSecond)
    .toFixed(0)
    .padStart(6)} accepted/s  ` +
  `p50 ${mean(results, (r) => r.intake.p50).toFixed(1)} ms  p99 ${mean(results, (r) => r.intake.p99).toFixed(1)} ms  ` +
  `cpu ${mean(results, (r) => r.cpuMsPerCommand).toFixed(3)} ms/command  ` +
  `errors ${mean(results, (r) => r.intake.errors).toFixed(0)}`;
const ratio = (pick: (r: Result) => number) => (mean(on, pick) / mean(off, pick)).toFixed(3);

console.log(`\ntracing overhead on the intake's full path (${rounds} round(s), means)`);
console.log(row('tracing OFF', off));
console.log(row('tracing ON', on));
console.log(
  `ratio ON/OFF throughput ${ratio((r) => r.intake.perSecond)}, p50 ${ratio((r) => r.intake.p50)}, ` +
    `p99 ${ratio((r) => r.intake.p99)}, cpu per command ${ratio((r) => r.cpuMsPerCommand)}`,
);
console.log(`exported: ${exports} OTLP requests, ${(bytes / 1e6).toFixed(1)} MB of spans`);
