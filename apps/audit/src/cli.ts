import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadAuditConfig } from './config.js';
import { signDigest, type Digest } from './core/digest.js';
import { jsonSafe } from './core/money.js';
import { statementCsv } from './core/statement-csv.js';
import { statementHtml } from './core/statement-html.js';
import { statementPdf } from './core/statement-pdf.js';
import { parseDay, parsePeriod, parseTimeZone, type Parsed } from './core/time.js';
import {
  dailyReport,
  reconciliationReport,
  statementReport,
  statementVerification,
} from './reporting.js';
import { openAuditStore } from './store/open.js';
import { verifyLog } from './verify.js';

const USAGE = `usage: pnpm --filter @tally/audit cli <command> [options]
  verify [--digest <file>]        recompute every chain; exit 1 naming the first bad entry
  digest                          sign a digest of the chain heads (AUDIT_DIGEST_KEY), store and print it
  statement --account <id> --from <date> --to <date> [--tz <zone>] [--format json|csv|html|pdf]
  daily --date <YYYY-MM-DD> [--tz <zone>]
  reconcile                       balances from the log against the projector (PROJECTOR_URL)
The store is DATABASE_URL or AUDIT_SQLITE_PATH, as for the service.`;

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}

function valid<T>(parsed: Parsed<T>): T {
  if (parsed.ok) return parsed.value;
  const p = parsed.problem;
  return fail(`--${p.name} ${JSON.stringify(p.value)} ${p.reason}; allowed: ${p.allowed}`);
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
      tz: { type: 'string', default: 'UTC' },
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
        if (!values.account || values.from === undefined || values.to === undefined) fail(USAGE);
        const timeZone = valid(parseTimeZone('tz', values.tz));
        const period = valid(
          parsePeriod(
            { name: 'from', value: values.from },
            { name: 'to', value: values.to },
            timeZone,
          ),
        );
        const statement = await statementReport(store, values.account, period);
        if (!statement) fail(`the audit log has no event of account ${values.account}`);
        const meta = {
          generatedAt: Date.now(),
          timeZone,
          ...(await statementVerification(store, statement)),
        };
        if (values.format === 'pdf') process.stdout.write(await statementPdf(statement, meta));
        else
          out(
            values.format === 'csv'
              ? statementCsv(statement)
              : values.format === 'html'
                ? statementHtml(statement, meta)
                : jsonSafe(statement),
          );
        return 0;
      }
      case 'daily': {
        const timeZone = valid(parseTimeZone('tz', values.tz));
        out(
          jsonSafe(await dailyReport(store, valid(parseDay('date', values.date ?? '', timeZone)))),
        );
        return 0;
      }
      case 'reconcile': {
        const report = await reconciliationReport(store, config.PROJECTOR_URL);
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
