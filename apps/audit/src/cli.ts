import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createKafka } from '@tally/kafka';
import {
  createLogger,
  loadConfig,
  parseDay,
  parsePeriod,
  parseTimeZone,
  serviceTokenSourceFromConfig,
  type Parsed,
} from '@tally/service';
import { loadAuditConfig, projectorClientEnv, type AuditConfig } from './config.js';
import { parseCutOffsets } from './core/conservation.js';
import { parseInclusionProof, verifyInclusionProof, type LineClaim } from './core/inclusion.js';
import { jsonSafe } from './core/money.js';
import {
  checkDigestSuccession,
  parseDigest,
  verifyDigestSignature,
  type SignedDigest,
} from './core/signed-digest.js';
import { statementCsv } from './core/statement-csv.js';
import { statementHtml } from './core/statement-html.js';
import { statementPdf } from './core/statement-pdf.js';
import { ensureKeyPair, digestSignerFrom, readPublicKey } from './digest-key.js';
import { inclusionProof } from './digests.js';
import {
  conservationReport,
  cutAtDigest,
  cutAtHeads,
  cutAtOffsets,
  dailyReport,
  reconciliationReport,
  statementReport,
  statementVerification,
} from './reporting.js';
import { openAuditStore } from './store/open.js';
import type { AuditStore } from './store/types.js';
import { verifyLog } from './verify.js';
import { checkAgainstLog, witnessOptionsFrom } from './witness.js';

const USAGE = `usage: node dist/cli.js <command> [options]   (from the deploy folder or the image)
       pnpm --filter @tally/audit cli <command> [options]   (from the repository)

Offline: no database, no Kafka, only the files named
  keygen --out <dir>              an Ed25519 key pair: digest-signing-key.pem (0600), digest-public-key.pem;
                                  an existing key is kept
  verify-digest --public-key <pem> --digest <file> [--previous <file>]
                                  the digest's signature, and that it follows the previous digest
  verify-proof --public-key <pem> --digest <file> --proof <file> [--statement <json> --event <id>]
                                  an inclusion proof of one entry against a published digest; with a
                                  statement (format=json) and an event id, also the line it proves

With the audit store (DATABASE_URL or AUDIT_SQLITE_PATH, as for the service)
  migrate                         apply the store's schema migrations, then exit
  verify [--digest <file> --public-key <pem>]
                                  recompute every chain (and check the log against a signed digest);
                                  exit 1 naming the first bad entry
  digest                          sign (AUDIT_DIGEST_SIGNING_KEY_FILE), store and export a digest
  proof --chain <id> --seq <n>    the inclusion proof of one entry: { digest, proof }
  statement --account <id> --from <date> --to <date> [--tz <zone>] [--format json|csv|html|pdf]
  daily --date <YYYY-MM-DD> [--tz <zone>]
  reconcile                       both ways against the projector (PROJECTOR_URL) with the service's
                                  token settings (AUTH_ISSUER, AUTH_CLIENT_AUDIENCE,
                                  AUTH_CLIENT_SIGNING_KEY_FILE or AUTH_TOKEN_URL with
                                  AUTH_CLIENT_SECRET); exit 1 on a problem
  conservation [--digest <n> | --offsets <partition:offset,...>]
                                  money conserved per currency at a cut; exit 1 naming the first break
  check-against-log               the log against the Kafka topics (KAFKA_BROKERS, SCHEMA_REGISTRY_URL);
                                  exit 1 naming the first difference
Exit codes: 0 ok, 1 a check failed, 2 bad usage.`;

class UsageError extends Error {}

function fail(message: string): never {
  throw new UsageError(message);
}

function valid<T>(parsed: Parsed<T>): T {
  if (parsed.ok) return parsed.value;
  const p = parsed.problem;
  return fail(`--${p.name} ${JSON.stringify(p.value)} ${p.reason}; allowed: ${p.allowed}`);
}

const out = (value: unknown) =>
  process.stdout.write(typeof value === 'string' ? value : `${JSON.stringify(value, null, 2)}\n`);
const say = (line: string) => process.stderr.write(`${line}\n`);

function readJson(path: string | undefined, what: string): unknown {
  if (path === undefined) fail(`${what} is required\n\n${USAGE}`);
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as unknown;
  } catch (error) {
    return fail(`cannot read ${what} ${path}: ${(error as Error).message}`);
  }
}

function readDigest(path: string | undefined, what = '--digest'): SignedDigest {
  const parsed = parseDigest(readJson(path, what));
  if (!parsed.ok) {
    fail(
      `${what} ${path} is not a signed digest: ${parsed.problems.map((p) => `${p.at}: ${p.problem}`).join('; ')}`,
    );
  }
  return parsed.digest;
}

async function publicKeyOf(path: string | undefined) {
  if (path === undefined) fail(`--public-key is required\n\n${USAGE}`);
  return readPublicKey(path);
}

type Values = Record<string, string | undefined>;

