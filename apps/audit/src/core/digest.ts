import { createHmac, timingSafeEqual } from 'node:crypto';
import { canonicalJson } from '@tally/events';
import type { ChainHead } from './chain.js';

/**
 * A signed digest: the head (seq and hash) of every chain at a moment, HMAC-SHA256 signed with a
 * key the database never sees. Exported and kept elsewhere (a ticket, a mail, another system), it
 * lets anyone with the key prove later that the log still holds those entries unchanged, which
 * also catches what the chain alone cannot: deleting or rewriting the newest entries of a chain.
 *
 *   signature = hex(HMAC-SHA256(key, utf8(canonicalJson({ algorithm, createdAt, chains, count }))))
 */
export interface Digest {
  readonly algorithm: 'HMAC-SHA256';
  /** Epoch ms. */
  readonly createdAt: number;
  /** Sorted by chain id. */
  readonly chains: readonly ChainHead[];
  /** Total entries over all chains. */
  readonly count: number;
  readonly signature: string;
}

function signable(digest: Omit<Digest, 'signature'>): string {
  return canonicalJson({
    algorithm: digest.algorithm,
    createdAt: digest.createdAt,
    chains: digest.chains.map(({ chain, seq, hash }) => ({ chain, seq, hash })),
    count: digest.count,
  });
}

export function signDigest(heads: readonly ChainHead[], createdAt: number, key: string): Digest {
  const chains = [...heads]
    .filter((h) => h.seq > 0)
    .sort((a, b) => (a.chain < b.chain ? -1 : a.chain > b.chain ? 1 : 0));
  const unsigned = {
    algorithm: 'HMAC-SHA256' as const,
    createdAt,
    chains,
    count: chains.reduce((sum, h) => sum + h.seq, 0),
  };
  const signature = createHmac('sha256', key).update(signable(unsigned), 'utf8').digest('hex');
  return { ...unsigned, signature };
}

/** True when the digest was signed with this key and not changed since. */
export function digestSignatureValid(digest: Digest, key: string): boolean {
  if (digest.algorithm !== 'HMAC-SHA256' || typeof digest.signature !== 'string') return false;
  let expected: Buffer;
  try {
    expected = createHmac('sha256', key).update(signable(digest), 'utf8').digest();
  } catch {
    return false;
  }
  const given = Buffer.from(digest.signature, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
