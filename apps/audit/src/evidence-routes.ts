import type { Express, Request, RequestHandler } from 'express';
import { badParam, HttpProblem, stringParam, type Logger } from '@tally/service';
import { parseCutOffsets } from './core/conservation.js';
import { parseDigest } from './core/signed-digest.js';
import { inclusionProof, type DigestSigner } from './digests.js';
import { WitnessBusyError, type WitnessRunner } from './evidence.js';
import type { AuditMetrics } from './metrics.js';
import {
  conservationReport,
  cutAtDigest,
  cutAtHeads,
  cutAtOffsets,
  type ConservationCut,
} from './reporting.js';
import type { AuditStore } from './store/types.js';
import { verifyLog } from './verify.js';

/**
 * The evidence an auditor asks for over HTTP: signed digests and the public key that verifies
 * them, inclusion proofs of single entries, the witness check against Kafka, and conservation of
 * money at a cut. Signed digests and the witness check are apart (`evidenceAdminRoutes`): they are
 * for the `audit:admin` scope. Each route runs behind the `guard` handlers the app gives it (the
 * scope and the account limit).
 */

export interface EvidenceRouteOptions {
  readonly store: AuditStore;
  readonly logger: Logger;
  readonly metrics: AuditMetrics;
  /** The events topic, for cuts given as partition offsets. */
  readonly eventsTopic: string;
  /** Undefined: no signing key configured (AUDIT_DIGEST_SIGNING_KEY_FILE). */
  readonly signer?: DigestSigner | undefined;
  /** Undefined: the service runs without Kafka access for the check (tests of the HTTP API). */
  readonly witness?: WitnessRunner | undefined;
}

const digestsDisabled = () =>
  new HttpProblem(
    404,
    'DIGESTS_DISABLED',
    'Digests disabled',
    'set AUDIT_DIGEST_SIGNING_KEY_FILE to sign digests, serve the public key and check digests',
  );

/** A path parameter that must be a decimal integer in [min, max]. */
function pathInt(req: Request, name: string, min: number): number {
  const raw = String(req.params[name]);
  if (!/^\d{1,16}$/.test(raw) || Number(raw) < min || !Number.isSafeInteger(Number(raw))) {
    throw badParam(name, `must be an integer of at least ${min}, got ${JSON.stringify(raw)}`);
  }
  return Number(raw);
}

/** Routes for the `audit:admin` scope: signed digests (sign, read, check) and the witness check. */
export function evidenceAdminRoutes(
  app: Express,
  options: EvidenceRouteOptions,
  guard: readonly RequestHandler[],
): void {
  const { store, signer, witness } = options;

  app.post('/audit/digests', ...guard, async (_req, res) => {
    if (signer === undefined) throw digestsDisabled();
    res.status(201).json(await signer.sign());
  });

  app.post('/audit/check-against-log', ...guard, async (_req, res) => {
    if (witness === undefined) {
      throw new HttpProblem(404, 'WITNESS_DISABLED', 'Witness check disabled', 'not configured');
    }
    try {
      res.json(await witness.run());
    } catch (error) {
      if (error instanceof WitnessBusyError) {
        throw new HttpProblem(409, error.code, 'Witness check running', error.message);
      }
      throw error;
    }
  });

  app.get('/audit/digests/latest', ...guard, async (_req, res) => {
    const digest = await store.latestSignedDigest();
    if (!digest) throw new HttpProblem(404, 'NO_DIGEST', 'No digest', 'no digest was signed yet');
    res.json(digest);
  });

  app.get('/audit/digests/:sequence', ...guard, async (req, res) => {
    const sequence = pathInt(req, 'sequence', 1);
    const digest = await store.signedDigest(sequence);
    if (!digest) {
      throw new HttpProblem(404, 'NO_DIGEST', 'No digest', `no digest ${sequence} was signed`);
    }
    res.json(digest);
  });

  app.post('/audit/digests/check', ...guard, async (req, res) => {
    if (signer === undefined) throw digestsDisabled();
    // Untrusted JSON: parsed field by field (core/signed-digest.ts), every problem named.
    const parsed = parseDigest(req.body);
    if (!parsed.ok) {
      throw new HttpProblem(
        400,
        'INVALID_DIGEST',
        'Invalid digest',
        parsed.problems.map((p) => `${p.at}: ${p.problem}`).join('; '),
        { 'invalid-params': parsed.problems.map((p) => ({ name: p.at, reason: p.problem })) },
      );
    }
    const report = await verifyLog(store, {
      digest: { digest: parsed.digest, publicKey: signer.publicKey },
    });
    if (!report.ok) options.metrics.verifyFailures.inc();
    res.json(report);
  });

  app.get('/audit/witness/latest', ...guard, (_req, res) => {
    const report = witness?.latest();
    if (report === undefined) {
      throw new HttpProblem(
        404,
        'NO_WITNESS_RUN',
        'No witness check yet',
        'no witness check has finished since the service started (POST /audit/check-against-log)',
      );
    }
    res.json(report);
  });
}

