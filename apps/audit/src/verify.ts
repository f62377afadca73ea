import type { KeyObject } from 'node:crypto';
import { availableParallelism } from 'node:os';
import {
  ChainVerifier,
  type ChainFailure,
  type ChainHead,
  type ChainSummary,
} from './core/chain.js';
import {
  DigestChecker,
  verifyDigestSignature,
  type DigestFailure,
  type DigestProblem,
  type SignedDigest,
} from './core/signed-digest.js';
import type { AuditStore } from './store/types.js';
import { verifyChainsInWorkers } from './verify-workers.js';

export interface DigestCheckReport {
  readonly sequence: number;
  readonly keyId: string;
  readonly createdAt: number;
  /** The signature verified with the public key given. */
  readonly signatureValid: boolean;
  readonly signatureProblems: readonly DigestProblem[];
  /** What of the log no longer matches the digest: cut, rewritten, offsets moved, root. */
  readonly failures: readonly DigestFailure[];
}

export interface VerifyReport {
  readonly ok: boolean;
  readonly entries: number;
  readonly chains: readonly ChainSummary[];
  /** The first bad entry (by chain id order), with the problem. */
  readonly firstFailure: ChainFailure | null;
  /** One failure per broken chain. */
  readonly failures: readonly ChainFailure[];
  /** Present when a signed digest was checked. */
  readonly digest?: DigestCheckReport;
  readonly durationMs: number;
}

export interface VerifyOptions {
  /** A signed digest to check the log against, with the public key that verifies it. */
  readonly digest?: { readonly digest: SignedDigest; readonly publicKey: KeyObject };
  readonly pageSize?: number;
  readonly onProgress?: (checked: number) => void;
  /**
   * Worker threads that verify chains side by side, one chain per task. By default the cores
   * available for a log of PARALLEL_FROM entries or more, else one: starting a thread costs more
   * than a small log. One thread, a single chain, a log other threads cannot open or a signed
   * digest (whose Merkle root spans the chains in order) verify in this thread.
   */
  readonly threads?: number;
}

/** Entries from which a log is verified on several threads by default. */
export const PARALLEL_FROM = 100_000;

/** One chain's outcome: its summary, or its first bad entry. */
export type ChainResult = ReturnType<ChainVerifier['result']>;

/**
 * Verifies one chain page by page from its first entry, and its end against the head recorded
 * with the offsets. The digest check, when given, sees every entry, also past a chain failure: it
 * names its own.
 */
export async function verifyChain(
  store: Pick<AuditStore, 'scanChain'>,
  chain: string,
  recorded: ChainHead | undefined,
  pageSize: number,
  onPage: (entries: number) => void,
  checker?: DigestChecker,
): Promise<ChainResult> {
  const verifier = new ChainVerifier(chain);
  let after = 0;
  let going = true;
  for (;;) {
    const page = await store.scanChain(chain, after, pageSize);
    for (const entry of page) {
      checker?.push(entry);
      if (going) going = verifier.push(entry);
    }
    onPage(page.length);
    // Past a failure only the digest check needs the rest of the chain.
    if (page.length < pageSize || (!going && checker === undefined)) break;
    after = page[page.length - 1]?.seq ?? after;
  }
  if (recorded) verifier.expectAtLeast(recorded.seq, recorded.hash);
  return verifier.result();
}

/**
 * Recomputes every chain from its first entry: seq numbers without gaps, each hash from the
 * entry's canonical encoding and the recomputed previous hash. Also checks the ends: each chain
 * must reach the head recorded with the consumed offsets. With a signed digest: its signature,
 * and that the log still holds what it signed (heads, offsets, the period's Merkle root), which
 * catches a chain recomputed after an edit, a cut tail and offsets moved back.
 */
export async function verifyLog(
  store: AuditStore,
  options: VerifyOptions = {},
): Promise<VerifyReport> {
  const started = performance.now();
  const pageSize = options.pageSize ?? 5_000;
  // Heads first: entries only ever grow past them while we scan.
  const stored = await store.headsWithOffsets();
  const recorded = new Map(stored.map((h) => [h.chain, h]));
  const signed = options.digest?.digest;
  const checker = signed ? new DigestChecker(signed) : undefined;
  const chainIds = [
    ...new Set([...(await store.chains()), ...(signed?.heads ?? []).map((h) => h.chain)]),
  ].sort();

  let checked = 0;
  const onPage = (entries: number) => {
    checked += entries;
    options.onProgress?.(checked);
  };
  const threads = Math.min(
    options.threads ??
      ((await store.counts()).entries >= PARALLEL_FROM ? availableParallelism() : 1),
    chainIds.length,
  );
  const location = store.readOnlyLocation();
  const results =
    checker === undefined && threads > 1 && location !== undefined
      ? await verifyChainsInWorkers(location, chainIds, recorded, { pageSize, threads, onPage })
      : new Map<string, ChainResult>();
  const summaries: ChainSummary[] = [];
  const failures: ChainFailure[] = [];
  for (const chain of chainIds) {
    const result =
      results.get(chain) ??
      (await verifyChain(store, chain, recorded.get(chain), pageSize, onPage, checker));
    if (result.ok) summaries.push(result.summary);
    else failures.push(result.failure);
  }
  let digest: DigestCheckReport | undefined;
  if (options.digest && checker && signed) {
    checker.checkOffsets(stored);
    const signatureProblems = verifyDigestSignature(signed, options.digest.publicKey);
    digest = {
      sequence: signed.sequence,
      keyId: signed.keyId,
      createdAt: signed.createdAt,
      signatureValid: signatureProblems.length === 0,
      signatureProblems,
      failures: checker.result().failures,
    };
  }
  return {
    ok:
      failures.length === 0 &&
      (digest === undefined || (digest.signatureValid && digest.failures.length === 0)),
    entries: summaries.reduce((sum, s) => sum + s.count, 0),
    chains: summaries,
    firstFailure: failures[0] ?? null,
    failures,
    ...(digest ? { digest } : {}),
    durationMs: Math.round(performance.now() - started),
  };
}
