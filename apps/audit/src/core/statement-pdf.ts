import { createRequire } from 'node:module';
import PDFDocument from 'pdfkit';
import type { Statement } from './reports.js';
import { statementView, type StatementMeta, type StatementView } from './statement-view.js';

/**
 * The statement as an A4 PDF (pdfkit), laid out from the same view as the HTML page. DejaVu Sans
 * is embedded (subset), so any owner name and every currency format prints. Each page repeats the
 * table header and carries the statement number and "page n of N"; the verification references
 * close the document.
 */

const require = createRequire(import.meta.url);
const FONT = require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf');
const FONT_BOLD = require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf');
const FONT_MONO = require.resolve('dejavu-fonts-ttf/ttf/DejaVuSansMono.ttf');

const INK = '#1b2430';
const MUTED = '#5b6675';
const RULE = '#d5dbe3';
const BAND = '#f3f6f9';
const ACCENT = '#0b4f6c';

const MARGIN = 42;
const FOOTER_SPACE = 28;
/** Column widths in points; they fill the A4 width between the margins (511 pt). */
const COLUMNS = [
  { key: 'date', title: 'DATE', width: 66, align: 'left' },
  { key: 'description', title: 'DESCRIPTION', width: 112, align: 'left' },
  { key: 'reference', title: 'REFERENCE', width: 55, align: 'left' },
  { key: 'debit', title: 'MONEY OUT', width: 90, align: 'right' },
  { key: 'credit', title: 'MONEY IN', width: 90, align: 'right' },
  { key: 'balance', title: 'BALANCE', width: 98, align: 'right' },
] as const;

type Doc = InstanceType<typeof PDFDocument>;

/** Writes one line, shrinking the font (down to 6 pt) rather than wrapping or clipping it. */
function fit(
  doc: Doc,
  text: string,
  x: number,
  y: number,
  width: number,
  size: number,
  align: 'left' | 'right' = 'left',
): void {
  let fontSize = size;
  doc.fontSize(fontSize);
  while (fontSize > 6 && doc.widthOfString(text) > width) doc.fontSize((fontSize -= 0.5));
  doc.text(text, x, y + (size - fontSize) / 2, { width, align, lineBreak: false });
}

function label(doc: Doc, text: string, x: number, y: number, width: number): void {
  doc.font('sans').fontSize(8).fillColor(MUTED).text(text, x, y, { width, lineBreak: false });
}

function tableHeader(doc: Doc, y: number): number {
  let x = MARGIN;
  doc.font('sans').fontSize(7.5).fillColor(MUTED);
  for (const column of COLUMNS) {
    doc.text(column.title, x + 3, y, {
      width: column.width - 6,
      align: column.align,
      lineBreak: false,
    });
    x += column.width;
  }
  const bottom = y + 13;
  doc
    .moveTo(MARGIN, bottom)
    .lineTo(doc.page.width - MARGIN, bottom)
    .lineWidth(1.2)
    .strokeColor(INK)
    .stroke();
  return bottom + 4;
}

function facts(doc: Doc, rows: readonly [string, string][], x: number, y: number): number {
  for (const [name, value] of rows) {
    label(doc, name, x, y + 1, 80);
    doc
      .font('sans-bold')
      .fontSize(9)
      .fillColor(INK)
      .text(value, x + 84, y, { width: 170 });
    y = Math.max(doc.y, y + 13) + 1;
  }
  return y;
}

