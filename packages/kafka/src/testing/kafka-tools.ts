import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Kafka's own performance tools (ConsumerPerformance, EndToEndLatency, ...) from the jars the local
 * stack already installed: the ceiling the benchmarks print beside their own figures.
 */

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));

/** Where `infra/local/kafka.sh install` put the jars (TALLY_INSTALL_DIR, else `.local`). */
export function kafkaLibsDir(): string {
  return join(process.env['TALLY_INSTALL_DIR'] ?? join(repoRoot, '.local'), 'kafka', 'libs');
}

/** Runs a Kafka tool's main class; resolves with its stdout. Rejects after `timeoutMs`. */
export function runKafkaTool(
  mainClass: string,
  args: readonly string[],
  timeoutMs = 300_000,
): Promise<string> {
  const libs = kafkaLibsDir();
  if (!existsSync(libs)) {
    return Promise.reject(new Error(`no Kafka jars in ${libs}: run pnpm stack:up first`));
  }
  const java = process.env['JAVA_HOME'] ? join(process.env['JAVA_HOME'], 'bin', 'java') : 'java';
  const log4j = join(repoRoot, 'infra', 'local', 'kafka', 'log4j2-tools.yaml');
  return new Promise((resolve, reject) => {
    execFile(
      java,
      ['-Xmx512m', `-Dlog4j2.configurationFile=${log4j}`, '-cp', `${libs}/*`, mainClass, ...args],
      { timeout: timeoutMs, maxBuffer: 16 << 20 },
      (error, stdout, stderr) =>
        error
          ? reject(new Error(`${mainClass} failed: ${error.message}\n${stderr}`))
          : resolve(stdout),
    );
  });
}

/** ConsumerPerformance over `messages` records of the topic: records/s overall and while fetching. */
export async function consumerPerformance(
  brokers: string,
  topic: string,
  messages: number,
): Promise<{ recordsPerSecond: number; fetchRecordsPerSecond: number }> {
  const out = await runKafkaTool('org.apache.kafka.tools.ConsumerPerformance', [
    '--bootstrap-server',
    brokers,
    '--topic',
    topic,
    '--num-records',
    String(messages),
    '--group',
    `bench-java-${Date.now()}`,
    '--timeout',
    '60000',
  ]);
  // start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec,
  // rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec
  const line = out.trim().split('\n').at(-1) ?? '';
  const fields = line.split(',').map((f) => f.trim());
  return { recordsPerSecond: Number(fields[5]), fetchRecordsPerSecond: Number(fields[9]) };
}

/**
 * ProducerPerformance: `records` records of `size` bytes as fast as the broker takes them (acks=all,
 * idempotent as Kafka's producer is by default), into an existing topic; resolves with records/s
 * and the tool's send latencies in ms.
 */
export async function producerPerformance(
  brokers: string,
  topic: string,
  records: number,
  size = 200,
): Promise<{ recordsPerSecond: number; p50: number; p99: number }> {
  const out = await runKafkaTool('org.apache.kafka.tools.ProducerPerformance', [
    '--topic',
    topic,
    '--num-records',
    String(records),
    '--record-size',
    String(size),
    '--throughput',
    '-1',
    '--producer-props',
    `bootstrap.servers=${brokers}`,
    'acks=all',
  ]);
  // The last line: "N records sent, R records/sec (M MB/sec), A ms avg latency, …, P ms 50th, …".
  const summary = out.trim().split('\n').at(-1) ?? '';
  const number = (pattern: RegExp) => Number(pattern.exec(summary)?.[1] ?? NaN);
  return {
    recordsPerSecond: number(/([\d.]+) records\/sec/),
    p50: number(/([\d.]+) ms 50th/),
    p99: number(/([\d.]+) ms 99th/),
  };
}

/**
 * EndToEndLatency: produces `messages` records one at a time (acks=all) and consumes each before
 * the next; resolves with the tool's percentiles in ms. The topic is created by the tool.
 */
export async function endToEndLatency(
  brokers: string,
  topic: string,
  messages: number,
  size = 200,
): Promise<{ avg: number; p50: number; p99: number; p999: number }> {
  // Positional: bootstrap-server topic num-records producer-acks record-size.
  const out = await runKafkaTool('org.apache.kafka.tools.EndToEndLatency', [
    brokers,
    topic,
    String(messages),
    'all',
    String(size),
  ]);
  const number = (pattern: RegExp) => Number(pattern.exec(out)?.[1] ?? NaN);
  return {
    avg: number(/Avg latency: ([\d.]+)/),
    p50: number(/Percentiles: 50th = ([\d.]+)/),
    p99: number(/99th = ([\d.]+)/),
    p999: number(/99\.9th = ([\d.]+)/),
  };
}

/** CPU ms a process used so far (user + system, from /proc), or NaN when it is gone. */
export function processCpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    // utime and stime are fields 14 and 15 of stat, in clock ticks (100 per second on Linux).
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return NaN;
  }
}

/** Resident memory of a process now and at its peak (VmRSS, VmHWM), in bytes; NaN when gone. */
export function processRss(pid: number): { rss: number; peak: number } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name: string) =>
      Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(status)?.[1]) * 1024;
    return { rss: kb('VmRSS'), peak: kb('VmHWM') };
  } catch {
    return { rss: NaN, peak: NaN };
  }
}
