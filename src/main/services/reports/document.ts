/**
 * The pieces every report shares: an A4 PDF that wraps its text and tables within the page, a CSV
 * laid out as a header block then sections, and the evidence each carries (filters, when it was made,
 * the audit-chain head at that moment).
 */
import Papa from 'papaparse';
import { rgb, type PDFDocument, type PDFFont, type PDFPage } from 'pdf-lib';
import type { Ctx } from '../core/context';
import { verifyChainInSteps } from '../core/audit';
import { checkAnchor } from '../audit/anchor';
import { stepper } from '../evidence/pack';
import { csvSafe } from '../assets/list';
import { MM, reportDocument, winAnsi, wrapText } from '../labels/pdf';
import type { ReportFile } from '../../../shared/api/reports';

export interface ReportEvidence {
  producedAt: string;
  filters: string[];
  chainHead: string | null;
  /** The head in words for the page: the hash, "empty trail", or why there is none. */
  chainText: string;
  chainLength: number;
  chainValid: boolean;
}

/**
 * When, with what filters, and against which audit-trail head a report was made. The chain is
 * verified a page at a time with pauses (as the evidence pack does), so a report over a long trail
 * does not hold the console while it checks it; then against the server's last anchor.
 */
export async function reportEvidence(ctx: Ctx, filters: string[]): Promise<ReportEvidence> {
  const producedAt = ctx.clock.now().toISOString();
  const chain = await verifyChainInSteps(ctx.store.sqlite, stepper());
  const anchor = checkAnchor(ctx.store.sqlite);
  const valid = chain.valid && anchor.state !== 'cut' && anchor.state !== 'differs' && anchor.state !== 'refused';
  const chainHead = valid ? chain.head : null;
  const chainText = chainHead ?? (valid ? 'empty trail' : chain.firstBroken !== null ? `TRAIL BROKEN at event ${chain.firstBroken}` : 'TRAIL DOES NOT MATCH THE SERVER');
  return { producedAt, filters, chainHead, chainText, chainLength: chain.count, chainValid: valid };
}

export const utc = (iso: string | null | undefined): string => (iso ? `${iso.replace('T', ' ').slice(0, 16)} UTC` : '');
export const day = (iso: string | null | undefined): string => (iso ? iso.slice(0, 10) : '');

export interface Column {
  /** Heading. */
  h: string;
  /** Width in millimetres. */
  w: number;
  align?: 'left' | 'right';
}

const W = 210 * MM;
const H = 297 * MM;
const LEFT = 15 * MM;
const WIDTH = W - 30 * MM;
const TOP = H - 18 * MM;
const BOTTOM = 18 * MM;

/** An A4 report: text and tables wrap within the page and flow onto new pages; every page has a footer. */
export class PdfReport {
  private page!: PDFPage;
  private y = TOP;

  private constructor(
    private readonly doc: PDFDocument,
    private readonly font: PDFFont,
    private readonly bold: PDFFont,
    private readonly mono: PDFFont,
    private readonly title: string,
    private readonly evidence: ReportEvidence,
  ) {
    this.newPage();
  }

  static async create(title: string, evidence: ReportEvidence): Promise<PdfReport> {
    const { doc, font, bold, mono } = await reportDocument(`Outpost: ${title}`, new Date(evidence.producedAt));
    const r = new PdfReport(doc, font, bold, mono, title, evidence);
    r.text(title, 16, bold);
    r.text(`Made ${utc(evidence.producedAt)} by Outpost from this device's store.`, 8.5);
    for (const f of evidence.filters) r.text(f, 8.5);
    r.gap(1.5);
    r.text('Audit-trail chain head (SHA-256) when this report was made:', 8, bold);
    r.text(evidence.chainText, 7.5, mono);
    r.gap(2);
    return r;
  }

  private newPage(): void {
    this.page = this.doc.addPage([W, H]);
    this.y = TOP;
  }

  private room(h: number): void {
    if (this.y - h < BOTTOM) this.newPage();
  }

  gap(mm: number): void {
    this.y -= mm * MM;
  }

  /** A paragraph, wrapped to the page (or to `width` points from `x`). */
  text(t: string, size = 9, f: PDFFont = this.font, x = LEFT, width = WIDTH): void {
    for (const line of wrapText(f, t, size, width)) {
      this.room(size * 1.35);
      this.page.drawText(line, { x, y: this.y - size, size, font: f });
      this.y -= size * 1.35;
    }
  }

