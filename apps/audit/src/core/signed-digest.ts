import {
  createHash,
  createPrivateKey,
  createPublicKey,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';
import { z } from 'zod';
import { canonicalJson } from '@tally/events/canonical-json';
import { hashEntry, type ChainedEntry } from './chain.js';
import { entryLeafHash, MerkleRootBuilder } from './merkle.js';

/**
 * Signed digests: Ed25519 signatures made with a private key the audit service holds and the
 * database never sees; anyone with the public key can verify them, and nobody with only the
 * public key can forge one (unlike a shared-key HMAC, which every verifier could also forge).
 *
 * A digest closes a period: from the previous digest's heads to the current ones. It signs
 *   - every chain's head (seq and hash) and where the period started in it (`fromSeq`);
 *   - the ingest offsets: the next Kafka offset of each topic/partition, stored with the head;
 *   - the root of a Merkle tree (RFC 6962) over the period's entries, chain by chain in the
 *     order listed, each chain in seq order: an inclusion proof of one entry needs only the
 *     digest and log2(n) hashes;
 *   - its sequence number and the hash of the previous digest, so digests form a chain too.
 *
 *   signature = base64(Ed25519(private key, utf8(canonicalJson(digest without signature))))
 *   keyId     = first 16 hex digits of SHA-256(public key, DER SubjectPublicKeyInfo)
 */

export const DIGEST_FORMAT = 'tally.audit.digest/2';
export const MERKLE_SCHEME = 'RFC6962-SHA256/canonical-entry';

export interface DigestHead {
  readonly chain: string;
  readonly topic: string;
  readonly partition: number;
  /** The head seq of the previous digest (0 for the first): the period is (fromSeq, seq]. */
  readonly fromSeq: number;
  readonly seq: number;
  readonly hash: string;
  /** The partition's next Kafka offset, stored with this head (decimal string). */
  readonly nextOffset: string;
}

export interface DigestBody {
  readonly format: typeof DIGEST_FORMAT;
  readonly algorithm: 'Ed25519';
  readonly keyId: string;
  /** 1 for the first digest, then +1. */
  readonly sequence: number;
  /** SHA-256 (hex) of the previous signed digest's canonical JSON, null for the first. */
  readonly previous: string | null;
  /** Epoch ms: the period is (previous digest's createdAt, createdAt]. */
  readonly createdAt: number;
  readonly periodStart: number | null;
  /** Sorted by chain id. */
  readonly heads: readonly DigestHead[];
  /** Entries in the whole log (sum of seq) and in this period (the Merkle tree's size). */
  readonly entries: number;
  readonly merkle: {
    readonly scheme: typeof MERKLE_SCHEME;
    readonly size: number;
    readonly root: string;
  };
}

export interface SignedDigest extends DigestBody {
  readonly signature: string;
}

/** One chain's part of a period: its entries (fromSeq, seq], in the Merkle tree's order. */
export interface PeriodSlice {
  readonly chain: string;
  readonly fromSeq: number;
  readonly seq: number;
}

export class DigestKeyError extends Error {
  readonly code = 'DIGEST_KEY';
  constructor(message: string) {
    super(message);
    this.name = 'DigestKeyError';
  }
}

function ed25519(key: KeyObject, what: string): KeyObject {
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new DigestKeyError(`${what} is a ${key.asymmetricKeyType ?? key.type} key, not Ed25519`);
  }
  return key;
}

/** A PKCS#8 PEM private key; refused unless it is Ed25519. */
export function loadPrivateKey(pem: string): KeyObject {
  try {
    return ed25519(createPrivateKey(pem), 'the digest signing key');
  } catch (error) {
    if (error instanceof DigestKeyError) throw error;
    throw new DigestKeyError(`the digest signing key is not a PEM private key: ${String(error)}`);
  }
}

/** An SPKI PEM public key (or the public half of a private key); refused unless Ed25519. */
export function loadPublicKey(pem: string): KeyObject {
  try {
    return ed25519(createPublicKey(pem), 'the digest verification key');
  } catch (error) {
    if (error instanceof DigestKeyError) throw error;
    throw new DigestKeyError(
      `the digest verification key is not a PEM public key: ${String(error)}`,
    );
  }
}

