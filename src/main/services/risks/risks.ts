/**
 * The risk register: risks in a site, scored on a matrix as 1-based likelihood and impact positions
 * for each stage (inherent, current, residual). Levels are derived from the matrix's grid on every
 * read, never stored. Every score change appends a history record with who and why; likelihood and
 * impact are separate fields so concurrent edits of each both survive the merge.
 */
import type Database from 'better-sqlite3';
import type { Ctx } from '../core/context';
import { requireActor, write, type WriteScope } from '../core/write';
import { createRecord, setMember, updateRecord } from '../core/record';
import { setRowId } from '../core/set-ids';
import { nextNumber } from '../core/numbers';
import { uuidv7 } from '../../../shared/ids';
import { AppError } from '../../../shared/result';
import { levelAt, RISK_STAGES, type MatrixDefinition, type RiskStage } from '../../../shared/grc/matrix';
import type { HeatMap, KevCoverage, Risk, RiskDraft, RiskKev, RiskFilter, RiskHistoryEntry, RiskScore, RiskSummary, RiskTicket } from '../../../shared/api/risks';
import { likePattern, trigrams } from '../assets/list';
import { kevExposure } from '../software/catalogues';
import type { CallParsed } from '../../../shared/api';
import { defaultMatrixId, getMatrixDefinition, matrixDefinitions, registerMatrixId } from '../grc/grc';

type CreateInput = CallParsed<'risks.create'>;
type UpdateInput = CallParsed<'risks.update'>;

const STAGE_COLS = Object.fromEntries(RISK_STAGES.map((s) => [s, [`${s}_likelihood`, `${s}_impact`]])) as Record<RiskStage, [string, string]>;

/**
 * When a risk is next due for review, in SQL. The partial index risks_review_due_idx (migration
 * 0031) is built on this very expression (with the same conditions), so "review overdue" is a range
 * read of it; change both together.
 */
const REVIEW_DUE = "date(coalesce(r.last_reviewed_on, substr(r.created_at, 1, 10)), '+' || r.review_every_days || ' days')";
/**
 * Above this many matches, a page of a search or of overdue reviews walks the register in number
 * order (about limit × risks ÷ matches rows read) rather than reading every match and sorting it.
 * Tests lower it to reach both paths.
 */
export const RISK_LIST_TUNING = { walkAbove: 2000 };
/** How far back a risk's page looks for incidents on its assets. */
export const INCIDENT_WINDOW_DAYS = 90;

function bad(path: string, message: string): AppError {
  return new AppError('invalid_input', message, [{ path: [path], message }]);
}

function requireStaff(ctx: Ctx) {
  const a = requireActor(ctx);
  if (a.role !== 'admin' && a.role !== 'technician')
    throw new AppError('forbidden', 'Only administrators and technicians change the risk register.');
  return a;
}

export function today(ctx: Ctx): string {
  return ctx.clock.now().toISOString().slice(0, 10);
}

function checkScore(m: MatrixDefinition, stage: string, s: { likelihood: number; impact: number } | null | undefined) {
  if (!s) return;
  if (s.likelihood > m.probability.length)
    throw bad(
      stage,
      `The ${stage} likelihood ${s.likelihood} is off the matrix: its probability scale has ${m.probability.length} levels.`,
    );
  if (s.impact > m.impact.length)
    throw bad(stage, `The ${stage} impact ${s.impact} is off the matrix: its impact scale has ${m.impact.length} levels.`);
}

function siteFor(ctx: Ctx, siteId: string | undefined): string {
  const actor = requireActor(ctx);
  const sqlite = ctx.store.sqlite;
  const site =
    siteId ??
    actor.siteIds[0] ??
    (sqlite.prepare('SELECT id FROM sites WHERE deleted_hlc IS NULL ORDER BY created_at LIMIT 1').pluck().get() as string | undefined);
  if (!site) throw new AppError('conflict', 'Create a site before adding risks.');
  if (!sqlite.prepare('SELECT 1 FROM sites WHERE id = ? AND deleted_hlc IS NULL').get(site)) throw bad('siteId', 'No such site.');
  if (actor.role !== 'admin' && !actor.siteIds.includes(site)) throw new AppError('forbidden', 'You do not have access to that site.');
  return site;
}

function assertPerson(sqlite: Database.Database, id: string | null | undefined, path: string) {
  if (!id) return;
  if (!sqlite.prepare('SELECT 1 FROM users WHERE id = ? AND deleted_hlc IS NULL').get(id)) throw bad(path, 'No such person.');
}

