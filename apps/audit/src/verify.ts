import { ChainVerifier, type ChainFailure, type ChainSummary } from './core/chain.js';
import { digestSignatureValid, type Digest } from './core/digest.js';
import type { AuditStore } from './store/types.js';

export interface VerifyReport {
  readonly ok: boolean;
  readonly entries: number;
  readonly chains: readonly ChainSummary[];
  /** The first bad entry (by chain id order), with the problem. */
  readonly firstFailure: ChainFailure | null;
  /** One failure per broken chain. */
  readonly failures: readonly ChainFailure[];
  /** Present when a digest was checked. */
  readonly digest?: { readonly signatureValid: boolean; readonly createdAt: number };
  readonly durationMs: number;
}

export interface VerifyOptions {
  /** A previously exported digest to check the log against. */
  readonly digest?: Digest;
  /** Its key; without one only the chain itself is checked. */
  readonly digestKey?: string;
  readonly pageSize?: number;
  readonly onProgress?: (checked: number) => void;
}

/**
 * Recomputes every chain from its first entry: seq numbers without gaps, each hash from the
 * entry's canonical encoding and the recomputed previous hash. Also checks the ends: each chain
 * must reach the head recorded with the consumed offsets and, when given, a signed digest's heads.
 */
export async function verifyLog(
  store: AuditStore,
  options: VerifyOptions = {},
): Promise<VerifyReport> {
  const started = performance.now();
  const pageSize = options.pageSize ?? 5_000;
  // Heads first: entries only ever grow past them while we scan.
  const recorded = new Map((await store.heads()).map((h) => [h.chain, h]));
  const digestOk =
    options.digest && options.digestKey !== undefined
      ? digestSignatureValid(options.digest, options.digestKey)
      : undefined;
  const digestHeads = new Map((options.digest?.chains ?? []).map((h) => [h.chain, h]));
  const chainIds = [...new Set([...(await store.chains()), ...digestHeads.keys()])].sort();

  const summaries: ChainSummary[] = [];
  const failures: ChainFailure[] = [];
  let checked = 0;
  for (const chain of chainIds) {
    const verifier = new ChainVerifier(chain);
    const fromDigest = digestHeads.get(chain);
    let digestHashSeen: string | undefined;
    let after = 0;
    for (;;) {
      const page = await store.scanChain(chain, after, pageSize);
      let going = true;
      for (const entry of page) {
        going = verifier.push(entry);
        if (!going) break;
        if (fromDigest && entry.seq === fromDigest.seq) digestHashSeen = entry.hash;
      }
      checked += page.length;
      options.onProgress?.(checked);
      if (!going || page.length < pageSize) break;
      after = page[page.length - 1]?.seq ?? after;
    }
    const head = recorded.get(chain);
    if (head) verifier.expectAtLeast(head.seq, head.hash);
    if (fromDigest) {
      verifier.expectAtLeast(fromDigest.seq);
      const result = verifier.result();
      if (result.ok && digestHashSeen !== fromDigest.hash) {
        failures.push({
          chain,
          seq: fromDigest.seq,
          problem: 'BROKEN_LINK',
          detail: `entry ${fromDigest.seq} hashes to ${digestHashSeen ?? 'nothing'}, the signed digest says ${fromDigest.hash}`,
        });
        continue;
      }
    }
    const result = verifier.result();
    if (result.ok) summaries.push(result.summary);
    else failures.push(result.failure);
  }
  return {
    ok: failures.length === 0 && digestOk !== false,
    entries: summaries.reduce((sum, s) => sum + s.count, 0),
    chains: summaries,
    firstFailure: failures[0] ?? null,
    failures,
    ...(options.digest && digestOk !== undefined
      ? { digest: { signatureValid: digestOk, createdAt: options.digest.createdAt } }
      : {}),
    durationMs: Math.round(performance.now() - started),
  };
}