export function keyIdOf(key: KeyObject): string {
  const publicKey = key.type === 'public' ? key : createPublicKey(key);
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('hex').slice(0, 16);
}

const bodyOf = (digest: DigestBody): DigestBody => ({
  format: digest.format,
  algorithm: digest.algorithm,
  keyId: digest.keyId,
  sequence: digest.sequence,
  previous: digest.previous,
  createdAt: digest.createdAt,
  periodStart: digest.periodStart,
  heads: digest.heads.map((h) => ({
    chain: h.chain,
    topic: h.topic,
    partition: h.partition,
    fromSeq: h.fromSeq,
    seq: h.seq,
    hash: h.hash,
    nextOffset: h.nextOffset,
  })),
  entries: digest.entries,
  merkle: { scheme: digest.merkle.scheme, size: digest.merkle.size, root: digest.merkle.root },
});

/** The exact bytes that are signed. */
export function digestBytes(digest: DigestBody): Buffer {
  return Buffer.from(canonicalJson(bodyOf(digest)), 'utf8');
}

/** What links the next digest to this one. */
export function digestHash(digest: SignedDigest): string {
  return createHash('sha256')
    .update(canonicalJson({ ...bodyOf(digest), signature: digest.signature }), 'utf8')
    .digest('hex');
}

/** A chain head with its stored offset, as the store records them together. */
export interface HeadWithOffset {
  readonly chain: string;
  readonly topic: string;
  readonly partition: number;
  readonly seq: number;
  readonly hash: string;
  readonly nextOffset: string;
}

/**
 * The next period: each chain from the previous digest's head to its current head, in chain
 * order. The caller reads exactly these entries and feeds them to `signEd25519Digest`.
 */
export function nextPeriod(
  heads: readonly HeadWithOffset[],
  previous: SignedDigest | undefined,
): { heads: DigestHead[]; slices: PeriodSlice[] } {
  const before = new Map((previous?.heads ?? []).map((h) => [h.chain, h.seq]));
  const sorted = [...heads]
    .filter((h) => h.seq > 0)
    .sort((a, b) => (a.chain < b.chain ? -1 : a.chain > b.chain ? 1 : 0));
  const digestHeads = sorted.map((h) => ({
    chain: h.chain,
    topic: h.topic,
    partition: h.partition,
    fromSeq: before.get(h.chain) ?? 0,
    seq: h.seq,
    hash: h.hash,
    nextOffset: h.nextOffset,
  }));
  return {
    heads: digestHeads,
    slices: digestHeads.map(({ chain, fromSeq, seq }) => ({ chain, fromSeq, seq })),
  };
}

/** Where an entry sits among a digest's leaves, or undefined when the period does not hold it. */
export function leafIndexOf(digest: DigestBody, chain: string, seq: number): number | undefined {
  let offset = 0;
  for (const head of digest.heads) {
    if (head.chain === chain) {
      return seq > head.fromSeq && seq <= head.seq ? offset + (seq - head.fromSeq - 1) : undefined;
    }
    offset += head.seq - head.fromSeq;
  }
  return undefined;
}

/**
 * The period's Merkle tree, fed the period's entries in leaf order (see `nextPeriod`) as they
 * stream from the store. Each entry is checked to be exactly the expected chain and seq, and each
 * chain's last one to carry the head's hash, so a digest never signs what the log does not hold.
 */
export class PeriodSigner {
  private readonly tree = new MerkleRootBuilder();
  private readonly expected: { chain: string; first: number; last: number; hash: string }[];
  private slice = 0;
  private seq: number;

  constructor(private readonly heads: readonly DigestHead[]) {
    this.expected = heads.flatMap((h) =>
      h.seq > h.fromSeq
        ? [{ chain: h.chain, first: h.fromSeq + 1, last: h.seq, hash: h.hash }]
        : [],
    );
    this.seq = this.expected[0]?.first ?? 0;
  }