/** Commands that need nothing but files. */
const offline: Record<string, (values: Values) => Promise<number>> = {
  async keygen(values) {
    if (!values['out']) fail(`--out is required\n\n${USAGE}`);
    const { keyId, created } = await ensureKeyPair(values['out']);
    say(`${created ? 'made' : 'kept'} the digest signing key ${keyId} in ${values['out']}`);
    return 0;
  },

  async 'verify-digest'(values) {
    const publicKey = await publicKeyOf(values['public-key']);
    const digest = readDigest(values['digest']);
    const problems = verifyDigestSignature(digest, publicKey);
    if (values['previous'] !== undefined) {
      const previous = readDigest(values['previous'], '--previous');
      problems.push(
        ...verifyDigestSignature(previous, publicKey).map((p) => ({
          ...p,
          at: `previous.${p.at}`,
        })),
      );
      problems.push(...checkDigestSuccession(previous, digest));
    }
    out({ ok: problems.length === 0, sequence: digest.sequence, keyId: digest.keyId, problems });
    say(
      problems.length === 0
        ? `OK: digest ${digest.sequence} verifies`
        : `FAILED: ${problems[0]?.at}: ${problems[0]?.problem}`,
    );
    return problems.length === 0 ? 0 : 1;
  },

  async 'verify-proof'(values) {
    const publicKey = await publicKeyOf(values['public-key']);
    const digest = readDigest(values['digest']);
    const file = readJson(values['proof'], '--proof') as Record<string, unknown>;
    // The answer of GET /audit/entries/:chain/:seq/proof holds { digest, proof }.
    const parsed = parseInclusionProof(
      file !== null && typeof file === 'object' && 'proof' in file ? file['proof'] : file,
    );
    if (!parsed.ok) {
      fail(
        `--proof is not an inclusion proof: ${parsed.problems.map((p) => `${p.at}: ${p.problem}`).join('; ')}`,
      );
    }
    let line: LineClaim | undefined;
    if (values['statement'] !== undefined || values['event'] !== undefined) {
      const statement = readJson(values['statement'], '--statement') as {
        accountId?: unknown;
        movements?: { eventId: string; version: number; amount: string; occurredAt: number }[];
      };
      const movement = statement.movements?.find((m) => m.eventId === values['event']);
      if (movement === undefined)
        fail(`the statement has no movement with --event ${values['event']}`);
      line = {
        accountId: String(statement.accountId),
        eventId: movement.eventId,
        version: movement.version,
        amount: BigInt(movement.amount),
        occurredAt: movement.occurredAt,
      };
    }
    const result = verifyInclusionProof(parsed.proof, digest, publicKey, line);
    out({
      ...result,
      entry: `${parsed.proof.entry.chain}#${parsed.proof.entry.seq}`,
      digest: digest.sequence,
    });
    say(
      result.ok
        ? `OK: ${parsed.proof.entry.chain}#${parsed.proof.entry.seq} is in digest ${digest.sequence}${line ? ' and says what the statement line says' : ''}`
        : `FAILED: ${result.problems[0]?.at}: ${result.problems[0]?.problem}`,
    );
    return result.ok ? 0 : 1;
  },
};

/** Commands that read (or write) the audit store. */
const withStore: Record<
  string,
  (values: Values, store: AuditStore, config: AuditConfig) => Promise<number>
