// The drill's findings per fault, as a Markdown table (printed and written next to the logs) and
// as JSON.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUCKETS, type Tally } from './observe.js';

export interface FaultResult {
  readonly fault: string;
  readonly what: string;
  readonly notes: readonly string[];
  /** Requests per source that were answered between the fault's start and "all ready" again. */
  readonly during: Readonly<Record<string, Tally>>;
  /** Seconds from the heal step's end (the part is back) until every service answered /readyz 200. */
  readonly readySeconds: number | undefined;
  /** Seconds the heal step itself took (e.g. a broker's start until it is unfenced). */
  readonly healSeconds: number;
  /** Per service: seconds /readyz was not 200 between the fault's start and "all ready". */
  readonly notReadySeconds: Readonly<Record<string, number>>;
  /** Each change of a service's /readyz answer from the fault's start until all were ready again. */
  readonly readiness: readonly string[];
  /** Processes that exited on their own (the drill started them again, as an orchestrator). */
  readonly exits: readonly string[];
  /** Services the drill had to restart because they did not become ready within the bound. */
  readonly manualRestarts: readonly string[];
  readonly checked: readonly string[];
  /** New violations found after this fault (empty = passed). */
  readonly violations: readonly string[];
  readonly seconds: number;
}

/** A step of the drill that is not a fault (the baseline, the shutdown). */
export function stepResult(
  fault: string,
  what: string,
  checked: readonly string[],
  violations: readonly string[],
  notes: readonly string[] = [],
): FaultResult {
  return {
    fault,
    what,
    notes,
    during: {},
    readySeconds: 0,
    healSeconds: 0,
    notReadySeconds: {},
    readiness: [],
    exits: [],
    manualRestarts: [],
    checked,
    violations,
    seconds: 0,
  };
}

const counts = (t: Tally | undefined) =>
  t === undefined ? '-' : BUCKETS.map((b) => t.counts[b]).join(' / ');

export function markdownTable(results: readonly FaultResult[]): string {
  const head =
    `| fault | intake ${BUCKETS.join('/')} | projector probe | audit probe | heal s | ready after heal s | not ready s | exits | manual restarts | result |\n` +
    '|---|---|---|---|---|---|---|---|---|---|\n';
  const rows = results.map((r) => {
    const notReady = Object.entries(r.notReadySeconds)
      .filter(([, s]) => s > 0)
      .map(([label, s]) => `${label} ${s}`)
      .join(', ');
    const others = Object.entries(r.during)
      .flatMap(([source, t]) => Object.entries(t.others).map(([s, n]) => `${source} ${s}×${n}`))
      .join(', ');
    return (
      `| ${r.fault} | ${counts(r.during['intake'])}${others ? ` (other: ${others})` : ''} | ` +
      `${counts(r.during['projector'])} | ${counts(r.during['audit'])} | ${r.healSeconds} | ` +
      `${r.readySeconds ?? 'not ready'} | ${notReady || '-'} | ${r.exits.join(', ') || '-'} | ` +
      `${r.manualRestarts.join(', ') || '-'} | ${r.violations.length === 0 ? 'pass' : `FAIL (${r.violations.length})`} |`
    );
  });
  return head + rows.join('\n') + '\n';
}

export function violationsText(results: readonly FaultResult[]): string {
  return results
    .filter(
      (r) =>
        r.violations.length > 0 ||
        r.notes.length > 0 ||
        r.readiness.length > 0 ||
        Object.values(r.during).some((t) => Object.keys(t.samples).length > 0),
    )
    .map(
      (r) =>
        `## ${r.fault}: ${r.what}\n` +
        r.notes.map((n) => `- note: ${n}\n`).join('') +
        r.readiness.map((n) => `- readyz: ${n}\n`).join('') +
        Object.entries(r.during)
          .flatMap(([source, t]) =>
            Object.entries(t.samples).map(
              ([status, body]) => `- ${source} answered ${status}: ${body}\n`,
            ),
          )
          .join('') +
        r.violations.map((v) => `- VIOLATION: ${v}\n`).join(''),
    )
    .join('\n');
}

export function writeReport(dir: string, header: string, results: readonly FaultResult[]): string {
  const text =
    `${header}\n\nCounts: ${BUCKETS.join(' / ')} (409 = a refusal by the ledger, none = no answer).\n\n` +
    markdownTable(results) +
    '\n' +
    violationsText(results);
  writeFileSync(join(dir, 'report.md'), text);
  writeFileSync(join(dir, 'report.json'), JSON.stringify(results, null, 2));
  return text;
}