  push(entry: ChainedEntry): void {
    const want = this.expected[this.slice];
    if (want === undefined || entry.chain !== want.chain || entry.seq !== this.seq) {
      throw new RangeError(
        `period entry ${entry.chain}#${entry.seq} is not the expected ${want ? `${want.chain}#${this.seq}` : 'end'}`,
      );
    }
    if (this.seq === want.last && entry.hash !== want.hash) {
      throw new RangeError(
        `${entry.chain}#${this.seq} has hash ${entry.hash}, the head says ${want.hash}`,
      );
    }
    this.tree.push(entryLeafHash(entry));
    if (this.seq === want.last) {
      this.slice += 1;
      this.seq = this.expected[this.slice]?.first ?? 0;
    } else {
      this.seq += 1;
    }
  }

  /** Signs once every entry of the period was pushed. */
  sign(
    input: { readonly previous: SignedDigest | undefined; readonly createdAt: number },
    privateKey: KeyObject,
  ): SignedDigest {
    if (this.slice !== this.expected.length) {
      throw new RangeError(
        `the period's entries end before ${this.expected[this.slice]?.chain}#${this.seq}`,
      );
    }
    const body: DigestBody = {
      format: DIGEST_FORMAT,
      algorithm: 'Ed25519',
      keyId: keyIdOf(privateKey),
      sequence: (input.previous?.sequence ?? 0) + 1,
      previous: input.previous ? digestHash(input.previous) : null,
      createdAt: input.createdAt,
      periodStart: input.previous?.createdAt ?? null,
      heads: this.heads,
      entries: this.heads.reduce((sum, h) => sum + h.seq, 0),
      merkle: {
        scheme: MERKLE_SCHEME,
        size: this.tree.size,
        root: this.tree.root().toString('hex'),
      },
    };
    return {
      ...bodyOf(body),
      signature: sign(null, digestBytes(body), privateKey).toString('base64'),
    };
  }
}

/** Signs the period that ends at `heads` from its entries in leaf order (`PeriodSigner`). */
export function signEd25519Digest(
  input: {
    readonly heads: readonly DigestHead[];
    readonly previous: SignedDigest | undefined;
    readonly createdAt: number;
  },
  periodEntries: Iterable<ChainedEntry>,
  privateKey: KeyObject,
): SignedDigest {
  const signer = new PeriodSigner(input.heads);
  for (const entry of periodEntries) signer.push(entry);
  return signer.sign(input, privateKey);
}

export interface DigestProblem {
  /** What does not match, as a path into the digest (`signature`, `heads[2].seq`, ...). */
  readonly at: string;
  readonly problem: string;
}

/** Checks a digest against the public key alone: format, key id, signature. */
export function verifyDigestSignature(digest: SignedDigest, publicKey: KeyObject): DigestProblem[] {
  const problems: DigestProblem[] = [];
  const keyId = keyIdOf(publicKey);
  if (digest.keyId !== keyId) {
    problems.push({
      at: 'keyId',
      problem: `signed by key ${digest.keyId}, this public key is ${keyId}`,
    });
  }
  let valid = false;
  try {
    valid = verify(null, digestBytes(digest), publicKey, Buffer.from(digest.signature, 'base64'));
  } catch {
    valid = false;
  }
  if (!valid) {
    problems.push({
      at: 'signature',
      problem: 'does not verify: the digest was changed after signing, or another key signed it',
    });
  }
  return problems;
}

/**
 * Checks that `next` continues `previous`: the next sequence number, the previous digest's hash,
 * every chain starting where it ended, heads and offsets that only move forward.
 */
