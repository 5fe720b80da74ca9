/**
 * What goes into an evidence pack: the records of an assessment (its requirement results, findings
 * and evidence) or of the risk register (risks, findings and evidence), read from the local store
 * as they stand, with a summary, the heat map and the per-requirement results the report shows.
 */
import type { RGB } from 'pdf-lib';
import { rgb } from 'pdf-lib';
import type { Ctx } from '../core/context';
import { AppError } from '../../../shared/result';
import type { PackKind } from '../../../shared/api/evidence';
import { levelAt, parseDefinition } from '../../../shared/grc/matrix';

export type Rec = Record<string, unknown>;

export interface PackContent {
  title: string;
  fileBase: string;
  scope: string;
  method: string;
  summary: { heading: string; lines: string[] }[];
  heatMaps: { label: string; grid: { color: RGB; count: number }[][] }[];
  results: { ref: string; result: string; text: string; observation: string | null }[];
  findings: Rec[];
  /** Every record, per type: each becomes records/<type>.csv. */
  tables: Record<string, Rec[]>;
}

function tableExists(ctx: Ctx, table: string): boolean {
  return !!ctx.store.sqlite.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(table);
}

/** Rows as they stand, without the sync bookkeeping (clocks) and without deleted ones. */
function rows(ctx: Ctx, table: string, where = '1 = 1', args: unknown[] = []): Rec[] {
  if (!tableExists(ctx, table)) return [];
  const out = ctx.store.sqlite
    .prepare(`SELECT * FROM ${table} WHERE deleted_hlc IS NULL AND (${where}) ORDER BY created_at, id`)
    .all(...args) as Rec[];
  for (const r of out) {
    delete r.field_hlc;
    delete r.deleted_hlc;
  }
  return out;
}

const inList = (ids: string[]) => (ids.length ? ids.map(() => '?').join(', ') : "''");

function siteName(ctx: Ctx, scope: string): string {
  if (scope === 'global') return 'the whole team';
  const s = ctx.store.sqlite.prepare('SELECT name FROM sites WHERE id = ?').pluck().get(scope) as string | undefined;
  return s ? `site ${s}` : `site ${scope}`;
}

function findingsWithTickets(ctx: Ctx, findings: Rec[]): Rec[] {
  const num = ctx.store.sqlite.prepare('SELECT number FROM tickets WHERE id = ?').pluck();
  return findings.map((f) => ({ ...f, ticket: f.ticket_id ? ((num.get(f.ticket_id) as string | undefined) ?? null) : null }));
}

function evidenceOf(ctx: Ctx, owners: { type: string; ids: string[] }[]): Rec[] {
  const out: Rec[] = [];
  for (const o of owners)
    if (o.ids.length) out.push(...rows(ctx, 'evidence', `record_type = ? AND record_id IN (${inList(o.ids)})`, [o.type, ...o.ids]));
  return out;
}

function count(list: Rec[], field: string): string {
  const m = new Map<string, number>();
  for (const r of list) m.set(String(r[field]), (m.get(String(r[field])) ?? 0) + 1);
  return [...m].map(([k, v]) => `${k.replace(/_/g, ' ')}: ${v}`).join(', ') || 'none';
}

/** One heat map per matrix and stage: how many risks sit in each cell, coloured by the grid. */
function heatMaps(ctx: Ctx, risks: Rec[]): PackContent['heatMaps'] {
  const out: PackContent['heatMaps'] = [];
  const byMatrix = new Map<string, Rec[]>();
  for (const r of risks) byMatrix.set(String(r.matrix_id), [...(byMatrix.get(String(r.matrix_id)) ?? []), r]);
  for (const [matrixId, list] of byMatrix) {
    const row = ctx.store.sqlite.prepare('SELECT name, definition FROM risk_matrices WHERE id = ?').get(matrixId) as
      { name: string; definition: string } | undefined;
    const m = row ? parseDefinition(row.definition) : null;
    if (!m) continue;
    for (const stage of ['inherent', 'current', 'residual'] as const) {
      const grid = m.probability.map((_, p) =>
        m.impact.map((__, i) => ({ color: hexColor(levelAt(m, p + 1, i + 1)?.hexcolor), count: 0 })),
      );
      for (const r of list) {
        const l = r[`${stage}_likelihood`] as number | null;
        const i = r[`${stage}_impact`] as number | null;
        if (l && i && grid[l - 1]?.[i - 1]) grid[l - 1]![i - 1]!.count++;
      }
      out.push({ label: `${row!.name}: ${stage}`, grid });
    }
  }
  return out;
}

