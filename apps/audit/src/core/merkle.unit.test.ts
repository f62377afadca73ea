import { describe, expect, it } from 'vitest';
import {
  EMPTY_ROOT,
  inclusionPath,
  InclusionPathBuilder,
  leafHash,
  merkleRoot,
  MerkleRootBuilder,
  rootFromPath,
  verifyInclusion,
} from './merkle.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const unhex = (h: string) => Buffer.from(h, 'hex');

// The reference inputs and tree heads used by certificate-transparency implementations.
const CT_INPUTS = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
].map(unhex);
const CT_ROOTS = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
const CT_LEAVES = CT_INPUTS.map(leafHash);

describe('Merkle tree (RFC 6962)', () => {
  it('gives the reference roots for 0..8 leaves, recursively and streaming', () => {
    expect(hex(EMPTY_ROOT)).toBe(CT_ROOTS[0]);
    for (let n = 0; n <= 8; n++) {
      expect(hex(merkleRoot(CT_LEAVES.slice(0, n))), `size ${n}`).toBe(CT_ROOTS[n]);
      const builder = new MerkleRootBuilder();
      for (const leaf of CT_LEAVES.slice(0, n)) builder.push(leaf);
      expect(hex(builder.root()), `builder size ${n}`).toBe(CT_ROOTS[n]);
    }
  });

  it('gives the reference inclusion paths', () => {
    expect(inclusionPath(CT_LEAVES, 0).map(hex)).toEqual([
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ]);
    expect(inclusionPath(CT_LEAVES, 5).map(hex)).toEqual([
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ]);
  });

  it('verifies every leaf of every tree up to 70 leaves, and nothing else', () => {
    const leaves = Array.from({ length: 70 }, (_, i) => leafHash(Buffer.from([i, i * 3])));
    for (let size = 1; size <= leaves.length; size++) {
      const tree = leaves.slice(0, size);
      const root = merkleRoot(tree);
      const builder = new MerkleRootBuilder();
      for (const leaf of tree) builder.push(leaf);
      expect(builder.root().equals(root)).toBe(true);
      for (let index = 0; index < size; index++) {
        const path = inclusionPath(tree, index);
        // The streaming builder gives the same path without holding the leaves.
        const streamed = new InclusionPathBuilder(index, size);
        for (const leaf of tree) streamed.push(leaf);
        expect(streamed.path().map(hex)).toEqual(path.map(hex));
        expect(verifyInclusion(tree[index]!, index, size, path, root)).toBe(true);
        // Another leaf, another position, another root, a changed sibling: all refused.
        expect(verifyInclusion(leafHash(Buffer.from('x')), index, size, path, root)).toBe(false);
        if (size > 1) {
          expect(verifyInclusion(tree[index]!, (index + 1) % size, size, path, root)).toBe(false);
          // (The size itself is bound by the signed digest, which signs it with the root.)
          expect(
            verifyInclusion(tree[index]!, index, size, path, merkleRoot(leaves.slice(0, size - 1))),
          ).toBe(false);
          const bent = path.map((p, i) => (i === 0 ? leafHash(p) : p));
          expect(verifyInclusion(tree[index]!, index, size, bent, root)).toBe(false);
        }
      }
    }
  });

  it('refuses indexes outside the tree and paths of the wrong length', () => {
    expect(rootFromPath(CT_LEAVES[0]!, 8, 8, [])).toBeUndefined();
    expect(rootFromPath(CT_LEAVES[0]!, -1, 8, [])).toBeUndefined();
    expect(rootFromPath(CT_LEAVES[0]!, 0, 8, inclusionPath(CT_LEAVES, 0).slice(1))).toBeUndefined();
    expect(() => inclusionPath(CT_LEAVES, 8)).toThrow(RangeError);
    expect(() => new InclusionPathBuilder(8, 8)).toThrow(RangeError);
    const short = new InclusionPathBuilder(0, 8);
    short.push(CT_LEAVES[0]!);
    expect(() => short.path()).toThrow(/8 leaves, 1 were pushed/);
  });
});