export function checkDigestSuccession(previous: SignedDigest, next: SignedDigest): DigestProblem[] {
  const problems: DigestProblem[] = [];
  if (next.sequence !== previous.sequence + 1) {
    problems.push({
      at: 'sequence',
      problem: `${next.sequence} does not follow ${previous.sequence}`,
    });
  }
  if (next.previous !== digestHash(previous)) {
    problems.push({ at: 'previous', problem: `does not name digest ${previous.sequence}` });
  }
  if (next.createdAt < previous.createdAt) {
    problems.push({ at: 'createdAt', problem: 'is earlier than the previous digest' });
  }
  const nextHeads = new Map(next.heads.map((h, i) => [h.chain, { h, i }]));
  for (const before of previous.heads) {
    const found = nextHeads.get(before.chain);
    if (found === undefined) {
      problems.push({
        at: 'heads',
        problem: `chain ${before.chain} of digest ${previous.sequence} is gone`,
      });
      continue;
    }
    const { h, i } = found;
    if (h.fromSeq !== before.seq) {
      problems.push({
        at: `heads[${i}].fromSeq`,
        problem: `${h.fromSeq}, but digest ${previous.sequence} ended ${h.chain} at ${before.seq}`,
      });
    }
    if (BigInt(h.nextOffset) < BigInt(before.nextOffset)) {
      problems.push({
        at: `heads[${i}].nextOffset`,
        problem: `${h.nextOffset} moved back from ${before.nextOffset}`,
      });
    }
  }
  return problems;
}

// ---- Parsing untrusted digests (an exported file, a request body). ----

const hex64 = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits');
const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const offset = z.string().regex(/^\d{1,19}$/, 'must be a decimal Kafka offset');

const signedDigestSchema = z.strictObject({
  format: z.literal(DIGEST_FORMAT),
  algorithm: z.literal('Ed25519'),
  keyId: z.string().regex(/^[0-9a-f]{16}$/, 'must be 16 lowercase hex digits'),
  sequence: count.min(1),
  previous: hex64.nullable(),
  createdAt: count,
  periodStart: count.nullable(),
  heads: z
    .array(
      z.strictObject({
        chain: z.string().min(1).max(300),
        topic: z.string().min(1).max(249),
        partition: count,
        fromSeq: count,
        seq: count,
        hash: hex64,
        nextOffset: offset,
      }),
    )
    .max(100_000),
  entries: count,
  merkle: z.strictObject({ scheme: z.literal(MERKLE_SCHEME), size: count, root: hex64 }),
  signature: z.string().regex(/^[A-Za-z0-9+/]{86}==$/, 'must be a base64 Ed25519 signature'),
});

export type ParsedDigest =
  | { readonly ok: true; readonly digest: SignedDigest }
  | { readonly ok: false; readonly problems: readonly DigestProblem[] };

/** Reads an untrusted JSON value as a digest; every problem names where it is. */
export function parseDigest(value: unknown): ParsedDigest {
  const parsed = signedDigestSchema.safeParse(value);
  if (!parsed.success) return { ok: false, problems: issues(parsed.error) };
  const digest = parsed.data as SignedDigest;
  const problems = digest.heads.flatMap((h, i) =>
    h.fromSeq > h.seq
      ? [{ at: `heads[${i}].fromSeq`, problem: `${h.fromSeq} is above seq ${h.seq}` }]
      : [],
  );
  const size = digest.heads.reduce((sum, h) => sum + (h.seq - h.fromSeq), 0);
  if (size !== digest.merkle.size) {
    problems.push({
      at: 'merkle.size',
      problem: `${digest.merkle.size}, but the heads span ${size} entries`,
    });
  }
  return problems.length === 0 ? { ok: true, digest } : { ok: false, problems };
}