function layout(doc: Doc, v: StatementView): void {
  const right = doc.page.width - MARGIN;
  const width = right - MARGIN;
  const bottom = () => doc.page.height - MARGIN - FOOTER_SPACE;

  // Header: issuer left, title and number right, an accent rule below.
  doc.font('sans-bold').fontSize(20).fillColor(ACCENT).text(v.issuer, MARGIN, MARGIN);
  doc
    .font('sans-bold')
    .fontSize(13)
    .fillColor(INK)
    .text(v.title, MARGIN, MARGIN + 2, { width, align: 'right' });
  doc
    .font('mono')
    .fontSize(8.5)
    .fillColor(MUTED)
    .text(v.statementId, MARGIN, MARGIN + 19, { width, align: 'right' });
  let y = MARGIN + 34;
  doc.moveTo(MARGIN, y).lineTo(right, y).lineWidth(2.5).strokeColor(ACCENT).stroke();
  y += 12;

  const left = facts(
    doc,
    [
      ['Account holder', v.owner],
      ['Account', v.accountId],
      ['Currency', v.currency],
      ['Status', v.status],
    ],
    MARGIN,
    y,
  );
  const rightFacts = facts(
    doc,
    [
      ['Statement no.', v.statementId],
      ['Period', v.period],
      ['Times in', v.timeZone],
      ['Generated', v.generatedAt],
    ],
    MARGIN + width / 2,
    y,
  );
  y = Math.max(left, rightFacts) + 8;

  // Summary: four boxes.
  const boxes: [string, string][] = [
    ['Opening balance', v.opening.balance],
    [`Money in (${v.rows.filter((r) => r.credit).length})`, v.totals.credits],
    [`Money out (${v.rows.filter((r) => r.debit).length})`, v.totals.debits],
    ['Closing balance', v.closing.balance],
  ];
  const boxWidth = width / boxes.length;
  doc.roundedRect(MARGIN, y, width, 34, 3).lineWidth(0.8).strokeColor(RULE).stroke();
  boxes.forEach(([name, value], i) => {
    const x = MARGIN + i * boxWidth;
    if (i > 0)
      doc
        .moveTo(x, y)
        .lineTo(x, y + 34)
        .strokeColor(RULE)
        .stroke();
    label(doc, name, x + 7, y + 5, boxWidth - 14);
    doc.font('sans-bold').fillColor(INK);
    fit(doc, value, x + 7, y + 17, boxWidth - 14, 9.5);
  });
  y += 46;

  for (const warning of v.warnings) {
    const height =
      doc
        .font('sans')
        .fontSize(8.5)
        .heightOfString(warning, { width: width - 14 }) + 8;
    doc.roundedRect(MARGIN, y, width, height, 3).fillAndStroke('#fff7e0', '#c98a00');
    doc.fillColor(INK).text(warning, MARGIN + 7, y + 4, { width: width - 14 });
    y += height + 6;
  }

  y = tableHeader(doc, y);
  const line = (
    cells: Record<string, string>,
    options: { bold?: boolean; band?: boolean; sub?: string; span?: string },
  ) => {
    const height = options.sub ? 21 : 17;
    if (y + height > bottom()) {
      doc.addPage();
      y = tableHeader(doc, MARGIN);
    }
    if (options.band) doc.rect(MARGIN, y - 2, width, height).fill(BAND);
    let x = MARGIN;
    if (options.span !== undefined) {
      // A label across every column but the balance (opening and closing lines).
      const spanWidth = width - COLUMNS[5].width;
      doc.font(options.bold ? 'sans-bold' : 'sans').fillColor(INK);
      fit(doc, options.span, x + 3, y + 1, spanWidth - 6, 8.5);
      x += spanWidth;
    }
    for (const column of options.span === undefined ? COLUMNS : COLUMNS.slice(-1)) {
      const text = cells[column.key] ?? '';
      const mono = column.key === 'reference';
      doc.font(mono ? 'mono' : options.bold ? 'sans-bold' : 'sans').fillColor(mono ? MUTED : INK);
      fit(doc, text, x + 3, y + 1, column.width - 6, mono ? 7.5 : 8.5, column.align);
      x += column.width;
    }
    if (options.sub) {
      doc
        .font('sans')
        .fontSize(7)
        .fillColor(MUTED)
        .text(options.sub, MARGIN + 3, y + 10.5, {
          width: COLUMNS[0].width - 6,
          lineBreak: false,
        });
    }
    y += height;
    doc
      .moveTo(MARGIN, y - 2)
      .lineTo(right, y - 2)
      .lineWidth(0.5)
      .strokeColor(RULE)
      .stroke();
  };

  line({ balance: v.opening.balance }, { bold: true, span: v.opening.label });
  v.rows.forEach((r, i) =>
    line(
      {
        date: r.date,
        description: r.description,
        reference: r.reference,
        debit: r.debit,
        credit: r.credit,
        balance: r.balance,
      },
      { band: i % 2 === 1, sub: r.time },
    ),
  );
  line({ balance: v.closing.balance }, { bold: true, span: v.closing.label });

  // Holds reserve money without moving it: listed apart, with what they leave available.
  const { holds } = v;
  if (holds.rows.length > 0 || holds.liveAtClose > 0) {
    if (y + 40 > bottom()) {
      doc.addPage();
      y = MARGIN;
    }
    y += 10;
    doc.font('sans-bold').fontSize(10).fillColor(INK).text('Holds', MARGIN, y);
    y += 16;
    for (const h of holds.rows) {
      line(
        { balance: h.amount },
        { span: `${h.date} ${h.time} · ${h.description} · hold ${h.reference}` },
      );
    }
    line(
      { balance: holds.heldAtClose },
      {
        bold: true,
        span: `Held at close (${holds.liveAtClose} live hold${holds.liveAtClose === 1 ? '' : 's'}); available ${holds.availableAtClose}`,
      },
    );
  }

  // Verification references after the table, on a new page when they do not fit.
  const notes = [
    `Statement ${v.statementId} for account ${v.accountId}, generated ${v.generatedAt}. ${v.totals.count} movement${v.totals.count === 1 ? '' : 's'}.`,
    ...v.verification,
  ];
  doc.font('sans').fontSize(7.5);
  const notesHeight = notes.reduce((h, n) => h + doc.heightOfString(n, { width }) + 3, 10);
  if (y + 14 + notesHeight > bottom()) {
    doc.addPage();
    y = MARGIN;
  }
  y += 14;
  doc.moveTo(MARGIN, y).lineTo(right, y).lineWidth(0.8).strokeColor(RULE).stroke();
  y += 6;
  for (const note of notes) {
    doc.fillColor(MUTED).text(note, MARGIN, y, { width });
    y = doc.y + 3;
  }
}

