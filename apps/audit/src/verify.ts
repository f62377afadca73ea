import type { KeyObject } from 'node:crypto';
import { ChainVerifier, type ChainFailure, type ChainSummary } from './core/chain.js';
import {
  DigestChecker,
  verifyDigestSignature,
  type DigestFailure,
  type DigestProblem,
  type SignedDigest,
} from './core/signed-digest.js';
import type { AuditStore } from './store/types.js';

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

  const summaries: ChainSummary[] = [];
  const failures: ChainFailure[] = [];
  let checked = 0;
  for (const chain of chainIds) {
    const verifier = new ChainVerifier(chain);
    let after = 0;
    let going = true;
    for (;;) {
      const page = await store.scanChain(chain, after, pageSize);
      for (const entry of page) {
        // The digest check sees every entry, also past a chain failure: it names its own.
        checker?.push(entry);
        if (going) going = verifier.push(entry);
      }
      checked += page.length;
      options.onProgress?.(checked);
      if (page.length < pageSize) break;
      after = page[page.length - 1]?.seq ?? after;
    }
    const head = recorded.get(chain);
    if (head) verifier.expectAtLeast(head.seq, head.hash);
    const result = verifier.result();
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
