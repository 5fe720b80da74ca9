/**
 * The risk register from a CSV or an Excel workbook, all or nothing. The file is read with the asset
 * importer's machinery (encodings, delimiters, header matching, repeated columns); every row is
 * checked before anything is written (scores on the matrix's scales, given as a position or a level's
 * name; status, treatment, owner), and the rows are raised in one transaction through createRisk, so
 * each gets its number, history and op as a risk made by hand does. Levels are never read from the
 * file: a level column is ignored with a note, and the preview shows the levels the grid gives.
 */
import type { Ctx } from '../core/context';
import { AppError } from '../../../shared/result';
import { levelAt, RISK_STAGES, RISK_STATUSES, RISK_TREATMENTS, type MatrixDefinition, type MatrixLevel, type RiskStatus, type RiskTreatment } from '../../../shared/grc/matrix';
import { RISK_IMPORT_FIELDS, type RiskImportField, type RiskImportPreview, type RiskImportResult } from '../../../shared/api/risks';
import type { CallParsed } from '../../../shared/api';
import { cell, decodeText, headerKey, mapColumns, parseCsv, type ColumnMap, type ParsedCsv } from '../assets/import/csv';
import { decodeAs } from '../assets/import/encoding';
import { isXlsx, parseXlsx, XlsxError } from '../assets/import/xlsx';
import { getMatrixDefinition, registerMatrixId } from '../grc/grc';
import { createRisk } from './risks';

/** Header names (as headerKey gives them) for each field. */
const ALIASES: Record<string, RiskImportField> = {
  title: 'title',
  name: 'title',
  risk: 'title',
  'risk title': 'title',
  description: 'description',
  category: 'category',
  status: 'status',
  treatment: 'treatment',
  owner: 'owner',
  'risk owner': 'owner',
  threats: 'threats',
  threat: 'threats',
  vulnerabilities: 'vulnerabilities',
  vulnerability: 'vulnerabilities',
  'existing controls': 'existing_controls',
  'review every days': 'review_every_days',
  'review every (days)': 'review_every_days',
  'review cadence': 'review_every_days',
  'review cadence (days)': 'review_every_days',
  'last reviewed': 'last_reviewed_on',
  'last reviewed on': 'last_reviewed_on',
  approver: 'acceptance_approver',
  'accepted by': 'acceptance_approver',
  'acceptance approver': 'acceptance_approver',
  justification: 'acceptance_justification',
  'acceptance justification': 'acceptance_justification',
  'acceptance expiry': 'acceptance_expires_on',
  'acceptance expires': 'acceptance_expires_on',
  'acceptance expires on': 'acceptance_expires_on',
  matrix: 'matrix',
  'risk matrix': 'matrix',
  site: 'site',
  likelihood: 'inherent_likelihood',
  probability: 'inherent_likelihood',
  impact: 'inherent_impact',
};
for (const s of RISK_STAGES) {
  for (const w of ['likelihood', 'probability']) {
    ALIASES[`${s} ${w}`] = `${s}_likelihood`;
  }
  ALIASES[`${s} impact`] = `${s}_impact`;
}
for (const f of RISK_IMPORT_FIELDS) ALIASES[headerKey(f)] ??= f;

