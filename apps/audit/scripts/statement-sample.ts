/**
 * Renders the sample statement (test/sample-statement.ts) to HTML and PDF, takes a screenshot of
 * the HTML in headless Chromium and renders the PDF's first page with pdftoppm, so a person can
 * look at both. Needs Debian's `chromium` and `poppler-utils`.
 *
 *   pnpm --filter @tally/audit docs:statement [output folder, default docs/]
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { buildStatement } from '../src/core/reports.js';
import { statementHtml } from '../src/core/statement-html.js';
import { statementPdf } from '../src/core/statement-pdf.js';
import {
  SAMPLE_ACCOUNT,
  SAMPLE_GENERATED_AT,
  SAMPLE_PERIOD,
  SAMPLE_VERIFICATION,
  sampleEvents,
} from '../test/sample-statement.js';

const run = promisify(execFile);
const TIMEOUT_MS = 60_000;

async function main(): Promise<void> {
  const out = resolve(process.argv[2] ?? 'docs');
  const work = mkdtempSync(join(tmpdir(), 'statement-'));
  try {
    const statement = buildStatement(SAMPLE_ACCOUNT, sampleEvents(), SAMPLE_PERIOD);
    const meta = {
      generatedAt: SAMPLE_GENERATED_AT,
      timeZone: 'Europe/Berlin',
      verification: SAMPLE_VERIFICATION,
    };
    const html = join(work, 'statement.html');
    const pdf = join(work, 'statement.pdf');
    writeFileSync(html, statementHtml(statement, meta));
    writeFileSync(pdf, await statementPdf(statement, meta));

    const profile = join(work, 'chromium-profile');
    await run(
      'chromium',
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        `--user-data-dir=${profile}`,
        '--hide-scrollbars',
        '--window-size=880,1900',
        `--screenshot=${join(out, 'statement-html.png')}`,
        `file://${html}`,
      ],
      { timeout: TIMEOUT_MS },
    );
    await run(
      'pdftoppm',
      ['-png', '-r', '100', '-f', '1', '-l', '1', '-singlefile', pdf, join(out, 'statement-pdf')],
      { timeout: TIMEOUT_MS },
    );
    process.stdout.write(
      `wrote ${join(out, 'statement-html.png')} and ${join(out, 'statement-pdf.png')}\n`,
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