/** The `audit:read` evidence routes: the public key, inclusion proofs, conservation. */
export function evidenceRoutes(
  app: Express,
  options: EvidenceRouteOptions,
  guard: readonly RequestHandler[],
): void {
  const { store, signer } = options;

  app.get('/audit/public-key', ...guard, (_req, res) => {
    if (signer === undefined) throw digestsDisabled();
    res.json({
      algorithm: 'Ed25519',
      keyId: signer.keyId,
      publicKeyPem: signer.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    });
  });

  app.get('/audit/entries/:chain/:seq/proof', ...guard, async (req, res) => {
    const chain = String(req.params['chain']);
    if (chain.length === 0 || chain.length > 300) {
      throw badParam('chain', 'must be a chain id such as bank.account-events.v1/3');
    }
    const seq = pathInt(req, 'seq', 1);
    const [entry] = await store.scanChain(chain, seq - 1, 1, seq);
    if (entry === undefined) {
      throw new HttpProblem(
        404,
        'ENTRY_NOT_FOUND',
        'Entry not found',
        `the audit log has no entry ${chain}#${seq}`,
      );
    }
    const proven = await inclusionProof(store, chain, seq);
    if (proven === undefined) {
      throw new HttpProblem(
        404,
        'NOT_COVERED_YET',
        'Not covered by a digest yet',
        `no signed digest covers ${chain}#${seq} yet; the next scheduled digest will (or POST /audit/digests)`,
      );
    }
    res.json(proven);
  });

  app.get('/reports/conservation', ...guard, async (req, res) => {
    res.json(await conservationReport(store, await conservationCut(req, options)));
  });
}

/** `?digest=N` (the cut that digest signed), `?offsets=0:120,3:88`, or the current heads. */
async function conservationCut(
  req: Request,
  options: EvidenceRouteOptions,
): Promise<ConservationCut> {
  const digestParam = stringParam(req, 'digest');
  const offsetsParam = stringParam(req, 'offsets');
  if (digestParam !== undefined && offsetsParam !== undefined) {
    throw badParam('offsets', 'cannot be given with digest: choose one cut');
  }
  if (digestParam !== undefined) {
    if (!/^\d{1,16}$/.test(digestParam) || Number(digestParam) < 1) {
      throw badParam(
        'digest',
        `must be a digest sequence number, got ${JSON.stringify(digestParam)}`,
      );
    }
    const digest = await options.store.signedDigest(Number(digestParam));
    if (!digest) {
      throw new HttpProblem(404, 'NO_DIGEST', 'No digest', `no digest ${digestParam} was signed`);
    }
    return cutAtDigest(digest);
  }
  if (offsetsParam !== undefined) {
    const parsed = parseCutOffsets('offsets', offsetsParam);
    if (!parsed.ok)
      throw badParam('offsets', `${parsed.problem.reason}; allowed: ${parsed.problem.allowed}`);
    return cutAtOffsets(options.store, options.eventsTopic, parsed.value);
  }
  return cutAtHeads(options.store);
}