function registerPack(ctx: Ctx): PackContent {
  const risks = rows(ctx, 'risks');
  const rids = risks.map((r) => String(r.id));
  const findings = findingsWithTickets(ctx, rows(ctx, 'findings'));
  const fids = findings.map((f) => String(f.id));
  const evidence = evidenceOf(ctx, [
    { type: 'risk', ids: rids },
    { type: 'finding', ids: fids },
  ]);
  return {
    title: 'Risk register: evidence pack',
    fileBase: 'risk-register-pack',
    scope: 'The risk register of the whole team as held on the exporting device.',
    method:
      'Every risk (with its score history, assets and controls), finding and evidence record on the exporting device at the time of export. Levels are read from each risk matrix grid. Each file in this zip is listed in manifest.json with its SHA-256; the audit-chain head ties the pack to the tamper-evident trail of every change that produced these records.',
    summary: [
      {
        heading: 'Summary',
        lines: [
          `${risks.length} risks: ${count(risks, 'status')}.`,
          `Findings: ${count(findings, 'status')}.`,
          `${evidence.length} evidence records.`,
        ],
      },
    ],
    heatMaps: heatMaps(ctx, risks),
    results: [],
    findings,
    tables: {
      risks,
      risk_score_history: rows(ctx, 'risk_score_history', `risk_id IN (${inList(rids)})`, rids),
      risk_assets: rows(ctx, 'risk_assets', `risk_id IN (${inList(rids)})`, rids),
      risk_controls: rows(ctx, 'risk_controls', `risk_id IN (${inList(rids)})`, rids),
      applied_controls: rows(ctx, 'applied_controls'),
      findings,
      finding_links: rows(ctx, 'finding_links', `finding_id IN (${inList(fids)})`, fids),
      evidence,
    },
  };
}

function assessmentPack(ctx: Ctx, id: string): PackContent {
  const a = ctx.store.sqlite.prepare('SELECT * FROM assessments WHERE id = ? AND deleted_hlc IS NULL').get(id) as Rec | undefined;
  if (!a) throw new AppError('not_found', 'No such assessment.');
  delete a.field_hlc;
  delete a.deleted_hlc;
  const fw = ctx.store.sqlite.prepare('SELECT name, ref_id, version FROM frameworks WHERE id = ?').get(a.framework_id) as
    { name: string; ref_id: string | null; version: number } | undefined;
  const results = ctx.store.sqlite
    .prepare(
      `SELECT ra.*, fr.ref_id, fr.urn AS requirement_urn, fr.name AS requirement_name, fr.description AS requirement_description
       FROM requirement_assessments ra LEFT JOIN framework_requirements fr ON fr.id = ra.requirement_id
       WHERE ra.assessment_id = ? AND ra.deleted_hlc IS NULL ORDER BY fr.position, ra.id`,
    )
    .all(id) as Rec[];
  for (const r of results) {
    delete r.field_hlc;
    delete r.deleted_hlc;
  }
  const findings = findingsWithTickets(ctx, rows(ctx, 'findings', 'assessment_id = ?', [id]));
  const fids = findings.map((f) => String(f.id));
  const evidence = evidenceOf(ctx, [
    { type: 'requirement_assessment', ids: results.map((r) => String(r.id)) },
    { type: 'finding', ids: fids },
  ]);
  const framework = fw ? `${fw.name}${fw.ref_id ? ` (${fw.ref_id})` : ''}, library version ${fw.version}` : 'unknown framework';
  return {
    title: `Assessment: ${String(a.name)}`,
    fileBase: `assessment-${String(a.name)}`,
    scope: `${framework}; ${siteName(ctx, String(a.scope_id))}; status ${String(a.status)}.`,
    method:
      'Each requirement was assessed as compliant, partially compliant, non-compliant, not applicable or not assessed, with a score where the framework defines one, an observation and evidence files. Requirements not listed under Results were not assessed. Every file in this zip is listed in manifest.json with its SHA-256; the audit-chain head ties the pack to the tamper-evident trail of every change that produced these records.',
    summary: [
      {
        heading: 'Summary',
        lines: [
          `${results.length} requirements assessed: ${count(results, 'result')}.`,
          `Findings: ${count(findings, 'status')}.`,
          `${evidence.length} evidence records.`,
        ],
      },
    ],
    heatMaps: [],
    results: results.map((r) => ({
      ref: String(r.ref_id ?? r.requirement_urn ?? r.requirement_id),
      result: String(r.result).replace(/_/g, ' ') + (r.score !== null && r.score !== undefined ? ` (${String(r.score)})` : ''),
      text: String(r.requirement_name ?? r.requirement_description ?? ''),
      observation: (r.observation as string | null) ?? null,
    })),
    findings,
    tables: {
      assessments: [a],
      requirement_assessments: results,
      findings,
      finding_links: rows(ctx, 'finding_links', `finding_id IN (${inList(fids)})`, fids),
      evidence,
    },
  };
}

export function collectPack(ctx: Ctx, kind: PackKind, id?: string): PackContent {
  return kind === 'assessment' ? assessmentPack(ctx, id!) : registerPack(ctx);
}

/** A grid colour from a matrix's hex colour (#rrggbb), grey when it has none. */
export function hexColor(hex: string | null | undefined): RGB {
  const m = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex ?? '');
  return m ? rgb(parseInt(m[1]!, 16) / 255, parseInt(m[2]!, 16) / 255, parseInt(m[3]!, 16) / 255) : rgb(0.85, 0.85, 0.85);
}