function issues(error: z.ZodError): DigestProblem[] {
  return error.issues.map((issue) => ({
    at:
      issue.path
        .map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`))
        .join('') || '(digest)',
    problem: issue.message,
  }));
}

// ---- Checking a log against a verified digest. ----

export type DigestFailureKind =
  /** The chain ends before the digest's head. */
  | 'TRUNCATED'
  /** The entry at the digest's head no longer has the signed hash: rewritten at or below it. */
  | 'HEAD_CHANGED'
  /** The period's entries no longer give the signed Merkle root. */
  | 'MERKLE_ROOT'
  /** Offsets disagree with the signed ones: moved back, or entries stored below them. */
  | 'OFFSETS_MOVED';

export interface DigestFailure {
  readonly chain: string | null;
  readonly seq: number | null;
  readonly problem: DigestFailureKind;
  readonly detail: string;
  readonly entryId?: number;
}

/**
 * Incremental check of a log against a digest whose signature was verified: feed each chain of
 * the digest in its order, entries in seq order, from `fromSeq + 1` to at least the head (one
 * more, if there is one, lets it check the offsets). Recomputes the Merkle root of the period.
 */
export class DigestChecker {
  private readonly heads: Map<string, DigestHead>;
  private readonly tree = new MerkleRootBuilder();
  private readonly seen = new Map<string, number>();
  private readonly failures: DigestFailure[] = [];

  constructor(private readonly digest: SignedDigest) {
    this.heads = new Map(digest.heads.map((h) => [h.chain, h]));
  }

  /** Entries of one chain in seq order; entries outside the digest's period are skipped. */
  push(entry: ChainedEntry & { readonly id?: number }): void {
    const head = this.heads.get(entry.chain);
    if (head === undefined || entry.seq <= head.fromSeq) return;
    const at = entry.id === undefined ? {} : { entryId: entry.id };
    const last = this.seen.get(entry.chain) ?? head.fromSeq;
    if (entry.seq !== last + 1) return; // gaps are the chain verifier's to name
    this.seen.set(entry.chain, entry.seq);
    if (entry.seq <= head.seq) {
      this.tree.push(entryLeafHash(entry));
      if (BigInt(entry.offset) >= BigInt(head.nextOffset)) {
        this.fail(
          entry.chain,
          entry.seq,
          'OFFSETS_MOVED',
          `offset ${entry.offset} is at or above the signed next offset ${head.nextOffset}`,
          at,
        );
      }
    }
    if (entry.seq === head.seq && hashEntry(entry) !== head.hash) {
      const within =
        head.fromSeq > 0
          ? ` (after entry ${head.fromSeq}, if the previous digest still verifies)`
          : '';
      this.fail(
        entry.chain,
        entry.seq,
        'HEAD_CHANGED',
        `entry ${entry.seq} hashes to ${hashEntry(entry)}, the digest signed ${head.hash}: an entry at or below it was rewritten${within}`,
        at,
      );
    }
    if (entry.seq === head.seq + 1 && BigInt(entry.offset) < BigInt(head.nextOffset)) {
      this.fail(
        entry.chain,
        entry.seq,
        'OFFSETS_MOVED',
        `entry ${entry.seq} has offset ${entry.offset}, below the signed next offset ${head.nextOffset}: a record was ingested again`,
        at,
      );
    }
  }

  /** The offsets stored now must not be below the signed ones. */
  checkOffsets(current: readonly { topic: string; partition: number; nextOffset: string }[]): void {
    const now = new Map(current.map((o) => [`${o.topic}/${o.partition}`, o.nextOffset]));
    for (const head of this.digest.heads) {
      const stored = now.get(`${head.topic}/${head.partition}`);
      if (stored === undefined || BigInt(stored) < BigInt(head.nextOffset)) {
        this.fail(
          head.chain,
          null,
          'OFFSETS_MOVED',
          `the stored next offset is ${stored ?? 'missing'}, the digest signed ${head.nextOffset}`,
        );
      }
    }
  }

  result(): { ok: boolean; failures: readonly DigestFailure[] } {
    const failures = [...this.failures];
    for (const head of this.digest.heads) {
      const reached = this.seen.get(head.chain) ?? head.fromSeq;
      if (reached < head.seq) {
        failures.push({
          chain: head.chain,
          seq: reached + 1,
          problem: 'TRUNCATED',
          detail: `the chain ends at ${reached}, the digest signed entries up to ${head.seq}`,
        });
      }
    }
    const root = this.tree.root().toString('hex');
    if (failures.length === 0 && root !== this.digest.merkle.root) {
      failures.push({
        chain: null,
        seq: null,
        problem: 'MERKLE_ROOT',
        detail: `the period's entries give root ${root}, the digest signed ${this.digest.merkle.root}`,
      });
    }
    return { ok: failures.length === 0, failures };
  }

  private fail(
    chain: string,
    seq: number | null,
    problem: DigestFailureKind,
    detail: string,
    at: { entryId?: number } = {},
  ): void {
    this.failures.push({ chain, seq, problem, detail, ...at });
  }
}
