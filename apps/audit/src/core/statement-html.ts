import type { Statement } from './reports.js';
import { statementView, type StatementMeta, type StatementView } from './statement-view.js';

/**
 * The statement as a self-contained, printable HTML page: inline CSS (A4 print rules, the table
 * header repeated on every printed page, no row split across pages), no scripts, no external
 * resources. Exact figures ride along in `data-minor` attributes (minor units) for machines.
 */

export function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

const STYLE = `
:root{--ink:#1b2430;--muted:#5b6675;--rule:#d5dbe3;--band:#f3f6f9;--accent:#0b4f6c}
*{box-sizing:border-box}
body{font:10.5pt/1.45 "DejaVu Sans","Segoe UI",Helvetica,Arial,sans-serif;color:var(--ink);margin:0;background:#e9edf1}
.page{max-width:210mm;margin:12px auto;background:#fff;padding:14mm 14mm 12mm;box-shadow:0 1px 4px rgba(0,0,0,.15)}
header{display:flex;justify-content:space-between;align-items:flex-end;border-bottom:3px solid var(--accent);padding-bottom:8px}
.issuer{font-size:20pt;font-weight:700;color:var(--accent);letter-spacing:.02em}
h1{font-size:13pt;margin:0;font-weight:600;text-align:right}
.facts{display:grid;grid-template-columns:1fr 1fr;gap:0 24px;margin:12px 0 10px}
.facts dl{margin:0;display:grid;grid-template-columns:auto 1fr;gap:2px 12px;font-size:9.5pt}
.facts dt{color:var(--muted)}.facts dd{margin:0;font-weight:600}
.status-closed{color:#8a1c1c}
.summary{display:grid;grid-template-columns:repeat(4,1fr);border:1px solid var(--rule);border-radius:4px;margin:8px 0 12px}
.summary div{padding:6px 10px;border-left:1px solid var(--rule)}.summary div:first-child{border-left:0}
.summary span{display:block;color:var(--muted);font-size:8.5pt}.summary strong{font-variant-numeric:tabular-nums}
.warning{border:1px solid #c98a00;background:#fff7e0;padding:6px 10px;margin:8px 0;border-radius:4px}
table{border-collapse:collapse;width:100%;font-size:9pt}
thead{display:table-header-group}
th{font-size:7.5pt;text-transform:uppercase;letter-spacing:.04em;color:var(--muted);text-align:left;border-bottom:1.5px solid var(--ink);padding:4px 6px}
td{padding:3px 5px;border-bottom:1px solid var(--rule);vertical-align:top}
td.date{white-space:nowrap}
tbody tr.movement:nth-child(even){background:var(--band)}
tr{break-inside:avoid}
.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.time{color:var(--muted);font-size:7.5pt;display:block}
.ref{font-family:"DejaVu Sans Mono",Consolas,monospace;font-size:7.5pt;color:var(--muted)}
tr.opening td,tr.closing td{font-weight:600;background:#fff}
tr.closing td{border-top:1.5px solid var(--ink);border-bottom:0}
h2{font-size:10.5pt;margin:14px 0 4px}.holds p{margin:4px 0;font-size:9pt}
footer{margin-top:14px;padding-top:8px;border-top:1px solid var(--rule);font-size:8pt;color:var(--muted)}
footer p{margin:2px 0;overflow-wrap:anywhere}
@page{size:A4;margin:14mm 12mm 16mm}
@media print{body{background:#fff}.page{box-shadow:none;margin:0;padding:0;max-width:none}}
`;

function row(r: StatementView['rows'][number]): string {
  return (
    `<tr class="movement"${r.entry ? ` data-entry="${escapeHtml(r.entry)}"` : ''}>` +
    `<td class="date">${escapeHtml(r.date)}<span class="time">${escapeHtml(r.time)}</span></td>` +
    `<td>${escapeHtml(r.description)}</td>` +
    `<td class="ref" title="${escapeHtml(r.eventId)}">${escapeHtml(r.reference)}</td>` +
    (r.debit
      ? `<td class="num" data-minor="${r.amountMinor}">${escapeHtml(r.debit)}</td><td></td>`
      : `<td></td><td class="num" data-minor="${r.amountMinor}">${escapeHtml(r.credit)}</td>`) +
    `<td class="num" data-minor="${r.balanceMinor}">${escapeHtml(r.balance)}</td></tr>`
  );
}

