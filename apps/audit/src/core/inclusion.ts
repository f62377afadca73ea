import type { KeyObject } from 'node:crypto';
import { z } from 'zod';
import { balanceChange, type AccountEvent } from '@tally/ledger';
import { hashEntry, type ChainedEntry } from './chain.js';
import { entryLeafHash, InclusionPathBuilder, rootFromPath } from './merkle.js';
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
 * Builds the proof of `chain#seq` from the period's entries in leaf order, as they stream from
 * the store (the same entries the digest was signed over; `signed-digest.ts` nextPeriod tells
 * which), in O(log n) memory.
 */
export class InclusionProofBuilder {
  readonly leafIndex: number;
  private readonly path: InclusionPathBuilder;
  private entry: ChainedEntry | undefined;
  private position = 0;

  constructor(
    private readonly digest: SignedDigest,
    private readonly chain: string,
    private readonly seq: number,
  ) {
    const leafIndex = leafIndexOf(digest, chain, seq);
    if (leafIndex === undefined) {
      throw new RangeError(`${chain}#${seq} is not in the period of digest ${digest.sequence}`);
    }
    this.leafIndex = leafIndex;
    this.path = new InclusionPathBuilder(leafIndex, digest.merkle.size);
  }

  push(entry: ChainedEntry): void {
    if (this.position === this.leafIndex) {
      if (entry.chain !== this.chain || entry.seq !== this.seq) {
        throw new RangeError(
          `the period's entries do not have ${this.chain}#${this.seq} at leaf ${this.leafIndex}`,
        );
      }
      this.entry = entry;
    }
    this.position += 1;
    this.path.push(entryLeafHash(entry));
  }

  proof(): InclusionProof {
    if (this.entry === undefined) {
      throw new RangeError(`${this.chain}#${this.seq} was not among the period's entries`);
    }
    return {
      format: PROOF_FORMAT,
      digestSequence: this.digest.sequence,
      merkleRoot: this.digest.merkle.root,
      treeSize: this.digest.merkle.size,
      leafIndex: this.leafIndex,
      path: this.path.path().map((h) => h.toString('hex')),
      entry: this.entry,
    };
  }
}

/** The proof of `chain#seq` from the period's entries in leaf order (`InclusionProofBuilder`). */
export function buildInclusionProof(
  digest: SignedDigest,
  periodEntries: Iterable<ChainedEntry>,
  chain: string,
  seq: number,
): InclusionProof {
  const builder = new InclusionProofBuilder(digest, chain, seq);
  for (const entry of periodEntries) builder.push(entry);
  return builder.proof();
}

/** What the statement line of an event claims: the fields a proof checks against its entry. */
export function lineClaimOf(event: AccountEvent): LineClaim {
  return {
    accountId: event.accountId,
    eventId: event.eventId,
    version: event.version,
    amount: BigInt(balanceChange(event)),
    occurredAt: event.occurredAt,
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
  const proven = lineClaimOf(event);
  const claims = (Object.keys(proven) as (keyof LineClaim)[]).map(
    (field) => [field, proven[field], line[field]] as const,
  );
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

// ---- Reading an untrusted proof (a file an auditor was given). ----

const nullableText = z.string().max(1_000_000).nullable();
const nullableInt = z
  .number()
  .int()
  .min(-Number.MAX_SAFE_INTEGER)
  .max(Number.MAX_SAFE_INTEGER)
  .nullable();
const hex64 = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits');

const proofSchema = z.strictObject({
  format: z.literal(PROOF_FORMAT),
  digestSequence: z.number().int().min(1),
  merkleRoot: hex64,
  treeSize: z.number().int().min(1),
  leafIndex: z.number().int().min(0),
  path: z.array(hex64).max(64),
  entry: z.object({
    chain: z.string().min(1).max(300),
    seq: z.number().int().min(1),
    prevHash: hex64,
    hash: hex64,
    kind: z.enum(['event', 'outcome', 'anomaly']),
    topic: z.string().min(1).max(249),
    partition: z.number().int().min(0),
    offset: z.string().regex(/^\d{1,19}$/),
    kafkaTimestamp: z.string().max(20),
    key: nullableText,
    raw: nullableText,
    payload: nullableText,
    schemaSubject: nullableText,
    schemaVersion: nullableInt,
    schemaId: nullableInt,
    accountId: nullableText,
    eventType: nullableText,
    accountVersion: nullableInt,
    amount: nullableInt,
    currency: nullableText,
    occurredAt: nullableInt,
    anomalyReason: nullableText,
    anomalyDetail: nullableText,
    recordedAt: z.number().int(),
  }),
});

/** Reads an untrusted JSON value as an inclusion proof; every problem names where it is. */
export function parseInclusionProof(
  value: unknown,
): { ok: true; proof: InclusionProof } | { ok: false; problems: DigestProblem[] } {
  const parsed = proofSchema.safeParse(value);
  if (parsed.success) {
    // Only the fields an entry has are kept: an extra one would change nothing that is hashed.
    return { ok: true, proof: parsed.data as InclusionProof };
  }
  return {
    ok: false,
    problems: parsed.error.issues.map((issue) => ({
      at: issue.path.map(String).join('.') || '(proof)',
      problem: issue.message,
    })),
  };
}