type LinkKind = 'asset' | 'location' | 'control' | 'ticket';
const linkTable = { asset: 'risk_assets', location: 'risk_locations', control: 'risk_controls', ticket: 'risk_tickets' } as const;
const linkField = { asset: 'asset_id', location: 'location_id', control: 'control_id', ticket: 'ticket_id' } as const;
const targetTable = { asset: 'assets', location: 'locations', control: 'applied_controls', ticket: 'tickets' } as const;

function writeLink(
  ctx: Ctx,
  w: WriteScope,
  riskId: string,
  scopeId: string,
  kind: LinkKind,
  targetId: string,
  present: boolean,
): boolean {
  const sqlite = ctx.store.sqlite;
  if (present && !sqlite.prepare(`SELECT 1 FROM ${targetTable[kind]} WHERE id = ? AND deleted_hlc IS NULL`).get(targetId))
    throw bad(kind === 'ticket' ? 'targetId' : `${kind}Ids`, `No such ${kind === 'control' ? 'applied control' : kind}.`);
  const table = linkTable[kind];
  return setMember(ctx, w, table, setRowId(table, riskId, targetId), scopeId, { risk_id: riskId, [linkField[kind]]: targetId }, present);
}

function appendScore(
  ctx: Ctx,
  w: WriteScope,
  riskId: string,
  scopeId: string,
  stage: RiskStage,
  from: [number | null, number | null],
  to: [number | null, number | null],
  reason: string | null,
) {
  createRecord(ctx, w, 'risk_score_history', uuidv7(), scopeId, {
    risk_id: riskId,
    actor_id: w.actorId,
    stage,
    from_likelihood: from[0],
    from_impact: from[1],
    to_likelihood: to[0],
    to_impact: to[1],
    reason,
  });
}

function acceptanceCheck(
  status: string | null | undefined,
  treatment: string | null | undefined,
  a: { approverId: string | null; justification: string | null; expiresOn: string | null },
) {
  if (status === 'accepted' && (!a.approverId || !a.justification))
    throw bad('acceptance', 'An accepted risk needs an approver and a justification.');
  void treatment;
}

/** `lastReviewedOn` is for imports carrying a register's past reviews; a risk raised by hand has none. */
export function createRisk(ctx: Ctx, input: CreateInput, opts: { lastReviewedOn?: string | null } = {}): Risk {
  requireStaff(ctx);
  const sqlite = ctx.store.sqlite;
  const scopeId = siteFor(ctx, input.siteId);
  // Scored on the register's matrix (the site's choice, else the team's) unless one is named.
  const matrixId = input.matrixId ?? registerMatrixId(ctx, scopeId);
  const m = getMatrixDefinition(ctx, matrixId);
  for (const s of RISK_STAGES) checkScore(m, s, input[s]);
  assertPerson(sqlite, input.ownerId, 'ownerId');
  const acceptance = {
    approverId: input.acceptance?.approverId ?? null,
    justification: input.acceptance?.justification ?? null,
    expiresOn: input.acceptance?.expiresOn ?? null,
  };
  assertPerson(sqlite, acceptance.approverId, 'acceptance');
  const status = input.status ?? (input.inherent ? 'assessed' : 'identified');
  acceptanceCheck(status, input.treatment, acceptance);
  const id = uuidv7();
  write(ctx, (w) => {
    createRecord(ctx, w, 'risks', id, scopeId, {
      number: nextNumber(sqlite, 'RSK', ctx.clock.now()),
      title: input.title,
      description: input.description ?? null,
      category: input.category ?? null,
      owner_id: input.ownerId ?? null,
      status,
      matrix_id: matrixId,
      inherent_likelihood: input.inherent?.likelihood ?? null,
      inherent_impact: input.inherent?.impact ?? null,
      current_likelihood: input.current?.likelihood ?? null,
      current_impact: input.current?.impact ?? null,
      residual_likelihood: input.residual?.likelihood ?? null,
      residual_impact: input.residual?.impact ?? null,
      threats: input.threats ?? null,
      vulnerabilities: input.vulnerabilities ?? null,
      existing_controls: input.existingControls ?? null,
      treatment: input.treatment ?? null,
      acceptance_approver_id: acceptance.approverId,
      acceptance_justification: acceptance.justification,
      acceptance_expires_on: acceptance.expiresOn,
      review_every_days: input.reviewEveryDays ?? null,
      last_reviewed_on: opts.lastReviewedOn ?? null,
    });
    for (const s of RISK_STAGES) {
      const sc = input[s];
      if (sc) appendScore(ctx, w, id, scopeId, s, [null, null], [sc.likelihood, sc.impact], 'Scored when the risk was raised.');
    }
    for (const a of input.assetIds ?? []) writeLink(ctx, w, id, scopeId, 'asset', a, true);
    for (const l of input.locationIds ?? []) writeLink(ctx, w, id, scopeId, 'location', l, true);
    for (const c of input.controlIds ?? []) writeLink(ctx, w, id, scopeId, 'control', c, true);
    for (const k of input.kev ?? []) writeKevLink(ctx, w, id, scopeId, k.assetId, k.cveId, true);
  });
  return getRisk(ctx, id);
}

