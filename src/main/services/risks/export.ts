/**
 * The risk register as CSV or an Excel workbook, with the very columns importRisks reads (their
 * headers are RISK_FIELD_HEADERS), so an export imported into another store gives the same register:
 * scores as positions on the matrix's scales with the level the grid gives beside them (levels are
 * never read back), people by username, sites and matrices by name, days as dates. Text a
 * spreadsheet would run as a formula is quoted in CSV; a workbook holds it as plain text.
 */
import Papa from 'papaparse';
import type { Ctx } from '../core/context';
import { requireActor } from '../core/write';
import { levelAt, RISK_STAGES, type MatrixDefinition } from '../../../shared/grc/matrix';
import { RISK_FIELD_HEADERS, type RiskExportFile, type RiskImportField } from '../../../shared/api/risks';
import type { CallParsed } from '../../../shared/api';
import { csvSafe } from '../assets/list';
import { writeXlsx, type XlsxCell } from '../assets/import/xlsx';
import { matrixDefinitions } from '../grc/grc';
import { riskFilterSql, today } from './risks';

interface ExportRow {
  number: string;
  title: string;
  description: string | null;
  category: string | null;
  status: string;
  treatment: string | null;
  owner: string | null;
  site: string | null;
  matrix_id: string;
  threats: string | null;
  vulnerabilities: string | null;
  existing_controls: string | null;
  review_every_days: number | null;
  last_reviewed_on: string | null;
  approver: string | null;
  acceptance_justification: string | null;
  acceptance_expires_on: string | null;
  [stageColumn: string]: string | number | null;
}

type Column = { header: string; value: (r: ExportRow) => XlsxCell };

const field = (f: RiskImportField, value: (r: ExportRow) => XlsxCell): Column => ({ header: RISK_FIELD_HEADERS[f], value });
const day = (v: string | null): XlsxCell => (v ? { day: v } : null);

export function exportRisks(ctx: Ctx, input: CallParsed<'risks.export'>): RiskExportFile {
  requireActor(ctx);
  const sqlite = ctx.store.sqlite;
  const mats = matrixDefinitions(sqlite);
  const matrices = sqlite.prepare('SELECT id, urn, name FROM risk_matrices WHERE deleted_hlc IS NULL').all() as { id: string; urn: string; name: string }[];
  // A matrix by its name, or by its urn when another matrix has the same name.
  const matrixName = new Map(matrices.map((m) => [m.id, matrices.filter((o) => o.name.toLowerCase() === m.name.toLowerCase()).length > 1 ? m.urn : m.name]));
  const level = (m: MatrixDefinition | undefined, l: unknown, i: unknown): XlsxCell =>
    m && typeof l === 'number' && typeof i === 'number' ? (levelAt(m, l, i)?.name ?? null) : null;
  const columns: Column[] = [
    { header: 'Number', value: (r) => r.number },
    field('title', (r) => r.title),
    field('status', (r) => r.status),
    field('category', (r) => r.category),
    field('owner', (r) => r.owner),
    field('site', (r) => r.site),
    field('matrix', (r) => matrixName.get(r.matrix_id) ?? null),
    ...RISK_STAGES.flatMap((s): Column[] => [
      field(`${s}_likelihood`, (r) => r[`${s}_likelihood`] ?? null),
      field(`${s}_impact`, (r) => r[`${s}_impact`] ?? null),
      { header: `${s[0]!.toUpperCase()}${s.slice(1)} level`, value: (r) => level(mats.get(r.matrix_id), r[`${s}_likelihood`], r[`${s}_impact`]) },
    ]),
    field('treatment', (r) => r.treatment),
    field('description', (r) => r.description),
    field('threats', (r) => r.threats),
    field('vulnerabilities', (r) => r.vulnerabilities),
    field('existing_controls', (r) => r.existing_controls),
    field('review_every_days', (r) => r.review_every_days),
    field('last_reviewed_on', (r) => day(r.last_reviewed_on)),
    field('acceptance_approver', (r) => r.approver),
    field('acceptance_justification', (r) => r.acceptance_justification),
    field('acceptance_expires_on', (r) => day(r.acceptance_expires_on)),
  ];
  const w = riskFilterSql(input.filter, today(ctx));
  // Oldest first, so an import into an empty store numbers the risks in the same order.
  const rows = sqlite
    .prepare(
      `SELECT r.*, o.username AS owner, a.username AS approver, s.name AS site FROM risks r
       LEFT JOIN users o ON o.id = r.owner_id LEFT JOIN users a ON a.id = r.acceptance_approver_id LEFT JOIN sites s ON s.id = r.scope_id
       WHERE ${w.sql} ORDER BY r.number`,
    )
    .all(...w.params) as ExportRow[];
  const stamp = today(ctx);
  if (input.format === 'xlsx') {
    const sheet: XlsxCell[][] = [columns.map((c) => c.header), ...rows.map((r) => columns.map((c) => c.value(r)))];
    return {
      filename: `risks-${stamp}.xlsx`,
      mime: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      content: Buffer.from(writeXlsx('Risks', sheet)).toString('base64'),
      encoding: 'base64',
      rows: rows.length,
    };
  }
  const text = (v: XlsxCell) => (v !== null && typeof v === 'object' ? v.day : v);
  const csv = Papa.unparse({ fields: columns.map((c) => c.header), data: rows.map((r) => columns.map((c) => csvSafe(text(c.value(r))))) }, { newline: '\r\n' });
  return { filename: `risks-${stamp}.csv`, mime: 'text/csv', content: '\uFEFF' + csv, encoding: 'utf-8', rows: rows.length };
}