  heading(t: string): void {
    this.gap(3);
    this.room(30 * MM); // a heading never sits alone at the foot of a page
    this.text(t, 12, this.bold);
    this.gap(1);
  }

  /** Label and value pairs in two columns. */
  pairs(rows: [string, string][]): void {
    this.table([{ h: '', w: 70 }, { h: '', w: 110 }], rows, { header: false });
  }

  /** A table whose cells wrap; the header repeats on every page it spans. */
  table(cols: Column[], rows: string[][], opts: { header?: boolean; size?: number; empty?: string } = {}): void {
    const size = opts.size ?? 8;
    const lineH = size * 1.3;
    const pad = 1.5 * MM;
    const drawHeader = () => {
      if (opts.header === false) return;
      let x = LEFT;
      const lines = cols.map((c) => wrapText(this.bold, c.h, size, c.w * MM - pad));
      const h = Math.max(...lines.map((l) => l.length)) * lineH;
      this.room(h + lineH * 2);
      cols.forEach((c, i) => {
        lines[i]!.forEach((l, j) => this.page.drawText(l, { x, y: this.y - size - j * lineH, size, font: this.bold }));
        x += c.w * MM;
      });
      this.y -= h + 1;
      this.page.drawLine({ start: { x: LEFT, y: this.y }, end: { x: LEFT + WIDTH, y: this.y }, thickness: 0.5 });
      this.y -= 2;
    };
    drawHeader();
    if (!rows.length) {
      this.text(opts.empty ?? 'Nothing to list.', size);
      return;
    }
    for (const row of rows) {
      const lines = cols.map((c, i) => wrapText(this.font, row[i] ?? '', size, c.w * MM - pad));
      const h = Math.max(1, ...lines.map((l) => l.length)) * lineH;
      if (this.y - h < BOTTOM) {
        this.newPage();
        drawHeader();
      }
      let x = LEFT;
      cols.forEach((c, i) => {
        lines[i]!.forEach((l, j) => {
          const lx = c.align === 'right' ? x + c.w * MM - pad - this.font.widthOfTextAtSize(l, size) : x;
          this.page.drawText(l, { x: lx, y: this.y - size - j * lineH, size, font: this.font });
        });
        x += c.w * MM;
      });
      this.y -= h + 1.5;
    }
  }

  /** The finished file; every page's footer names the report, the page of how many, and the chain head. */
  async file(filename: string, rows: number): Promise<ReportFile> {
    const pages = this.doc.getPages();
    pages.forEach((p, i) =>
      p.drawText(winAnsi(`Outpost · ${this.title} · page ${i + 1} of ${pages.length} · chain head ${this.evidence.chainHead ?? this.evidence.chainText}`), {
        x: LEFT,
        y: 9 * MM,
        size: 6.5,
        font: this.mono,
        color: rgb(0.35, 0.35, 0.35),
      }),
    );
    const bytes = await this.doc.save();
    return { filename, mime: 'application/pdf', content: Buffer.from(bytes).toString('base64'), encoding: 'base64', rows, ...pick(this.evidence) };
  }
}

const pick = (e: ReportEvidence) => ({ chainHead: e.chainHead, producedAt: e.producedAt, filters: e.filters });

export interface CsvSection {
  title: string;
  fields: string[];
  rows: (string | number | null)[][];
}

/**
 * A CSV report: a header block (report, made at, filters, chain head), then each section as its own
 * titled table separated by a blank line. Cells are escaped against spreadsheet formulas.
 */
export function csvReport(title: string, evidence: ReportEvidence, sections: CsvSection[], filename: string): ReportFile {
  const meta = [['Outpost report', title], ['Made', evidence.producedAt], ...evidence.filters.map((f) => ['Filter', f]), ['Audit trail chain head', evidence.chainText]];
  const parts = [Papa.unparse(meta.map((r) => r.map(csvSafe)), { newline: '\r\n' })];
  let rows = 0;
  for (const s of sections) {
    rows += s.rows.length;
    parts.push(Papa.unparse({ fields: [s.title], data: [] }, { newline: '\r\n' }).trim());
    parts.push(Papa.unparse({ fields: s.fields.map(csvSafe), data: s.rows.map((r) => r.map((v) => (v === null ? '' : csvSafe(v)))) }, { newline: '\r\n' }));
  }
  return { filename, mime: 'text/csv', content: '\uFEFF' + parts.join('\r\n\r\n') + '\r\n', encoding: 'utf-8', rows, ...pick(evidence) };
}