interface RiskRow {
  id: string;
  scope_id: string;
  number: string;
  former_number: string | null;
  title: string;
  description: string | null;
  category: string | null;
  owner_id: string | null;
  owner_name: string | null;
  status: string;
  matrix_id: string;
  inherent_likelihood: number | null;
  inherent_impact: number | null;
  current_likelihood: number | null;
  current_impact: number | null;
  residual_likelihood: number | null;
  residual_impact: number | null;
  threats: string | null;
  vulnerabilities: string | null;
  existing_controls: string | null;
  treatment: string | null;
  acceptance_approver_id: string | null;
  acceptance_justification: string | null;
  acceptance_expires_on: string | null;
  review_every_days: number | null;
  last_reviewed_on: string | null;
  created_at: string;
  updated_at: string;
}

function rowOrThrow(sqlite: Database.Database, id: string): RiskRow {
  const r = sqlite
    .prepare(
      'SELECT r.*, u.display_name AS owner_name FROM risks r LEFT JOIN users u ON u.id = r.owner_id WHERE r.id = ? AND r.deleted_hlc IS NULL',
    )
    .get(id) as RiskRow | undefined;
  if (!r) throw new AppError('not_found', 'No such risk.');
  return r;
}

export function updateRisk(ctx: Ctx, input: UpdateInput): Risk {
  requireStaff(ctx);
  const sqlite = ctx.store.sqlite;
  const row = rowOrThrow(sqlite, input.id);
  const matrixId = input.matrixId ?? row.matrix_id;
  const m = getMatrixDefinition(ctx, matrixId);
  for (const s of RISK_STAGES) checkScore(m, s, input[s]);
  if (input.matrixId && input.matrixId !== row.matrix_id) {
    // Scores kept from the old matrix must still fit the new one.
    for (const s of RISK_STAGES) {
      if (input[s] !== undefined) continue;
      const [l, i] = STAGE_COLS[s];
      const cur = row[l as keyof RiskRow] as number | null;
      const imp = row[i as keyof RiskRow] as number | null;
      if (cur !== null && imp !== null) checkScore(m, s, { likelihood: cur, impact: imp });
    }
  }
  assertPerson(sqlite, input.ownerId, 'ownerId');
  const values: Record<string, string | number | null> = {};
  const set = (k: string, v: string | number | null | undefined) => {
    if (v !== undefined) values[k] = v;
  };
  set('title', input.title);
  set('matrix_id', input.matrixId);
  set('description', input.description);
  set('category', input.category);
  set('owner_id', input.ownerId);
  set('status', input.status);
  set('threats', input.threats);
  set('vulnerabilities', input.vulnerabilities);
  set('existing_controls', input.existingControls);
  set('treatment', input.treatment);
  set('review_every_days', input.reviewEveryDays);
  if (input.acceptance) {
    assertPerson(sqlite, input.acceptance.approverId, 'acceptance');
    set('acceptance_approver_id', input.acceptance.approverId);
    set('acceptance_justification', input.acceptance.justification);
    set('acceptance_expires_on', input.acceptance.expiresOn);
  }
  acceptanceCheck(input.status ?? row.status, input.treatment ?? row.treatment, {
    approverId: (values.acceptance_approver_id as string | null | undefined) ?? row.acceptance_approver_id,
    justification: (values.acceptance_justification as string | null | undefined) ?? row.acceptance_justification,
    expiresOn: null,
  });
  const changes: { stage: RiskStage; from: [number | null, number | null]; to: [number | null, number | null] }[] = [];
  for (const s of RISK_STAGES) {
    const sc = input[s];
    if (sc === undefined) continue;
    const [lc, ic] = STAGE_COLS[s];
    const from: [number | null, number | null] = [row[lc as keyof RiskRow] as number | null, row[ic as keyof RiskRow] as number | null];
    const to: [number | null, number | null] = sc ? [sc.likelihood, sc.impact] : [null, null];
    // Only the part that changed is written: a likelihood raised here and an impact raised elsewhere both survive.
    if (to[0] !== from[0]) values[lc] = to[0];
    if (to[1] !== from[1]) values[ic] = to[1];
    if (to[0] !== from[0] || to[1] !== from[1]) changes.push({ stage: s, from, to });
  }
  if (!Object.keys(values).length) return getRisk(ctx, input.id);
  write(ctx, (w) => {
    updateRecord(ctx, w, 'risks', input.id, values);
    for (const c of changes) appendScore(ctx, w, input.id, row.scope_id, c.stage, c.from, c.to, input.reason ?? null);
  });
  return getRisk(ctx, input.id);
}