/** Headers that name a level: never imported (levels come from the grid). */
const LEVEL_HEADER = /^(?:(?:inherent|current|residual)\s+)?(?:risk\s+)?level$/;
/** The register's own number: a new risk always gets a new one. */
const NUMBER_HEADER = /^(?:risk\s+)?(?:number|no\.?|#|id)$/;

const PREVIEW_ROWS = 200;
const MAX_ERRORS = 500;

function readFile(input: { content?: string; contentBase64?: string }): { parsed: ParsedCsv; format: 'csv' | 'xlsx'; encoding: string | null } {
  if (input.contentBase64 !== undefined) {
    const bytes = Buffer.from(input.contentBase64, 'base64');
    if (isXlsx(bytes)) {
      try {
        return { parsed: parseXlsx(bytes), format: 'xlsx', encoding: null };
      } catch (e) {
        if (e instanceof XlsxError) throw new AppError('invalid_input', e.message);
        throw e;
      }
    }
    const d = decodeAs(bytes);
    return { parsed: parseCsv(d.text), format: 'csv', encoding: d.encoding };
  }
  const d = decodeText(input.content ?? '');
  return { parsed: parseCsv(d.text), format: 'csv', encoding: d.encoding };
}

/** A position on a scale: its 1-based number, or a level's name or abbreviation (any case). */
function position(raw: string, scale: MatrixLevel[]): number | string {
  if (/^\d+$/.test(raw)) {
    const n = Number(raw);
    if (n >= 1 && n <= scale.length) return n;
    return `${raw} is off the scale: it has ${scale.length} levels (1 to ${scale.length}).`;
  }
  const key = raw.toLowerCase();
  const i = scale.findIndex((l) => l.name.toLowerCase() === key || (l.abbreviation && l.abbreviation.toLowerCase() === key));
  if (i >= 0) return i + 1;
  return `"${raw}" is not on the scale (${scale.map((l, k) => `${k + 1} ${l.name}`).join(', ')}).`;
}

function enumValue<T extends string>(raw: string, values: readonly T[]): T | null {
  const key = raw.trim().toLowerCase().replace(/[\s-]+/g, '_');
  return values.find((v) => v === key) ?? null;
}

export function importRisks(ctx: Ctx, input: CallParsed<'risks.import'>): RiskImportResult {
  const sqlite = ctx.store.sqlite;
  const { parsed, format, encoding } = readFile(input);
  const matrixId = input.matrixId ?? registerMatrixId(ctx, input.siteId);
  const m: MatrixDefinition = getMatrixDefinition(ctx, matrixId);
  const notes: string[] = [];
  // A matrix column names a matrix by name or urn; rows without one are scored on matrixId.
  const matrices = sqlite.prepare('SELECT id, urn, name FROM risk_matrices WHERE deleted_hlc IS NULL').all() as { id: string; urn: string; name: string }[];
  const sites = sqlite.prepare('SELECT id, name, code FROM sites WHERE deleted_hlc IS NULL').all() as { id: string; name: string; code: string | null }[];

  // The mapping given (header → field), or the one the header names suggest.
  const levelHeaders = parsed.headers.filter((h) => LEVEL_HEADER.test(headerKey(h)) && !input.mapping?.[h]);
  const aliases: Record<string, RiskImportField> = {};
  if (input.mapping) {
    for (const [h, f] of Object.entries(input.mapping)) {
      if (!parsed.headers.includes(h)) throw new AppError('invalid_input', `The mapping names a column the file does not have: "${h}".`, [{ path: ['mapping', h], message: 'No such column.' }]);
      aliases[headerKey(h)] = f;
    }
  } else Object.assign(aliases, ALIASES);
  const map: ColumnMap<RiskImportField> = mapColumns(parsed.headers, parsed.rows, aliases, ['title']);
  if (levelHeaders.length)
    notes.push(
      `${levelHeaders.map((h) => `"${h}"`).join(', ')} ${levelHeaders.length === 1 ? 'is' : 'are'} not imported: a risk's level always comes from the matrix grid (${m.probability.length}×${m.impact.length}), from its likelihood and impact.`,
    );
  const numberHeaders = parsed.headers.filter((h) => NUMBER_HEADER.test(headerKey(h)) && !input.mapping?.[h]);
  if (numberHeaders.length) notes.push(`"${numberHeaders[0]}" is not imported: each risk gets the register's next number.`);
  notes.push(...map.notes);
  const errors: RiskImportResult['errors'] = [...parsed.errors, ...map.errors];

  const users = sqlite.prepare('SELECT id, username, display_name FROM users WHERE deleted_hlc IS NULL').all() as { id: string; username: string; display_name: string }[];
  const owner = (raw: string): string | null => {
    const key = raw.toLowerCase();
    const hits = users.filter((u) => u.username.toLowerCase() === key || u.display_name.toLowerCase() === key);
    return hits.length === 1 ? hits[0]!.id : null;
  };

  type Row = Parameters<typeof createRisk>[1] & { row: number; status: RiskStatus; lastReviewedOn: string | null; levels: MatrixDefinition };
  const ready: Row[] = [];
  const headerOf = (f: RiskImportField) => (map.index[f] !== undefined ? parsed.headers[map.index[f]!]! : f);
  const fail = (row: number, f: RiskImportField | '', message: string) => {
    if (errors.length < MAX_ERRORS) errors.push({ row, column: f ? headerOf(f) : '', message });
  };
  if (!errors.some((e) => e.row === 0)) {
    parsed.rows.forEach((r, i) => {
      const row = i + 1;
      // A CSV written by a spreadsheet-safe export has a quote before text that would run as a formula.
      const get = (f: RiskImportField) => {
        const v = cell(r, map, f);
        return format === 'csv' && /^'[=+\-@\t\r]/.test(v) ? v.slice(1) : v;
      };
      const before = errors.length;
      const title = get('title');
      if (!title) fail(row, 'title', 'Every risk needs a title.');
      else if (title.length > 300) fail(row, 'title', `The title is ${title.length} characters; at most 300.`);
      let rowMatrix = { id: matrixId, m };
      const matrixRaw = get('matrix');
      if (matrixRaw) {
        const key = matrixRaw.toLowerCase();
        const hits = matrices.filter((x) => x.urn.toLowerCase() === key || x.name.toLowerCase() === key);
        if (hits.length === 1) rowMatrix = { id: hits[0]!.id, m: getMatrixDefinition(ctx, hits[0]!.id) };
        else fail(row, 'matrix', hits.length ? `More than one matrix is called "${matrixRaw}": name it by its urn.` : `No matrix is called "${matrixRaw}" (a name or urn of an imported matrix).`);
      }
      let siteId = input.siteId;
      const siteRaw = get('site');
      if (siteRaw) {
        const key = siteRaw.toLowerCase();
        const hits = sites.filter((x) => x.name.toLowerCase() === key || x.code?.toLowerCase() === key || x.id === siteRaw);
        if (hits.length === 1) siteId = hits[0]!.id;
        else fail(row, 'site', `No single site is called "${siteRaw}" (a site's name or code).`);
      }
      const scores: Partial<Record<(typeof RISK_STAGES)[number], { likelihood: number; impact: number }>> = {};
      for (const s of RISK_STAGES) {
        const lRaw = get(`${s}_likelihood`);
        const iRaw = get(`${s}_impact`);
        if (!lRaw && !iRaw) continue;
        if (!lRaw || !iRaw) {
          fail(row, lRaw ? `${s}_likelihood` : `${s}_impact`, `${s === "inherent" ? "An" : "A"} ${s} score needs both a likelihood and an impact.`);
          continue;
        }
        const l = position(lRaw, rowMatrix.m.probability);
        const im = position(iRaw, rowMatrix.m.impact);
        if (typeof l === 'string') fail(row, `${s}_likelihood`, `Likelihood ${l}`);
        if (typeof im === 'string') fail(row, `${s}_impact`, `Impact ${im}`);
        if (typeof l === 'number' && typeof im === 'number') scores[s] = { likelihood: l, impact: im };
      }
      let status: RiskStatus | null = scores.inherent ? 'assessed' : 'identified';
      const statusRaw = get('status');
      if (statusRaw) {
        status = enumValue(statusRaw, RISK_STATUSES);
        if (!status) fail(row, 'status', `"${statusRaw}" is not a status: use one of ${RISK_STATUSES.join(', ')}.`);
      }
      let treatment: RiskTreatment | null = null;
      const treatmentRaw = get('treatment');
      if (treatmentRaw) {
        treatment = enumValue(treatmentRaw, RISK_TREATMENTS);
        if (!treatment) fail(row, 'treatment', `"${treatmentRaw}" is not a treatment: use one of ${RISK_TREATMENTS.join(', ')}.`);
      }
      let ownerId: string | null = null;
      const ownerRaw = get('owner');
      if (ownerRaw) {
        ownerId = owner(ownerRaw);
        if (!ownerId) fail(row, 'owner', `No single person of the team is called "${ownerRaw}" (a username or a display name).`);
      }
      let reviewEveryDays: number | null = null;
      const reviewRaw = get('review_every_days');
      if (reviewRaw) {
        reviewEveryDays = /^\d+$/.test(reviewRaw) ? Number(reviewRaw) : NaN;
        if (!(reviewEveryDays >= 1 && reviewEveryDays <= 3660)) fail(row, 'review_every_days', `"${reviewRaw}" is not a number of days between 1 and 3660.`);
      }
      const day = (f: RiskImportField): string | null => {
        const raw = get(f);
        if (!raw) return null;
        // A workbook's date cells arrive as 2026-03-31 (or with a time of day, dropped here).
        const d = /^(\d{4}-\d{2}-\d{2})(?:[ T]\d{2}:\d{2}(?::\d{2})?)?$/.exec(raw)?.[1];
        if (d && !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d)) return d;
        fail(row, f, `"${raw}" is not a date: write it as 2026-03-31 (year, month, day), or use a date cell in a workbook.`);
        return null;
      };
      const lastReviewedOn = day('last_reviewed_on');
      const acceptanceExpiresOn = day('acceptance_expires_on');
      let approverId: string | null = null;
      const approverRaw = get('acceptance_approver');
      if (approverRaw) {
        approverId = owner(approverRaw);
        if (!approverId) fail(row, 'acceptance_approver', `No single person of the team is called "${approverRaw}" (a username or a display name).`);
      }
      const text = (f: RiskImportField, max: number) => {
        const v = get(f);
        if (v.length > max) fail(row, f, `${v.length} characters; at most ${max}.`);
        return v || null;
      };
      const fields = {
        description: text('description', 50_000),
        category: text('category', 120),
        threats: text('threats', 20_000),
        vulnerabilities: text('vulnerabilities', 20_000),
        existingControls: text('existing_controls', 20_000),
      };
      const justification = text('acceptance_justification', 20_000);
      if (status === 'accepted' && (!approverRaw || !justification))
        fail(row, 'status', 'An accepted risk needs an approver and a justification (the Acceptance approver and Acceptance justification columns).');
      const acceptance = approverRaw || justification || acceptanceExpiresOn ? { acceptance: { approverId, justification, expiresOn: acceptanceExpiresOn } } : {};
      if (errors.length === before && status)
        ready.push({
          row,
          title,
          matrixId: rowMatrix.id,
          status,
          treatment,
          ownerId,
          reviewEveryDays,
          lastReviewedOn,
          levels: rowMatrix.m,
          ...fields,
          ...acceptance,
          ...scores,
          ...(siteId ? { siteId } : {}),
        });
    });
  }
  if (!parsed.rows.length && !errors.length) errors.push({ row: 0, column: '', message: 'The file has a header row but no risk.' });

  const level = (m: MatrixDefinition, sc: { likelihood: number; impact: number } | undefined) => ({
    likelihood: sc?.likelihood ?? null,
    impact: sc?.impact ?? null,
    level: sc ? levelAt(m, sc.likelihood, sc.impact) : null,
  });
  const preview: RiskImportPreview[] = ready.slice(0, PREVIEW_ROWS).map((r) => ({
    row: r.row,
    title: r.title,
    status: r.status,
    inherent: level(r.levels, r.inherent ?? undefined),
    current: level(r.levels, r.current ?? undefined),
    residual: level(r.levels, r.residual ?? undefined),
  }));
  const mapping: Record<string, RiskImportField> = {};
  for (const [h, f] of Object.entries(map.recognised)) mapping[h] = f as RiskImportField;
  const result: RiskImportResult = {
    format,
    encoding,
    headers: parsed.headers,
    mapping,
    ignored: map.ignored,
    rows: parsed.rows.length,
    errors,
    notes,
    preview,
    matrixId,
    dryRun: input.dryRun,
    created: 0,
    numbers: null,
  };
  if (input.dryRun || errors.length) return result;
  // All or nothing: one transaction around every risk (each createRisk nests as a savepoint).
  const numbers = sqlite.transaction(() => ready.map(({ row: _row, lastReviewedOn, levels: _levels, ...r }) => createRisk(ctx, r, { lastReviewedOn }).number))();
  return { ...result, created: numbers.length, numbers: numbers.length ? { first: numbers[0]!, last: numbers.at(-1)! } : null };
}