> = {
  async migrate(_values, store) {
    say(`the ${store.kind} audit store's schema is current`);
    return 0;
  },

  async verify(values, store) {
    const digest =
      values['digest'] === undefined
        ? undefined
        : {
            digest: readDigest(values['digest']),
            publicKey: await publicKeyOf(values['public-key']),
          };
    let last = 0;
    const report = await verifyLog(store, {
      ...(digest ? { digest } : {}),
      onProgress: (checked) => {
        if (checked - last >= 100_000) {
          last = checked;
          say(`verified ${checked} entries`);
        }
      },
    });
    out(report);
    if (!report.ok) {
      const f = report.firstFailure;
      const d = report.digest;
      say(
        f
          ? `FAILED: chain ${f.chain} entry ${f.seq}${f.entryId === undefined ? '' : ` (row ${f.entryId})`}: ${f.problem}: ${f.detail}`
          : d && !d.signatureValid
            ? `FAILED: digest ${d.sequence}: ${d.signatureProblems[0]?.problem}`
            : `FAILED: digest ${d?.sequence}: ${d?.failures[0]?.problem} at ${d?.failures[0]?.chain ?? ''}#${d?.failures[0]?.seq ?? ''}: ${d?.failures[0]?.detail}`,
      );
      return 1;
    }
    say(`OK: ${report.entries} entries in ${report.chains.length} chains, ${report.durationMs} ms`);
    return 0;
  },

  async digest(_values, store, config) {
    const signer = await digestSignerFrom(config, store);
    if (signer === undefined) fail('signing a digest needs AUDIT_DIGEST_SIGNING_KEY_FILE');
    const digest = await signer.sign();
    out(digest);
    say(`signed digest ${digest.sequence}, exported to ${config.AUDIT_DIGEST_EXPORT_DIR}`);
    return 0;
  },

  async proof(values, store) {
    const seq = Number(values['seq']);
    if (!values['chain'] || !Number.isSafeInteger(seq) || seq < 1) fail(USAGE);
    const proven = await inclusionProof(store, values['chain'], seq);
    if (proven === undefined) fail(`no signed digest covers ${values['chain']}#${seq} yet`);
    out(proven);
    return 0;
  },

  async statement(values, store) {
    if (!values['account'] || values['from'] === undefined || values['to'] === undefined)
      fail(USAGE);
    const timeZone = valid(parseTimeZone('tz', values['tz'] ?? 'UTC'));
    const period = valid(
      parsePeriod(
        { name: 'from', value: values['from'] },
        { name: 'to', value: values['to'] },
        timeZone,
      ),
    );
    const statement = await statementReport(store, values['account'], period);
    if (!statement) fail(`the audit log has no event of account ${values['account']}`);
    const meta = {
      generatedAt: Date.now(),
      timeZone,
      ...(await statementVerification(store, statement)),
    };
    const format = values['format'] ?? 'json';
    if (format === 'pdf') process.stdout.write(await statementPdf(statement, meta));
    else if (format === 'csv') out(statementCsv(statement));
    else if (format === 'html') out(statementHtml(statement, meta));
    else if (format === 'json') out(jsonSafe(statement));
    else fail('--format must be json, csv, html or pdf');
    return 0;
  },

  async daily(values, store) {
    const timeZone = valid(parseTimeZone('tz', values['tz'] ?? 'UTC'));
    out(
      jsonSafe(await dailyReport(store, valid(parseDay('date', values['date'] ?? '', timeZone)))),
    );
    return 0;
  },

  async reconcile(_values, store, config) {
    const tokens = await serviceTokenSourceFromConfig(loadConfig(projectorClientEnv, process.env));
    const report = await reconciliationReport(store, { url: config.PROJECTOR_URL, tokens });
    out(report);
    return report.ok ? 0 : 1;
  },

  async conservation(values, store, config) {
    if (values['digest'] !== undefined && values['offsets'] !== undefined) {
      fail('--digest and --offsets: choose one cut');
    }
    let cut = await cutAtHeads(store);
    if (values['digest'] !== undefined) {
      const digest = await store.signedDigest(Number(values['digest']));
      if (!digest) fail(`no digest ${values['digest']} was signed`);
      cut = cutAtDigest(digest);
    } else if (values['offsets'] !== undefined) {
      cut = await cutAtOffsets(
        store,
        config.TALLY_EVENTS_TOPIC,
        valid(parseCutOffsets('offsets', values['offsets'])),
      );
    }
    const report = await conservationReport(store, cut);
    out(report);
    const first = report.firstViolation;
    say(
      report.ok
        ? `OK: money conserved in ${report.currencies.length} currencies over ${report.accounts} accounts and ${report.transfers} transfers`
        : `FAILED: ${first?.code}${first?.transferId ? ` transfer ${first.transferId}` : ''}${first?.eventId ? ` event ${first.eventId}` : ''}${first?.chain ? ` (${first.chain}#${first.seq})` : ''}: ${first?.message}`,
    );
    return report.ok ? 0 : 1;
  },

  async 'check-against-log'(_values, store, config) {
    const logger = createLogger(
      'audit-cli',
      config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL,
    );
    const report = await checkAgainstLog(
      await witnessOptionsFrom(config, createKafka(config, { logger }), store, logger),
    );
    out(report);
    const d = report.firstDifference;
    say(
      report.ok
        ? `OK: ${report.matched} records in the log once, unchanged, in order; ${report.notYetIngested} not yet ingested`
        : d
          ? `FAILED: ${d.topic}/${d.partition} offset ${d.offset}: ${d.kind}${d.seq === null ? '' : ` (entry ${d.seq}${d.entryId === undefined ? '' : `, row ${d.entryId}`})`}: ${d.detail}`
          : `FAILED: the log holds chains of no partition: ${report.unknownChains.join(', ')}`,
    );
    return report.ok ? 0 : 1;
  },
};

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      account: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      format: { type: 'string' },
      date: { type: 'string' },
      tz: { type: 'string' },
      out: { type: 'string' },
      digest: { type: 'string' },
      previous: { type: 'string' },
      proof: { type: 'string' },
      'public-key': { type: 'string' },
      statement: { type: 'string' },
      event: { type: 'string' },
      chain: { type: 'string' },
      seq: { type: 'string' },
      offsets: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  const command = positionals[0];
  if (values.help) {
    out(`${USAGE}\n`);
    return 0;
  }
  if (!command) fail(USAGE);
  const given = values as Values;
  const offlineCommand = offline[command];
  if (offlineCommand) return offlineCommand(given);
  const storeCommand = withStore[command];
  if (!storeCommand) fail(`unknown command ${JSON.stringify(command)}\n\n${USAGE}`);
  const config = loadAuditConfig(process.env);
  // migrate applies what is missing; every other command runs as the service would.
  const store = await openAuditStore(
    command === 'migrate' ? { ...config, AUDIT_DB_MIGRATE: 'auto' } : config,
  );
  try {
    return await storeCommand(given, store, config);
  } finally {
    await store.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(error instanceof UsageError ? 2 : 1);
  },
);