export function reviewRisk(ctx: Ctx, id: string, note: string | undefined): Risk {
  requireStaff(ctx);
  rowOrThrow(ctx.store.sqlite, id);
  write(ctx, (w) => {
    updateRecord(ctx, w, 'risks', id, { last_reviewed_on: today(ctx) });
    if (note) w.audit('risk', id, null, { review: note });
  });
  return getRisk(ctx, id);
}

export function linkRisk(ctx: Ctx, input: CallParsed<'risks.link'>): Risk {
  requireStaff(ctx);
  const row = rowOrThrow(ctx.store.sqlite, input.id);
  write(ctx, (w) => writeLink(ctx, w, input.id, row.scope_id, input.kind, input.targetId, input.present));
  return getRisk(ctx, input.id);
}

/** The asset's KEV exposure to a CVE as this device's catalogue finds it (the asset's KEV view), or an error naming both. */
function kevExposureOf(ctx: Ctx, assetId: string, cveId: string) {
  const asset = ctx.store.sqlite.prepare('SELECT id, tag, name, scope_id FROM assets WHERE id = ? AND deleted_hlc IS NULL').get(assetId) as
    | { id: string; tag: string; name: string; scope_id: string }
    | undefined;
  if (!asset) throw bad('assetId', 'No such asset.');
  const exposure = kevExposure(ctx, { assetId, limit: 5000 }).items.find((e) => e.cveId === cveId);
  if (!exposure) throw bad('cveId', `${asset.tag} is not exposed to ${cveId} in the KEV catalogue on this device.`);
  return { asset, exposure };
}

/**
 * Adds or removes a KEV exposure of an asset on a risk (a `risk_vulnerabilities` member); adding one
 * also makes the asset an affected asset. A new link needs the exposure on this device; one already
 * linked (here or on another laptop) is kept or removed without asking the catalogue again.
 */
function writeKevLink(ctx: Ctx, w: WriteScope, riskId: string, scopeId: string, assetId: string, cveId: string, present: boolean): boolean {
  const rowId = setRowId('risk_vulnerabilities', riskId, assetId, cveId);
  const linked = !!ctx.store.sqlite.prepare('SELECT 1 FROM risk_vulnerabilities WHERE id = ? AND deleted_hlc IS NULL').get(rowId);
  if (present === linked) return false;
  if (present) {
    kevExposureOf(ctx, assetId, cveId);
    writeLink(ctx, w, riskId, scopeId, 'asset', assetId, true);
  }
  return setMember(ctx, w, 'risk_vulnerabilities', rowId, scopeId, { risk_id: riskId, asset_id: assetId, cve_id: cveId }, present);
}

export function linkKev(ctx: Ctx, input: CallParsed<'risks.linkKev'>): Risk {
  requireStaff(ctx);
  const row = rowOrThrow(ctx.store.sqlite, input.id);
  write(ctx, (w) => writeKevLink(ctx, w, input.id, row.scope_id, input.assetId, input.cveId, input.present));
  return getRisk(ctx, input.id);
}

/** The risks covering each of an asset's KEV exposures. */
export function kevCoverage(ctx: Ctx, assetId: string): { items: KevCoverage[] } {
  requireActor(ctx);
  const items = ctx.store.sqlite
    .prepare(
      `SELECT x.cve_id AS cveId, r.id AS riskId, r.number, r.title, r.status FROM risk_vulnerabilities x JOIN risks r ON r.id = x.risk_id
       WHERE x.asset_id = ? AND x.deleted_hlc IS NULL AND r.deleted_hlc IS NULL ORDER BY x.cve_id, r.number`,
    )
    .all(assetId) as KevCoverage[];
  return { items };
}