function holdRow(h: StatementView['holds']['rows'][number]): string {
  return (
    `<tr class="hold"${h.entry ? ` data-entry="${escapeHtml(h.entry)}"` : ''}>` +
    `<td class="date">${escapeHtml(h.date)}<span class="time">${escapeHtml(h.time)}</span></td>` +
    `<td>${escapeHtml(h.description)}</td>` +
    `<td class="ref" title="${escapeHtml(h.holdId)}">${escapeHtml(h.reference)}</td>` +
    `<td class="num" data-minor="${h.amountMinor}">${escapeHtml(h.amount)}</td></tr>`
  );
}

/** Holds reserve money without moving it: shown apart from the movements, with what they leave. */
function holdsSection(v: StatementView): string {
  const { holds } = v;
  if (holds.rows.length === 0 && holds.liveAtClose === 0) return '';
  const e = escapeHtml;
  return `<section class="holds"><h2>Holds</h2>
<p>Money reserved by holds is not available but has not left the account; a captured hold's money leaves as the movement above.</p>
${
  holds.rows.length === 0
    ? ''
    : `<table><thead><tr><th>Date</th><th>Description</th><th>Hold</th><th class="num">Amount</th></tr></thead>
<tbody>
${holds.rows.map(holdRow).join('\n')}
</tbody></table>`
}
<p class="held">Held at close (${holds.liveAtClose} live hold${holds.liveAtClose === 1 ? '' : 's'}): <strong data-minor="${holds.heldAtCloseMinor}">${e(holds.heldAtClose)}</strong>; available at close: <strong data-minor="${holds.availableAtCloseMinor}">${e(holds.availableAtClose)}</strong></p>
</section>`;
}

/** A printable page for the account holder and the auditor, from the same view as the PDF. */
export function statementHtml(statement: Statement, meta: StatementMeta): string {
  const v = statementView(statement, meta);
  const e = escapeHtml;
  return `<!doctype html>
<html lang="${e((meta.locale ?? 'en-GB').split('-')[0] ?? 'en')}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>${e(v.title)} ${e(v.statementId)} – ${e(v.accountId)}</title>
<style>${STYLE}</style></head><body><div class="page">
<header><div class="issuer">${e(v.issuer)}</div><div><h1>${e(v.title)}</h1><div class="ref">${e(v.statementId)}</div></div></header>
<section class="facts">
<dl><dt>Account holder</dt><dd>${e(v.owner)}</dd><dt>Account</dt><dd>${e(v.accountId)}</dd><dt>Currency</dt><dd>${e(v.currency)}</dd><dt>Status</dt><dd${v.closed ? ' class="status-closed"' : ''}>${e(v.status)}</dd></dl>
<dl><dt>Statement no.</dt><dd>${e(v.statementId)}</dd><dt>Period</dt><dd>${e(v.period)}</dd><dt>Times in</dt><dd>${e(v.timeZone)}</dd><dt>Generated</dt><dd>${e(v.generatedAt)}</dd></dl>
</section>
<section class="summary">
<div><span>Opening balance</span><strong>${e(v.opening.balance)}</strong></div>
<div><span>Money in (${v.rows.filter((r) => r.credit).length})</span><strong data-total="credits">${e(v.totals.credits)}</strong></div>
<div><span>Money out (${v.rows.filter((r) => r.debit).length})</span><strong data-total="debits">${e(v.totals.debits)}</strong></div>
<div><span>Closing balance</span><strong>${e(v.closing.balance)}</strong></div>
</section>
${v.warnings.map((w) => `<p class="warning" role="alert">${e(w)}</p>`).join('\n')}
<table>
<thead><tr><th>Date</th><th>Description</th><th>Reference</th><th class="num">Money out</th><th class="num">Money in</th><th class="num">Balance</th></tr></thead>
<tbody>
<tr class="opening"><td colspan="5">${e(v.opening.label)}</td><td class="num" data-minor="${v.opening.minor}">${e(v.opening.balance)}</td></tr>
${v.rows.map(row).join('\n')}
<tr class="closing"><td colspan="5">${e(v.closing.label)}</td><td class="num" data-minor="${v.closing.minor}">${e(v.closing.balance)}</td></tr>
</tbody></table>
${holdsSection(v)}
<footer>
<p>Statement ${e(v.statementId)} for account ${e(v.accountId)}, generated ${e(v.generatedAt)}. ${v.totals.count} movement${v.totals.count === 1 ? '' : 's'}.</p>
${v.verification.map((line) => `<p>${e(line)}</p>`).join('\n')}
</footer>
</div></body></html>
`;
}
