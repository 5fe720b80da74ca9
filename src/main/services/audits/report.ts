/** The reconciliation report of an audit as CSV or PDF, carrying the audit-trail chain head as evidence. */
import Papa from 'papaparse';
import { rgb, type PDFFont, type PDFPage } from 'pdf-lib';
import type { Ctx } from '../core/context';
import { requireActor } from '../core/write';
import { verifyChain } from '../core/audit';
import type { AuditDetail } from '../../../shared/api/audits';
import { csvSafe } from '../assets/list';
import { MM, fit, reportDocument, winAnsi, wrapText } from '../labels/pdf';
import { getAudit } from './audits';

interface Line {
  result: string;
  tag: string;
  name: string;
  registered: string;
  at: string;
  by: string;
}

function lines(a: AuditDetail): Line[] {
  const out: Line[] = [];
  const byAsset = new Map(a.scans.filter((s) => s.result === 'found').map((s) => [s.assetId, s]));
  for (const e of a.expected) {
    out.push({ result: e.foundAt ? 'found' : 'missing', tag: e.tag, name: e.name, registered: e.locationName ?? '', at: e.foundAt ?? '', by: e.foundAt ? (byAsset.get(e.assetId)?.auditorName ?? '') : '' });
  }
  for (const s of [...a.scans].reverse()) {
    if (s.result === 'found') continue;
    out.push({
      result: s.result === 'unexpected' && s.relocated ? 'unexpected (relocated here)' : s.result,
      tag: s.tag,
      name: s.assetName ?? '',
      registered: s.registeredLocation ?? '',
      at: s.at,
      by: s.auditorName,
    });
  }
  const order: Record<string, number> = { missing: 0, unexpected: 1, 'unexpected (relocated here)': 1, unknown: 2, duplicate: 3, found: 4 };
  return out.sort((x, y) => (order[x.result] ?? 9) - (order[y.result] ?? 9) || x.tag.localeCompare(y.tag));
}