function kevLinks(sqlite: Database.Database, riskId: string): RiskKev[] {
  const rows = sqlite
    .prepare(
      `SELECT x.asset_id AS assetId, a.tag AS assetTag, a.name AS assetName, x.cve_id AS cveId, k.vendor_project AS vendorProject, k.product,
         k.vulnerability_name AS vulnerabilityName, k.date_added AS dateAdded, k.due_date AS dueDate, k.known_ransomware AS knownRansomware
       FROM risk_vulnerabilities x JOIN assets a ON a.id = x.asset_id LEFT JOIN kev_entries k ON k.cve_id = x.cve_id
       WHERE x.risk_id = ? AND x.deleted_hlc IS NULL ORDER BY coalesce(k.due_date, '9999'), x.cve_id, a.tag_key`,
    )
    .all(riskId) as (Omit<RiskKev, 'knownRansomware'> & { knownRansomware: number | null })[];
  return rows.map((r) => ({ ...r, knownRansomware: r.knownRansomware === null ? null : r.knownRansomware === 1 }));
}

function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}

function score(m: MatrixDefinition | undefined, l: number | null, i: number | null): RiskScore {
  const lv = m ? levelAt(m, l, i) : null;
  return { likelihood: l, impact: i, level: lv };
}

function nextReview(r: Pick<RiskRow, 'review_every_days' | 'last_reviewed_on' | 'created_at'>): string | null {
  if (!r.review_every_days) return null;
  return addDays(r.last_reviewed_on ?? r.created_at.slice(0, 10), r.review_every_days);
}

function toSummary(r: RiskRow, mats: Map<string, MatrixDefinition>, day: string): RiskSummary {
  const m = mats.get(r.matrix_id);
  const next = nextReview(r);
  return {
    id: r.id,
    number: r.number,
    formerNumber: r.former_number,
    title: r.title,
    category: r.category,
    status: r.status as RiskSummary['status'],
    treatment: r.treatment as RiskSummary['treatment'],
    ownerId: r.owner_id,
    ownerName: r.owner_name,
    siteId: r.scope_id,
    matrixId: r.matrix_id,
    inherent: score(m, r.inherent_likelihood, r.inherent_impact),
    current: score(m, r.current_likelihood, r.current_impact),
    residual: score(m, r.residual_likelihood, r.residual_impact),
    reviewOverdue: r.status !== 'closed' && next !== null && next < day,
    acceptanceExpired: r.status === 'accepted' && !!r.acceptance_expires_on && r.acceptance_expires_on < day,
    updatedAt: r.updated_at,
  };
}

