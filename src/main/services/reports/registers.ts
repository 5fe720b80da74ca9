/**
 * Register reports: licence compliance per product and the asset register, as on the day they are
 * made. The CSV of the asset register carries every asset in the columns the asset export uses (so
 * the rows can be imported again); its PDF lists up to ASSET_PDF_MAX assets after the counts.
 */
import type { Ctx } from '../core/context';
import { requireActor } from '../core/write';
import { compliance } from '../licences/licences';
import { exportAssets } from '../assets/list';
import type { ReportFile } from '../../../shared/api/reports';
import { csvReport, day, PdfReport, reportEvidence } from './document';

export const ASSET_PDF_MAX = 2000;

const STATUS_WORDS = { compliant: 'Compliant', under: 'Under-licensed', over: 'Spare seats', unlimited: 'Unlimited (site licence)', expired: 'Expired', not_started: 'Not started' } as const;
const money = (n: number | null) => (n === null ? '–' : n.toFixed(2));

export async function licenceComplianceReport(ctx: Ctx, input: { format: 'pdf' | 'csv' }): Promise<ReportFile> {
  requireActor(ctx);
  const { items, totals } = compliance(ctx);
  const evidence = await reportEvidence(ctx, ['Products: every product on this device', 'Seats: entitlements in force on the day the report was made']);
  const base = `licence-compliance-${evidence.producedAt.slice(0, 10)}`;
  const rowOf = (r: (typeof items)[number]) => ({
    product: r.productName,
    vendor: r.vendor ?? '',
    status: STATUS_WORDS[r.status],
    inForce: r.entitled === null ? 'unlimited' : String(r.entitled),
    installed: String(r.installed),
    assigned: String(r.assigned),
    gap: r.gap === null ? '–' : String(r.gap),
    entitlements: `${r.inForce} of ${r.entitlements}`,
    exposure: r.gap !== null && r.gap < 0 && r.unitCost !== null ? money(-r.gap * r.unitCost) : '',
  });
  const rows = items.map(rowOf);
  const summary: [string, string][] = [
    ['Products under-licensed', String(totals.under)],
    ['Products with spare seats', String(totals.over)],
    ['Products whose entitlements have all expired', String(totals.expired)],
    ['Cost of the missing seats (at each product\'s average seat cost)', money(totals.gapCost)],
  ];
  if (input.format === 'csv')
    return csvReport(
      'Licence compliance',
      evidence,
      [
        { title: 'Summary', fields: ['Figure', 'Value'], rows: summary },
        { title: 'Products', fields: ['Product', 'Vendor', 'Status', 'Seats in force', 'Installed', 'Assigned', 'Gap', 'Entitlements in force', 'Exposure'], rows: rows.map((r) => Object.values(r)) },
      ],
      `${base}.csv`,
    );
  const pdf = await PdfReport.create('Licence compliance', evidence);
  pdf.heading('Summary');
  pdf.pairs(summary);
  pdf.heading('Products');
  pdf.table(
    [
      { h: 'Product', w: 40 },
      { h: 'Vendor', w: 24 },
      { h: 'Status', w: 24 },
      { h: 'Seats in force', w: 16, align: 'right' },
      { h: 'Installed', w: 15, align: 'right' },
      { h: 'Assigned', w: 15, align: 'right' },
      { h: 'Gap', w: 12, align: 'right' },
      { h: 'In force', w: 14, align: 'right' },
      { h: 'Exposure', w: 20, align: 'right' },
    ],
    rows.map((r) => Object.values(r)),
    { empty: 'No software product is recorded yet.' },
  );
  pdf.text('Gap: seats in force minus seats needed (the larger of installed and assigned); negative means under-licensed. Exposure: missing seats × average seat cost.', 7.5);
  return pdf.file(`${base}.pdf`, rows.length);
}

interface AssetLine {
  tag: string;
  name: string;
  category: string | null;
  status: string;
  site: string | null;
  location: string | null;
  assignee: string | null;
  warrantyEnd: string | null;
}

