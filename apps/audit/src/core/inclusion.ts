import type { KeyObject } from 'node:crypto';
import { balanceChange, type AccountEvent } from '@tally/ledger';
import { hashEntry, type ChainedEntry } from './chain.js';
import { entryLeafHash, inclusionPath, rootFromPath } from './merkle.js';
import {
  leafIndexOf,
  verifyDigestSignature,
  type DigestProblem,
  type SignedDigest,
} from './signed-digest.js';

/**
 * Inclusion proofs: one audit entry proven against a signed digest without the rest of the log.
 * The proof carries the entry itself (every hashed field), its place among the period's leaves
 * and the sibling hashes up to the Merkle root; the verifier needs only the proof, the digest and
 * the public key. Given a statement line, it also checks that the entry says what the line says.
 */

export const PROOF_FORMAT = 'tally.audit.inclusion/1';

export interface InclusionProof {
  readonly format: typeof PROOF_FORMAT;
  readonly digestSequence: number;
  readonly merkleRoot: string;
  readonly treeSize: number;
  readonly leafIndex: number;
  /** Sibling hashes, leaf level first (hex). */
  readonly path: readonly string[];
  readonly entry: ChainedEntry;
}

/** What a statement line claims about its entry. */
export interface LineClaim {
  readonly accountId: string;
  readonly eventId: string;
  readonly version: number;
  /** Signed minor units, as on the statement. */
  readonly amount: bigint;
  readonly occurredAt: number;
}

/**
 * Builds the proof of `chain#seq` from the period's entries in leaf order (the same entries the
 * digest was signed over; `signed-digest.ts` nextPeriod tells which).
 */
export function buildInclusionProof(
  digest: SignedDigest,
  periodEntries: readonly ChainedEntry[],
  chain: string,
  seq: number,
): InclusionProof {
  const leafIndex = leafIndexOf(digest, chain, seq);
  if (leafIndex === undefined) {
    throw new RangeError(`${chain}#${seq} is not in the period of digest ${digest.sequence}`);
  }
  const entry = periodEntries[leafIndex];
  if (entry === undefined || entry.chain !== chain || entry.seq !== seq) {
    throw new RangeError(`the period's entries do not have ${chain}#${seq} at leaf ${leafIndex}`);
  }
  const leaves = periodEntries.map(entryLeafHash);
  return {
    format: PROOF_FORMAT,
    digestSequence: digest.sequence,
    merkleRoot: digest.merkle.root,
    treeSize: digest.merkle.size,
    leafIndex,
    path: inclusionPath(leaves, leafIndex).map((h) => h.toString('hex')),
    entry,
  };
}

function lineProblems(entry: ChainedEntry, line: LineClaim): DigestProblem[] {
  let event: AccountEvent;
  try {
    event = JSON.parse(entry.payload ?? 'null') as AccountEvent;
  } catch {
    return [{ at: 'entry.payload', problem: 'is not JSON' }];
  }
  if (event === null || typeof event !== 'object') {
    return [{ at: 'entry.payload', problem: 'holds no event' }];
  }
  const claims: [string, unknown, unknown][] = [
    ['accountId', event.accountId, line.accountId],
    ['eventId', event.eventId, line.eventId],
    ['version', event.version, line.version],
    ['amount', BigInt(balanceChange(event)), line.amount],
    ['occurredAt', event.occurredAt, line.occurredAt],
  ];
  return claims
    .filter(([, proven, claimed]) => proven !== claimed)
    .map(([field, proven, claimed]) => ({
      at: `line.${field}`,
      problem: `the statement says ${String(claimed)}, the proven entry says ${String(proven)}`,
    }));
}

/**
 * Verifies a proof with only the digest and the public key; every problem is named. With a
 * statement line, also checks the line against the proven entry.
 */
export function verifyInclusionProof(
  proof: InclusionProof,
  digest: SignedDigest,
  publicKey: KeyObject,
  line?: LineClaim,
): { ok: boolean; problems: DigestProblem[] } {
  const problems = verifyDigestSignature(digest, publicKey);
  if (proof.digestSequence !== digest.sequence || proof.merkleRoot !== digest.merkle.root) {
    problems.push({
      at: 'proof.digestSequence',
      problem: `the proof is for digest ${proof.digestSequence}, not ${digest.sequence}`,
    });
  }
  if (proof.treeSize !== digest.merkle.size) {
    problems.push({
      at: 'proof.treeSize',
      problem: `${proof.treeSize}, the digest signed ${digest.merkle.size}`,
    });
  }
  const { entry } = proof;
  const expectedIndex = leafIndexOf(digest, entry.chain, entry.seq);
  if (expectedIndex !== proof.leafIndex) {
    problems.push({
      at: 'proof.leafIndex',
      problem:
        expectedIndex === undefined
          ? `${entry.chain}#${entry.seq} is outside the digest's period`
          : `${proof.leafIndex}, but ${entry.chain}#${entry.seq} is leaf ${expectedIndex}`,
    });
  }
  if (hashEntry(entry) !== entry.hash) {
    problems.push({
      at: 'entry',
      problem: `its content hashes to ${hashEntry(entry)}, not its hash ${entry.hash}`,
    });
  }
  const path = proof.path.map((h) => Buffer.from(h, 'hex'));
  const root = rootFromPath(entryLeafHash(entry), proof.leafIndex, digest.merkle.size, path);
  if (root === undefined || root.toString('hex') !== digest.merkle.root) {
    problems.push({
      at: 'proof.path',
      problem: `leads to ${root?.toString('hex') ?? 'no root'}, the digest signed ${digest.merkle.root}`,
    });
  }
  if (line) problems.push(...lineProblems(entry, line));
  return { ok: problems.length === 0, problems };
}