export function getRisk(ctx: Ctx, id: string): Risk {
  const sqlite = ctx.store.sqlite;
  const r = rowOrThrow(sqlite, id);
  const mats = matrixDefinitions(sqlite);
  const m = mats.get(r.matrix_id);
  const history = (
    sqlite
      .prepare(
        `SELECT h.id, h.created_at AS at, h.actor_id, u.display_name AS actor_name, h.stage, h.from_likelihood, h.from_impact, h.to_likelihood, h.to_impact, h.reason
         FROM risk_score_history h LEFT JOIN users u ON u.id = h.actor_id WHERE h.risk_id = ? AND h.deleted_hlc IS NULL ORDER BY h.created_at DESC, h.id DESC`,
      )
      .all(id) as {
      id: string;
      at: string;
      actor_id: string;
      actor_name: string | null;
      stage: RiskStage;
      from_likelihood: number | null;
      from_impact: number | null;
      to_likelihood: number | null;
      to_impact: number | null;
      reason: string | null;
    }[]
  ).map((h): RiskHistoryEntry => ({
    id: h.id,
    at: h.at,
    actorId: h.actor_id,
    actorName: h.actor_name,
    stage: h.stage,
    from: score(m, h.from_likelihood, h.from_impact),
    to: score(m, h.to_likelihood, h.to_impact),
    reason: h.reason,
  }));
  const approver = r.acceptance_approver_id
    ? (sqlite.prepare('SELECT display_name FROM users WHERE id = ?').pluck().get(r.acceptance_approver_id) as string | undefined)
    : undefined;
  return {
    ...toSummary(r, mats, today(ctx)),
    description: r.description,
    threats: r.threats,
    vulnerabilities: r.vulnerabilities,
    existingControls: r.existing_controls,
    acceptance: {
      approverId: r.acceptance_approver_id,
      approverName: approver ?? null,
      justification: r.acceptance_justification,
      expiresOn: r.acceptance_expires_on,
    },
    reviewEveryDays: r.review_every_days,
    lastReviewedOn: r.last_reviewed_on,
    nextReviewOn: nextReview(r),
    assets: sqlite
      .prepare(
        'SELECT a.id, a.tag, a.name FROM risk_assets x JOIN assets a ON a.id = x.asset_id WHERE x.risk_id = ? AND x.deleted_hlc IS NULL ORDER BY a.tag_key',
      )
      .all(id) as Risk['assets'],
    locations: sqlite
      .prepare(
        'SELECT l.id, l.name FROM risk_locations x JOIN locations l ON l.id = x.location_id WHERE x.risk_id = ? AND x.deleted_hlc IS NULL ORDER BY l.name',
      )
      .all(id) as Risk['locations'],
    controls: sqlite
      .prepare(
        'SELECT c.id, c.name, c.status, c.due_on AS dueOn FROM risk_controls x JOIN applied_controls c ON c.id = x.control_id WHERE x.risk_id = ? AND x.deleted_hlc IS NULL AND c.deleted_hlc IS NULL ORDER BY c.name',
      )
      .all(id) as Risk['controls'],
    kev: kevLinks(sqlite, id),
    tickets: sqlite
      .prepare(
        `SELECT t.id, t.number, t.type, t.title, t.status, t.opened_at AS openedAt FROM risk_tickets x JOIN tickets t ON t.id = x.ticket_id
         WHERE x.risk_id = ? AND x.deleted_hlc IS NULL AND t.deleted_hlc IS NULL ORDER BY t.opened_at DESC`,
      )
      .all(id) as RiskTicket[],
    incidents: incidentsOnAssets(ctx, id),
    history,
    createdAt: r.created_at,
  };
}

/** Incidents opened in the last 90 days on the risk's affected assets (newest first; the list capped at 200, the count not). */
function incidentsOnAssets(ctx: Ctx, riskId: string): Risk['incidents'] {
  const since = addDays(today(ctx), -INCIDENT_WINDOW_DAYS);
  const from = `FROM risk_assets x JOIN tickets t ON t.linked_asset_id = x.asset_id JOIN assets a ON a.id = x.asset_id
    WHERE x.risk_id = ? AND x.deleted_hlc IS NULL AND t.deleted_hlc IS NULL AND t.type = 'incident' AND t.opened_at >= ?`;
  const sqlite = ctx.store.sqlite;
  const count = sqlite.prepare(`SELECT count(*) ${from}`).pluck().get(riskId, since) as number;
  const items = sqlite
    .prepare(`SELECT t.id, t.number, t.type, t.title, t.status, t.opened_at AS openedAt, a.tag AS assetTag ${from} ORDER BY t.opened_at DESC LIMIT 200`)
    .all(riskId, since) as RiskTicket[];
  return { count, since, items };
}

/** The risks a ticket is linked to. */
export function risksForTicket(ctx: Ctx, ticketId: string): { items: RiskSummary[] } {
  const sqlite = ctx.store.sqlite;
  const rows = sqlite
    .prepare(
      `SELECT r.*, u.display_name AS owner_name FROM risk_tickets x JOIN risks r ON r.id = x.risk_id LEFT JOIN users u ON u.id = r.owner_id
       WHERE x.ticket_id = ? AND x.deleted_hlc IS NULL AND r.deleted_hlc IS NULL ORDER BY r.number`,
    )
    .all(ticketId) as RiskRow[];
  const mats = matrixDefinitions(sqlite);
  const day = today(ctx);
  return { items: rows.map((r) => toSummary(r, mats, day)) };
}

/**
 * "Raise a risk" from an asset exposed to a known exploited vulnerability: the exposure (as the
 * asset's KEV view finds it) becomes the risk's vulnerability, exploitation its threat, the asset
 * its affected asset. Refused when this device sees no such exposure.
 */
