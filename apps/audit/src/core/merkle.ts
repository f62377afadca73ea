import { createHash } from 'node:crypto';
import { canonicalEntry, type ChainedEntry } from './chain.js';

/**
 * Merkle trees as certificate-transparency logs build them (RFC 6962 section 2.1, RFC 9162
 * section 2.1): SHA-256, leaves and inner nodes hashed with different prefixes so a leaf can never
 * pass for a node, and an unbalanced tree split at the largest power of two. A signed digest
 * carries the root of the tree over its period's entries; an inclusion proof of one entry is the
 * list of sibling hashes from its leaf up to that root (about log2(n) hashes).
 *
 *   leaf  = SHA-256(0x00 || canonical entry bytes)
 *   node  = SHA-256(0x01 || left || right)
 *   empty = SHA-256("")
 */

const LEAF = Buffer.from([0]);
const NODE = Buffer.from([1]);

export const EMPTY_ROOT: Buffer = createHash('sha256').digest();

export function leafHash(data: Uint8Array): Buffer {
  return createHash('sha256').update(LEAF).update(data).digest();
}

export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  return createHash('sha256').update(NODE).update(left).update(right).digest();
}

/** The leaf of an audit entry: its canonical bytes, the same bytes its chain hash covers. */
export function entryLeafHash(entry: Omit<ChainedEntry, 'hash'>): Buffer {
  return createHash('sha256').update(LEAF).update(canonicalEntry(entry), 'utf8').digest();
}

/** Largest power of two strictly below n (n >= 2). */
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** The root over leaf hashes, recursively as RFC 6962 defines it (the reference for the builder). */
export function merkleRoot(leaves: readonly Uint8Array[]): Buffer {
  return rangeRoot(leaves, 0, leaves.length);
}

/** MTH(D[start:end]) without copying the leaves. */
function rangeRoot(leaves: readonly Uint8Array[], start: number, end: number): Buffer {
  const n = end - start;
  if (n === 0) return EMPTY_ROOT;
  if (n === 1) return Buffer.from(leaves[start] as Uint8Array);
  const k = split(n);
  return nodeHash(rangeRoot(leaves, start, start + k), rangeRoot(leaves, start + k, end));
}

/**
 * The same root computed while leaves stream by, in O(log n) memory: a stack of the complete
 * subtrees so far (one per bit of the count), merged when two have the same size.
 */
export class MerkleRootBuilder {
  private readonly stack: { size: number; hash: Buffer }[] = [];
  private count = 0;

  push(leaf: Buffer): void {
    let node = { size: 1, hash: leaf };
    for (
      let top = this.stack.at(-1);
      top !== undefined && top.size === node.size;
      top = this.stack.at(-1)
    ) {
      this.stack.pop();
      node = { size: top.size * 2, hash: nodeHash(top.hash, node.hash) };
    }
    this.stack.push(node);
    this.count += 1;
  }

  get size(): number {
    return this.count;
  }

  root(): Buffer {
    if (this.stack.length === 0) return EMPTY_ROOT;
    let hash = (this.stack.at(-1) as { hash: Buffer }).hash;
    for (let i = this.stack.length - 2; i >= 0; i--) {
      hash = nodeHash((this.stack[i] as { hash: Buffer }).hash, hash);
    }
    return hash;
  }
}

/**
 * The audit path of leaf `index` (RFC 6962 PATH(m, D[n])), leaf level first. Each level's sibling
 * is the root of the other half, so building a path hashes each leaf about once: O(n).
 */
export function inclusionPath(leaves: readonly Uint8Array[], index: number): Buffer[] {
  if (!Number.isSafeInteger(index) || index < 0 || index >= leaves.length) {
    throw new RangeError(`leaf ${index} is not in a tree of ${leaves.length}`);
  }
  const path: Buffer[] = [];
  let start = 0;
  let end = leaves.length;
  // Walk down from the root, then return the siblings leaf level first.
  while (end - start > 1) {
    const k = split(end - start);
    if (index < start + k) {
      path.push(rangeRoot(leaves, start + k, end));
      end = start + k;
    } else {
      path.push(rangeRoot(leaves, start, start + k));
      start += k;
    }
  }
  return path.reverse();
}

/**
 * The same path while the leaves stream by, in O(log n) memory: the path's siblings are the roots
 * of disjoint ranges of leaves (computed up front from index and size), each built with its own
 * stack as its leaves pass. Proves a leaf of a period of millions of entries without holding them.
 */
export class InclusionPathBuilder {
  /** The sibling ranges in leaf order, each with the level it has in the path. */
  private readonly ranges: { start: number; end: number; level: number }[] = [];
  private readonly roots: Buffer[] = [];
  private current = 0;
  private builder = new MerkleRootBuilder();
  private seen = 0;

  constructor(
    readonly index: number,
    readonly size: number,
  ) {
    if (!Number.isSafeInteger(index) || index < 0 || index >= size) {
      throw new RangeError(`leaf ${index} is not in a tree of ${size}`);
    }
    let start = 0;
    let end = size;
    const topDown: { start: number; end: number }[] = [];
    while (end - start > 1) {
      const k = split(end - start);
      if (index < start + k) {
        topDown.push({ start: start + k, end });
        end = start + k;
      } else {
        topDown.push({ start, end: start + k });
        start += k;
      }
    }
    // The path lists siblings leaf level first: the last range found is level 0.
    topDown.forEach((range, i) => this.ranges.push({ ...range, level: topDown.length - 1 - i }));
    this.ranges.sort((a, b) => a.start - b.start);
  }

  push(leaf: Buffer): void {
    const i = this.seen;
    this.seen += 1;
    const range = this.ranges[this.current];
    if (range === undefined || i < range.start) return; // the proven leaf itself
    this.builder.push(leaf);
    if (i === range.end - 1) {
      this.roots[range.level] = this.builder.root();
      this.builder = new MerkleRootBuilder();
      this.current += 1;
    }
  }

  path(): Buffer[] {
    if (this.seen !== this.size) {
      throw new RangeError(`the tree has ${this.size} leaves, ${this.seen} were pushed`);
    }
    return [...this.roots];
  }
}

/**
 * The root an audit path leads to from a leaf (RFC 9162 section 2.1.3.2), or undefined when the
 * path cannot belong to a tree of that size (too long or too short).
 */
export function rootFromPath(
  leaf: Uint8Array,
  index: number,
  size: number,
  path: readonly Uint8Array[],
): Buffer | undefined {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) {
    return undefined;
  }
  let fn = index;
  let sn = size - 1;
  let hash: Buffer = Buffer.from(leaf);
  for (const sibling of path) {
    if (sn === 0) return undefined;
    if (fn % 2 === 1 || fn === sn) {
      hash = nodeHash(sibling, hash);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      hash = nodeHash(hash, sibling);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 ? hash : undefined;
}

export function verifyInclusion(
  leaf: Uint8Array,
  index: number,
  size: number,
  path: readonly Uint8Array[],
  root: Uint8Array,
): boolean {
  const computed = rootFromPath(leaf, index, size, path);
  return computed !== undefined && computed.equals(root);
}