export async function assetRegisterReport(ctx: Ctx, input: { format: 'pdf' | 'csv'; siteId?: string }): Promise<ReportFile> {
  requireActor(ctx);
  const sqlite = ctx.store.sqlite;
  const siteName = input.siteId ? ((sqlite.prepare('SELECT name FROM sites WHERE id = ?').get(input.siteId) as { name: string } | undefined)?.name ?? input.siteId) : null;
  const evidence = await reportEvidence(ctx, [siteName ? `Site: ${siteName}` : 'Sites: every site on this device', 'Assets: every asset not deleted']);
  const where = `a.deleted_hlc IS NULL${input.siteId ? ' AND a.scope_id = @site' : ''}`;
  const params = input.siteId ? { site: input.siteId } : {};
  const count = (col: string) =>
    sqlite.prepare(`SELECT coalesce(${col}, '(none)') AS k, count(*) AS n FROM assets a LEFT JOIN sites s ON s.id = a.scope_id WHERE ${where} GROUP BY 1 ORDER BY n DESC, k`).all(params) as { k: string; n: number }[];
  const byStatus = count('a.status');
  const byCategory = count('a.category');
  const bySite = count('s.name');
  const today = evidence.producedAt.slice(0, 10);
  const in90 = new Date(Date.parse(evidence.producedAt) + 90 * 86400_000).toISOString().slice(0, 10);
  const total = byStatus.reduce((s, r) => s + r.n, 0);
  const expiring = (sqlite.prepare(`SELECT count(*) FROM assets a WHERE ${where} AND a.warranty_end >= @today AND a.warranty_end <= @in90`).pluck().get({ ...params, today, in90 }) as number) ?? 0;
  const base = `asset-register-${today}`;
  const summary: [string, string][] = [
    ['Assets', String(total)],
    ['Warranties ending in the next 90 days', String(expiring)],
  ];
  if (input.format === 'csv') {
    const head = csvReport(
      'Asset register',
      evidence,
      [
        { title: 'Summary', fields: ['Figure', 'Value'], rows: summary },
        { title: 'By status', fields: ['Status', 'Assets'], rows: byStatus.map((r) => [r.k, r.n]) },
        { title: 'By category', fields: ['Category', 'Assets'], rows: byCategory.map((r) => [r.k, r.n]) },
        { title: 'By site', fields: ['Site', 'Assets'], rows: bySite.map((r) => [r.k, r.n]) },
      ],
      `${base}.csv`,
    );
    const assets = exportAssets(ctx, { filter: input.siteId ? { siteId: [input.siteId] } : {}, sort: 'tag' });
    return { ...head, content: `${head.content}\r\nAssets\r\n${assets.content.replace(/^\uFEFF/, '')}`, rows: head.rows + assets.rows };
  }
  const lines = sqlite
    .prepare(
      `SELECT a.tag, a.name, a.category, a.status, s.name AS site, l.name AS location, u.display_name AS assignee, a.warranty_end AS warrantyEnd
       FROM assets a LEFT JOIN sites s ON s.id = a.scope_id LEFT JOIN locations l ON l.id = a.location_id LEFT JOIN users u ON u.id = a.assigned_to_id
       WHERE ${where} ORDER BY a.tag LIMIT @max`,
    )
    .all({ ...params, max: ASSET_PDF_MAX }) as AssetLine[];
  const pdf = await PdfReport.create('Asset register', evidence);
  pdf.heading('Summary');
  pdf.pairs(summary);
  const counts = (title: string, rows: { k: string; n: number }[]) => {
    pdf.heading(title);
    pdf.table([{ h: '', w: 120 }, { h: 'Assets', w: 30, align: 'right' }], rows.map((r) => [r.k, String(r.n)]), { empty: 'No asset is recorded yet.' });
  };
  counts('By status', byStatus);
  counts('By category', byCategory);
  counts('By site', bySite);
  pdf.heading(total > lines.length ? `Assets (the first ${lines.length} of ${total} by tag; the CSV report lists every one)` : 'Assets');
  pdf.table(
    [
      { h: 'Tag', w: 22 },
      { h: 'Name', w: 38 },
      { h: 'Category', w: 22 },
      { h: 'Status', w: 20 },
      { h: 'Site', w: 22 },
      { h: 'Location', w: 22 },
      { h: 'Assigned to', w: 20 },
      { h: 'Warranty end', w: 14 },
    ],
    lines.map((l) => [l.tag, l.name, l.category ?? '', l.status, l.site ?? '', l.location ?? '', l.assignee ?? '', day(l.warrantyEnd)]),
    { empty: 'No asset is recorded yet.', size: 7 },
  );
  return pdf.file(`${base}.pdf`, lines.length);
}