export function kevDraft(ctx: Ctx, assetId: string, cveId: string): RiskDraft {
  requireStaff(ctx);
  const { asset, exposure } = kevExposureOf(ctx, assetId, cveId);
  const what = [exposure.vendorProject, exposure.product].filter(Boolean).join(' ');
  return {
    title: `${cveId} on ${asset.tag} (${exposure.software})`.slice(0, 300),
    threats: `Exploitation of ${cveId}${exposure.vulnerabilityName ? ` (${exposure.vulnerabilityName})` : ''}: listed by CISA as known exploited since ${exposure.dateAdded}${exposure.knownRansomware ? ', used in ransomware campaigns' : ''}.`,
    vulnerabilities: [
      `${cveId} in ${what}, installed on ${asset.tag} ${asset.name} as ${exposure.software}${exposure.version ? ` ${exposure.version}` : ''}.`,
      `Why it matched: ${exposure.reason}`,
      exposure.requiredAction ? `Required action: ${exposure.requiredAction}${exposure.dueDate ? ` (due ${exposure.dueDate})` : ''}` : null,
    ]
      .filter(Boolean)
      .join('\n'),
    assetIds: [asset.id],
    kev: [{ assetId: asset.id, cveId }],
    siteId: asset.scope_id,
  };
}

/**
 * WHERE clause and parameters of a register filter. `walk`: for the page query, which reads risks in
 * number order and stops at the page's end, dense filters are written `+col` so SQLite walks the
 * number index instead of sorting every match (as the asset and ticket lists do).
 */
function where(
  f: Omit<RiskFilter, 'cell'> & { cell?: RiskFilter['cell'] },
  day: string,
  walk = false,
  manyMatches = false,
): { sql: string; params: unknown[] } {
  const w = walk ? '+' : '';
  // Search and "review overdue" have indexes of their own: a page reads their matches and sorts them,
  // unless there are many (then walking the number index finds a page of them sooner).
  const m = walk && manyMatches ? '+' : '';
  const c: string[] = ['r.deleted_hlc IS NULL'];
  const p: unknown[] = [];
  if (f.q) {
    // Three characters or more: the trigram index risks_search finds the candidates; every one is
    // re-checked with LIKE (the index keeps no positions). Shorter text is matched by LIKE alone.
    // When walking (many matches), LIKE alone decides: cheaper than listing every match from the index.
    const tri = m ? [] : trigrams(f.q.toLowerCase());
    if (tri.length) {
      c.push('r.rowid IN (SELECT rowid FROM risks_search WHERE risks_search MATCH ?)');
      p.push(tri.join(' '));
    }
    c.push("(r.title LIKE ? ESCAPE '\\' OR r.number LIKE ? ESCAPE '\\' OR r.former_number LIKE ? ESCAPE '\\')");
    const like = likePattern(f.q);
    p.push(like, like, like);
  }
  if (f.status?.length) {
    c.push(`${w}r.status IN (${f.status.map(() => '?').join(', ')})`);
    p.push(...f.status);
  }
  if (f.siteId) {
    c.push('r.scope_id = ?');
    p.push(f.siteId);
  }
  if (f.ownerId) {
    c.push('r.owner_id = ?');
    p.push(f.ownerId);
  }
  if (f.matrixId) {
    c.push('r.matrix_id = ?');
    p.push(f.matrixId);
  }
  if (f.treatment) {
    c.push('r.treatment = ?');
    p.push(f.treatment);
  }
  if (f.cell) {
    const [l, i] = STAGE_COLS[f.cell.stage];
    c.push(`${w}r.${l} = ? AND ${w}r.${i} = ?`);
    p.push(f.cell.likelihood, f.cell.impact);
  }
  if (f.reviewOverdue !== undefined) {
    if (f.reviewOverdue) {
      // Written as the partial index's conditions, so SQLite reads the due range from it.
      c.push(`r.review_every_days IS NOT NULL AND r.status <> 'closed' AND ${m}${REVIEW_DUE} < ?`);
    } else {
      c.push(`NOT coalesce(r.review_every_days IS NOT NULL AND r.status <> 'closed' AND ${REVIEW_DUE} < ?, 0)`);
    }
    p.push(day);
  }
  if (f.acceptanceExpiresFrom !== undefined || f.acceptanceExpiresBefore !== undefined) {
    // What the dashboard's acceptance figures count (services/kpis/registers.ts): accepted risks by expiry day.
    c.push(`r.status = 'accepted' AND r.acceptance_expires_on IS NOT NULL`);
    if (f.acceptanceExpiresFrom !== undefined) {
      c.push('r.acceptance_expires_on >= ?');
      p.push(f.acceptanceExpiresFrom);
    }
    if (f.acceptanceExpiresBefore !== undefined) {
      c.push('r.acceptance_expires_on < ?');
      p.push(f.acceptanceExpiresBefore);
    }
  }
  if (f.assetId) {
    c.push('r.id IN (SELECT risk_id FROM risk_assets WHERE asset_id = ? AND deleted_hlc IS NULL)');
    p.push(f.assetId);
  }
  if (f.controlId) {
    c.push('r.id IN (SELECT risk_id FROM risk_controls WHERE control_id = ? AND deleted_hlc IS NULL)');
    p.push(f.controlId);
  }
  return { sql: c.join(' AND '), params: p };
}

