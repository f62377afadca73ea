import type { Logger } from '@tally/service';
import type { DigestEvent, DigestSigner } from './digests.js';
import type { AuditMetrics } from './metrics.js';
import { checkAgainstLog, type WitnessCheckOptions, type WitnessReport } from './witness.js';

/**
 * The audit's evidence on a schedule: a signed digest every `digestIntervalMs`, the witness check
 * every `witnessIntervalMs`, each reported through metrics and logs. A failure is logged and
 * counted and the next run tries again; it never stops ingest.
 */

export class WitnessBusyError extends Error {
  readonly code = 'WITNESS_RUNNING';
  constructor() {
    super('a witness check is running; its report will be at GET /audit/witness/latest');
    this.name = 'WitnessBusyError';
  }
}

/** Runs the witness check one at a time, keeps the last report and sets the metrics. */
export class WitnessRunner {
  private running = false;
  private last: WitnessReport | undefined;

  constructor(
    private readonly options: WitnessCheckOptions,
    private readonly metrics?: AuditMetrics,
  ) {}

  latest(): WitnessReport | undefined {
    return this.last;
  }

  async run(): Promise<WitnessReport> {
    if (this.running) throw new WitnessBusyError();
    this.running = true;
    const started = performance.now();
    const { metrics, options } = this;
    try {
      const report = await checkAgainstLog(options);
      this.last = report;
      const result = report.ok ? 'ok' : 'difference';
      metrics?.witnessRuns.inc({ result });
      metrics?.witnessLastRun.set({ result }, Date.now() / 1_000);
      metrics?.witnessDifferences.set(
        report.partitions.filter((p) => !p.ok).length + report.unknownChains.length,
      );
      metrics?.witnessRecords.set({ state: 'matched' }, report.matched);
      metrics?.witnessRecords.set({ state: 'not_yet_ingested' }, report.notYetIngested);
      metrics?.witnessSeconds.set(report.durationMs / 1_000);
      if (report.ok) {
        options.logger?.info(
          { matched: report.matched, ms: report.durationMs },
          'witness check: the log matches the topics',
        );
      } else {
        options.logger?.error(
          { firstDifference: report.firstDifference, unknownChains: report.unknownChains },
          'witness check: the audit log differs from the Kafka topics',
        );
      }
      return report;
    } catch (error) {
      metrics?.witnessRuns.inc({ result: 'error' });
      metrics?.witnessLastRun.set({ result: 'error' }, Date.now() / 1_000);
      metrics?.witnessSeconds.set((performance.now() - started) / 1_000);
      options.logger?.error({ err: error }, 'witness check failed to run');
      throw error;
    } finally {
      this.running = false;
    }
  }
}

/** Metrics of the digest signer's events. */
export function digestMetrics(metrics: AuditMetrics): (event: DigestEvent) => void {
  return (event) => {
    if (event.type === 'signed') {
      metrics.digestsSigned.inc();
      metrics.digestLastSigned.set(event.digest.createdAt / 1_000);
      metrics.digestSequence.set(event.digest.sequence);
    } else if (event.type === 'failed') {
      metrics.digestFailures.inc({ step: event.step });
    }
  };
}

export interface EvidenceScheduleOptions {
  readonly signer?: DigestSigner | undefined;
  readonly digestIntervalMs: number;
  readonly witness?: WitnessRunner | undefined;
  readonly witnessIntervalMs: number;
  readonly logger: Logger;
}

export class EvidenceSchedule {
  private readonly timers: NodeJS.Timeout[] = [];
  private signing: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: EvidenceScheduleOptions) {}

  start(): void {
    const { signer, witness, digestIntervalMs, witnessIntervalMs, logger } = this.options;
    if (signer && digestIntervalMs > 0) {
      this.every(digestIntervalMs, () => {
        this.signing = signer.sign().catch((error: unknown) => {
          logger.error({ err: error }, 'signing a digest failed; the next run tries again');
        });
      });
    }
    if (witness && witnessIntervalMs > 0) {
      this.every(witnessIntervalMs, () => {
        witness.run().catch(() => undefined /* logged and counted by the runner */);
      });
    }
  }

  private every(ms: number, run: () => void): void {
    const timer = setInterval(run, ms);
    timer.unref();
    this.timers.push(timer);
  }

  /**
   * Stops the timers and lets a digest being signed finish. A witness check still running is
   * not waited for: it ends with an error once the store closes, and reports nothing.
   */
  async stop(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    await this.signing;
  }
}
