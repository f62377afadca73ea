import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadConfig, serviceTokenSourceFromConfig } from '@tally/service';
import { loadAuditConfig, projectorClientEnv } from './config.js';
import { signDigest, type Digest } from './core/digest.js';
import { parseInstant, statementCsv, statementHtml } from './core/reports.js';
import { dailyReport, reconciliationReport, statementReport } from './reporting.js';
import { openAuditStore } from './store/open.js';
import { verifyLog } from './verify.js';

const USAGE = `usage: pnpm --filter @tally/audit cli <command> [options]
  verify [--digest <file>]        recompute every chain; exit 1 naming the first bad entry
  digest                          sign a digest of the chain heads (AUDIT_DIGEST_KEY), store and print it
  statement --account <id> --from <date> --to <date> [--format json|csv|html]
  daily --date <YYYY-MM-DD>
  reconcile                       balances from the log against the projector (PROJECTOR_URL)
The store is DATABASE_URL or AUDIT_SQLITE_PATH, as for the service; reconcile also needs the
service's token settings (AUTH_ISSUER, AUTH_CLIENT_AUDIENCE, AUTH_CLIENT_SIGNING_KEY_FILE or
AUTH_TOKEN_URL with AUTH_CLIENT_SECRET).`;

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      digest: { type: 'string' },
      account: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      format: { type: 'string', default: 'json' },
      date: { type: 'string' },
    },
  });
  const command = positionals[0];
  if (!command) fail(USAGE);
  const config = loadAuditConfig(process.env);
  const store = await openAuditStore(config);
  const out = (value: unknown) =>
    process.stdout.write(typeof value === 'string' ? value : `${JSON.stringify(value, null, 2)}\n`);
  try {
    switch (command) {
      case 'verify': {
        const digest = values.digest
          ? (JSON.parse(readFileSync(values.digest, 'utf8')) as Digest)
          : undefined;
        if (digest && config.AUDIT_DIGEST_KEY === undefined)
          fail('checking a digest needs AUDIT_DIGEST_KEY');
        let last = 0;
        const report = await verifyLog(store, {
          ...(digest ? { digest, digestKey: config.AUDIT_DIGEST_KEY as string } : {}),
          onProgress: (checked) => {
            if (checked - last >= 100_000) {
              last = checked;
              process.stderr.write(`verified ${checked} entries\n`);
            }
          },
        });
        out(report);
        if (!report.ok) {
          const f = report.firstFailure;
          process.stderr.write(
            f
              ? `FAILED: chain ${f.chain} entry ${f.seq}${f.entryId === undefined ? '' : ` (row ${f.entryId})`}: ${f.problem}: ${f.detail}\n`
              : 'FAILED: the digest signature does not match\n',
          );
          return 1;
        }
        process.stderr.write(
          `OK: ${report.entries} entries in ${report.chains.length} chains, ${report.durationMs} ms\n`,
        );
        return 0;
      }
      case 'digest': {
        if (config.AUDIT_DIGEST_KEY === undefined) fail('signing a digest needs AUDIT_DIGEST_KEY');
        const digest = signDigest(await store.heads(), Date.now(), config.AUDIT_DIGEST_KEY);
        await store.saveDigest(digest);
        out(digest);
        return 0;
      }
      case 'statement': {
        const from = parseInstant(values.from ?? '');
        const to = parseInstant(values.to ?? '');
        if (!values.account || from === undefined || to === undefined) fail(USAGE);
        const statement = await statementReport(store, values.account, { from, to });
        if (!statement) fail(`the audit log has no event of account ${values.account}`);
        out(
          values.format === 'csv'
            ? statementCsv(statement)
            : values.format === 'html'
              ? statementHtml(statement)
              : statement,
        );
        return 0;
      }
      case 'daily': {
        const summary = await dailyReport(store, values.date ?? '');
        if (!summary) fail('--date must be YYYY-MM-DD');
        out(summary);
        return 0;
      }
      case 'reconcile': {
        const tokens = await serviceTokenSourceFromConfig(
          loadConfig(projectorClientEnv, process.env),
        );
        const report = await reconciliationReport(store, { url: config.PROJECTOR_URL, tokens });
        out(report);
        return report.ok ? 0 : 1;
      }
      default:
        fail(USAGE);
    }
  } finally {
    await store.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