export function listRisks(ctx: Ctx, input: CallParsed<'risks.list'>): { items: RiskSummary[]; total: number; nextCursor: string | null } {
  const sqlite = ctx.store.sqlite;
  const day = today(ctx);
  const { limit, offset, cursor, ...f } = input;
  const w = where(f, day);
  // SQLite would count by reading every row; these covering indexes answer the usual counts alone.
  const keys = Object.keys(f).filter((k) => f[k as keyof typeof f] !== undefined);
  const only = (allowed: string[]) => f.matrixId !== undefined && keys.every((k) => allowed.includes(k));
  const hint = only(['matrixId', 'status']) ? 'INDEXED BY risks_live_status_idx' : only(['matrixId', 'status', 'cell']) ? 'INDEXED BY risks_heat_idx' : '';
  const total = sqlite
    .prepare(`SELECT count(*) FROM risks r ${hint} WHERE ${w.sql}`)
    .pluck()
    .get(...w.params) as number;
  const page = where(f, day, true, total > RISK_LIST_TUNING.walkAbove);
  // Keyset: the next page starts below the last number shown (numbers are unique), so a later page
  // costs what the first does; `offset` stays for callers that skip ahead.
  const after = cursor ? ' AND r.number < ?' : '';
  const rows = sqlite
    .prepare(
      `SELECT r.*, u.display_name AS owner_name FROM risks r LEFT JOIN users u ON u.id = r.owner_id WHERE ${page.sql}${after} ORDER BY r.number DESC LIMIT ? OFFSET ?`,
    )
    .all(...page.params, ...(cursor ? [cursor] : []), limit + 1, cursor ? 0 : offset) as RiskRow[];
  const more = rows.length > limit;
  if (more) rows.pop();
  const mats = matrixDefinitions(sqlite);
  return { items: rows.map((r) => toSummary(r, mats, day)), total, nextCursor: more ? rows.at(-1)!.number : null };
}

export function heatMap(ctx: Ctx, f: CallParsed<'risks.heatmap'>): HeatMap {
  const sqlite = ctx.store.sqlite;
  const mats = matrixDefinitions(sqlite);
  const matrixId = f.matrixId ?? ensureDefaultOrFirst(ctx);
  const m = mats.get(matrixId);
  if (!m) throw new AppError('not_found', 'No such risk matrix.');
  const w = where({ ...f, matrixId }, today(ctx));
  const counts = {} as HeatMap['counts'];
  for (const s of RISK_STAGES) counts[s] = m.probability.map(() => m.impact.map(() => 0));
  // One pass over the live risks of the matrix (an index-only scan of risks_heat_idx when no text
  // filter applies), grouped by all six positions; each group adds to the three maps.
  const rows = sqlite
    .prepare(
      `SELECT r.inherent_likelihood, r.inherent_impact, r.current_likelihood, r.current_impact, r.residual_likelihood, r.residual_impact, count(*)
       FROM risks r WHERE ${w.sql} GROUP BY 1, 2, 3, 4, 5, 6`,
    )
    .raw()
    .all(...w.params) as (number | null)[][];
  for (const row of rows) {
    const n = row[6] as number;
    RISK_STAGES.forEach((s, k) => {
      const l = row[k * 2];
      const i = row[k * 2 + 1];
      if (l != null && i != null && counts[s][l - 1]?.[i - 1] !== undefined) counts[s][l - 1]![i - 1]! += n;
    });
  }
  return { matrixId, counts };
}

function ensureDefaultOrFirst(ctx: Ctx): string {
  const id = defaultMatrixId(ctx.store.sqlite);
  if (!id) throw new AppError('not_found', 'The team has no risk matrix yet; import one from a library.');
  return id;
}

/** The WHERE clause of a risk filter (as lists read it), for exports of the same selection. */
export function riskFilterSql(f: Omit<RiskFilter, 'cell'>, day: string): { sql: string; params: unknown[] } {
  return where(f, day);
}
