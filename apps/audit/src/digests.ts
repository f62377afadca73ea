import { createPublicKey, type KeyObject } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '@tally/service';
import { InclusionProofBuilder, type InclusionProof } from './core/inclusion.js';
import {
  keyIdOf,
  nextPeriod,
  PeriodSigner,
  verifyDigestSignature,
  type PeriodSlice,
  type SignedDigest,
} from './core/signed-digest.js';
import type { ChainedEntry } from './core/chain.js';
import type { AuditStore } from './store/types.js';

/**
 * The shell around signed digests: reads the heads with their offsets and the period's entries
 * from the store, signs with the private key (which the database never sees), stores the digest
 * and exports it outside the database. Also builds inclusion proofs from the same period entries.
 */

const PAGE = 2_000;

/** The entries of a digest's period in leaf order, streamed page by page. */
export async function* periodEntries(
  store: AuditStore,
  slices: readonly PeriodSlice[],
): AsyncGenerator<ChainedEntry> {
  for (const { chain, fromSeq, seq } of slices) {
    for (let after = fromSeq; after < seq;) {
      const page = await store.scanChain(chain, after, PAGE, seq);
      if (page.length === 0) return; // the chain ends early: the signer names what is missing
      for (const entry of page) yield entry;
      after = page.at(-1)?.seq ?? seq;
    }
  }
}

export const digestFileName = (sequence: number) =>
  `digest-${String(sequence).padStart(10, '0')}.json`;

export class DigestChainError extends Error {
  readonly code = 'DIGEST_CHAIN_BROKEN';
  constructor(message: string) {
    super(message);
    this.name = 'DigestChainError';
  }
}

/** Writes digests to a folder (and, when configured, PUTs them to a URL), never overwriting. */
export class DigestExporter {
  constructor(
    private readonly dir: string,
    private readonly publicKeyPem: string,
    private readonly url?: string | undefined,
    private readonly timeoutMs = 10_000,
  ) {}

  /** The folder, with `public-key.pem` beside the digests, for verifiers to pick up. */
  async export(digest: SignedDigest): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await this.writeOnce('public-key.pem', this.publicKeyPem);
    await this.writeOnce(digestFileName(digest.sequence), `${JSON.stringify(digest, null, 2)}\n`);
    if (this.url !== undefined) await this.put(digest);
  }

  /** Writes a file unless it exists with the same content; a different one is an error. */
  private async writeOnce(name: string, content: string): Promise<void> {
    const path = join(this.dir, name);
    const existing = await readFile(path, 'utf8').catch(() => undefined);
    if (existing === content) return;
    if (existing !== undefined) {
      throw new DigestChainError(
        `${path} exists with other content: an exported digest is never replaced`,
      );
    }
    const temporary = `${path}.${process.pid}.tmp`;
    await writeFile(temporary, content, { mode: 0o644 });
    await rename(temporary, path);
  }

  private async put(digest: SignedDigest): Promise<void> {
    const base = this.url?.endsWith('/') ? this.url : `${this.url}/`;
    const target = new URL(digestFileName(digest.sequence), base);
    const response = await fetch(target, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(digest),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    if (!response.ok) {
      throw new Error(`PUT ${target.origin}${target.pathname} answered ${response.status}`);
    }
  }
}

export interface DigestSignerOptions {
  readonly store: AuditStore;
  readonly privateKey: KeyObject;
  readonly exporter?: DigestExporter;
  readonly logger?: Logger;
  readonly clock?: () => number;
  /** Called after each signing, exporting or failure (metrics). */
  readonly onEvent?: (event: DigestEvent) => void;
}

export type DigestEvent =
  | { readonly type: 'signed'; readonly digest: SignedDigest; readonly ms: number }
  | { readonly type: 'exported'; readonly sequence: number }
  | { readonly type: 'failed'; readonly step: 'sign' | 'export'; readonly error: unknown };

/** Signs one digest at a time; the next one links to the stored previous one. */
export class DigestSigner {
  readonly publicKey: KeyObject;
  readonly keyId: string;
  private running: Promise<unknown> = Promise.resolve();
  /** Digests stored but not exported yet (the folder or the URL failed): retried each time. */
  private readonly unexported = new Set<number>();

  constructor(private readonly options: DigestSignerOptions) {
    this.publicKey = createPublicKey(options.privateKey);
    this.keyId = keyIdOf(this.publicKey);
  }

  /** Signs, stores and exports a digest of the log as it is now. */
  sign(): Promise<SignedDigest> {
    const next = this.running.then(() => this.signNow());
    this.running = next.catch(() => undefined);
    return next;
  }

  private async signNow(): Promise<SignedDigest> {
    const { store, privateKey } = this.options;
    const clock = this.options.clock ?? Date.now;
    const started = performance.now();
    let digest: SignedDigest;
    try {
      const previous = await store.latestSignedDigest();
      if (previous !== undefined && previous.keyId === this.keyId) {
        // The stored previous digest is what the next one vouches for: it must be ours, unchanged.
        const problems = verifyDigestSignature(previous, this.publicKey);
        if (problems.length > 0) {
          throw new DigestChainError(
            `stored digest ${previous.sequence} does not verify (${problems.map((p) => `${p.at}: ${p.problem}`).join('; ')}); not linking a new digest to it`,
          );
        }
      }
      const { heads, slices } = nextPeriod(await store.headsWithOffsets(), previous);
      const signer = new PeriodSigner(heads);
      for await (const entry of periodEntries(store, slices)) signer.push(entry);
      digest = signer.sign({ previous, createdAt: clock() }, privateKey);
      await store.saveSignedDigest(digest);
    } catch (error) {
      this.options.onEvent?.({ type: 'failed', step: 'sign', error });
      throw error;
    }
    this.options.onEvent?.({ type: 'signed', digest, ms: performance.now() - started });
    this.options.logger?.info(
      { sequence: digest.sequence, entries: digest.entries, period: digest.merkle.size },
      'signed digest',
    );
    this.unexported.add(digest.sequence);
    await this.exportPending();
    return digest;
  }

  /** Exports every digest not exported yet; failures are reported and retried next time. */
  async exportPending(): Promise<void> {
    const { exporter, store } = this.options;
    if (exporter === undefined) return this.unexported.clear();
    for (const sequence of [...this.unexported].sort((a, b) => a - b)) {
      try {
        const digest = await store.signedDigest(sequence);
        if (digest !== undefined) await exporter.export(digest);
        this.unexported.delete(sequence);
        this.options.onEvent?.({ type: 'exported', sequence });
      } catch (error) {
        this.options.onEvent?.({ type: 'failed', step: 'export', error });
        this.options.logger?.error({ err: error, sequence }, 'exporting a digest failed');
        return;
      }
    }
  }
}

/** The inclusion proof of chain#seq against the digest whose period holds it, if one does yet. */
export async function inclusionProof(
  store: AuditStore,
  chain: string,
  seq: number,
): Promise<{ digest: SignedDigest; proof: InclusionProof } | undefined> {
  const sequence = await store.digestCovering(chain, seq);
  if (sequence === undefined) return undefined;
  const digest = await store.signedDigest(sequence);
  if (digest === undefined) return undefined;
  const builder = new InclusionProofBuilder(digest, chain, seq);
  const slices = digest.heads.map(({ chain: c, fromSeq, seq: to }) => ({
    chain: c,
    fromSeq,
    seq: to,
  }));
  for await (const entry of periodEntries(store, slices)) builder.push(entry);
  return { digest, proof: builder.proof() };
}