function footers(doc: Doc, v: StatementView): void {
  const range = doc.bufferedPageRange();
  for (let i = 0; i < range.count; i++) {
    doc.switchToPage(range.start + i);
    const y = doc.page.height - MARGIN - 14;
    const width = doc.page.width - 2 * MARGIN;
    // Writing below the bottom margin must not open a new page.
    const margin = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    doc
      .moveTo(MARGIN, y - 6)
      .lineTo(MARGIN + width, y - 6)
      .lineWidth(0.5)
      .strokeColor(RULE)
      .stroke();
    doc
      .font('sans')
      .fontSize(7.5)
      .fillColor(MUTED)
      .text(`${v.issuer} · Statement ${v.statementId} · Account ${v.accountId}`, MARGIN, y, {
        width,
        lineBreak: false,
      })
      .text(`Page ${i + 1} of ${range.count}`, MARGIN, y, {
        width,
        align: 'right',
        lineBreak: false,
      });
    doc.page.margins.bottom = margin;
  }
}

/** The statement as PDF bytes. */
export function statementPdf(statement: Statement, meta: StatementMeta): Promise<Buffer> {
  const v = statementView(statement, meta);
  const doc = new PDFDocument({
    size: 'A4',
    margin: MARGIN,
    bufferPages: true,
    info: {
      Title: `${v.title} ${v.statementId}`,
      Author: v.issuer,
      Subject: `Account ${v.accountId}, ${v.period}`,
      CreationDate: new Date(meta.generatedAt),
    },
  });
  doc.registerFont('sans', FONT);
  doc.registerFont('sans-bold', FONT_BOLD);
  doc.registerFont('mono', FONT_MONO);
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  layout(doc, v);
  footers(doc, v);
  doc.end();
  return done;
}