export async function auditReport(ctx: Ctx, auditId: string, format: 'csv' | 'pdf') {
  requireActor(ctx);
  const a = getAudit(ctx, auditId);
  const chain = verifyChain(ctx.store.sqlite);
  const chainHead = chain.valid ? chain.head : null;
  const rows = lines(a);
  const base = `audit-${a.locationName.replace(/[^\w.-]+/g, '-').toLowerCase()}-${a.startedAt.slice(0, 10)}`;
  const c = a.counts;
  if (format === 'csv') {
    const meta = [
      ['Audit', a.id],
      ['Location', a.locationPath],
      ['Started', a.startedAt],
      ['Started by', a.startedByName],
      ['Closed', a.closedAt ?? 'still open'],
      ['Signed off by', a.signedOffBy ?? ''],
      ['Sign-off note', a.signOffNote ?? ''],
      ['Expected', String(c.expected)],
      ['Found', String(c.found)],
      ['Missing', String(c.missing)],
      ['Unexpected', String(c.unexpected)],
      ['Unknown', String(c.unknown)],
      ['Duplicate scans', String(c.duplicate)],
      ['Audit trail chain head', chainHead ?? (chain.valid ? 'empty' : `BROKEN at event ${chain.firstBroken}`)],
      ['Report generated', ctx.clock.now().toISOString()],
    ];
    const head = Papa.unparse(meta.map((m) => m.map(csvSafe)), { newline: '\r\n' });
    const body = Papa.unparse({ fields: ['Result', 'Asset Tag', 'Name', 'Registered location', 'Scanned at', 'Scanned by'], data: rows.map((r) => [r.result, r.tag, r.name, r.registered, r.at, r.by].map(csvSafe)) }, { newline: '\r\n' });
    return { filename: `${base}.csv`, mime: 'text/csv', content: `\uFEFF${head}\r\n\r\n${body}`, encoding: 'utf-8' as const, rows: rows.length, chainHead };
  }
  const { doc, bold, font, mono } = await reportDocument(`Audit reconciliation: ${winAnsi(a.locationPath)}`, ctx.clock.now());
  const W = 210 * MM;
  const H = 297 * MM;
  const left = 15 * MM;
  const width = W - 30 * MM;
  let page: PDFPage = doc.addPage([W, H]);
  let y = H - 20 * MM;
  let pageNo = 1;
  const footer = (p: PDFPage, n: number) => {
    p.drawText(winAnsi(`Audit ${a.id} · page ${n} · chain head ${chainHead ?? 'n/a'}`), { x: left, y: 10 * MM, size: 6.5, font: mono, color: rgb(0.35, 0.35, 0.35) });
  };
  const text = (t: string, size: number, f: PDFFont = font, x = left, w = width) => {
    page.drawText(fit(f, t, size, w), { x, y, size, font: f });
  };
  text('Physical audit: reconciliation report', 16, bold);
  y -= 9 * MM;
  const facts: [string, string][] = [
    ['Location', a.locationPath],
    // Times stay times, and say their zone: the report travels to people in other places.
    ['Started', `${a.startedAt.replace('T', ' ').slice(0, 16)} UTC by ${a.startedByName}`],
    ['Closed', a.closedAt ? `${a.closedAt.replace('T', ' ').slice(0, 16)} UTC` : 'still open'],
    ['Signed off by', a.signedOffBy ?? '—'],
    ['Note', a.signOffNote ?? '—'],
  ];
  // Values wrap within the page (a sign-off note can be paragraphs long), onto a new page if need be.
  for (const [k, v] of facts) {
    page.drawText(winAnsi(k), { x: left, y, size: 9, font: bold });
    const lines = wrapText(font, v, 9, width - 35 * MM);
    lines.forEach((line, i) => {
      if (i > 0) {
        y -= 4 * MM;
        if (y < 20 * MM) {
          footer(page, pageNo);
          page = doc.addPage([W, H]);
          pageNo++;
          y = H - 20 * MM;
        }
      }
      page.drawText(line, { x: left + 35 * MM, y, size: 9, font });
    });
    y -= 5 * MM;
  }
  y -= 3 * MM;
  const counts: [string, number][] = [
    ['Expected', c.expected],
    ['Found', c.found],
    ['Missing', c.missing],
    ['Unexpected', c.unexpected],
    ['Unknown', c.unknown],
    ['Duplicates', c.duplicate],
  ];
  counts.forEach(([k, v], i) => {
    const x = left + i * (width / counts.length);
    page.drawText(String(v), { x, y, size: 14, font: bold, color: k === 'Missing' && v > 0 ? rgb(0.75, 0.1, 0.1) : rgb(0, 0, 0) });
    page.drawText(k, { x, y: y - 4.5 * MM, size: 8, font });
  });
  y -= 12 * MM;
  page.drawText('Evidence: audit-trail chain head (SHA-256) when this report was made', { x: left, y, size: 8, font: bold });
  y -= 4.5 * MM;
  page.drawText(chainHead ?? (chain.valid ? 'empty trail' : `TRAIL BROKEN at event ${chain.firstBroken}`), { x: left, y, size: 7.5, font: mono });
  y -= 9 * MM;
  const cols = [
    { h: 'Result', w: 30 },
    { h: 'Asset tag', w: 30 },
    { h: 'Name', w: 50 },
    { h: 'Registered location', w: 38 },
    { h: 'Scanned (UTC)', w: 32 },
  ];
  const header = () => {
    let x = left;
    for (const col of cols) {
      page.drawText(col.h, { x, y, size: 8, font: bold });
      x += col.w * MM;
    }
    y -= 2 * MM;
    page.drawLine({ start: { x: left, y }, end: { x: left + width, y }, thickness: 0.5 });
    y -= 4 * MM;
  };
  header();
  for (const r of rows) {
    if (y < 20 * MM) {
      footer(page, pageNo);
      page = doc.addPage([W, H]);
      pageNo++;
      y = H - 20 * MM;
      header();
    }
    const vals = [r.result, r.tag, r.name, r.registered, r.at ? r.at.replace('T', ' ').slice(0, 16) : ''];
    let x = left;
    vals.forEach((v, i) => {
      const f = i === 0 && r.result !== 'found' ? bold : font;
      page.drawText(fit(f, v, 8, cols[i]!.w * MM - 2 * MM), { x, y, size: 8, font: f, color: r.result === 'missing' && i === 0 ? rgb(0.75, 0.1, 0.1) : rgb(0, 0, 0) });
      x += cols[i]!.w * MM;
    });
    y -= 4.5 * MM;
  }
  footer(page, pageNo);
  const bytes = await doc.save();
  return { filename: `${base}.pdf`, mime: 'application/pdf', content: Buffer.from(bytes).toString('base64'), encoding: 'base64' as const, rows: rows.length, chainHead };
}
