/**
 * Risk matrices and frameworks: imported from libraries (all-or-nothing, in one write), idempotent
 * for a version already held, updated in place by a newer one. Ids come from the library's urns, so
 * the same library imported on two devices is one record everywhere.
 */
import type Database from 'better-sqlite3';
import type { Ctx } from '../core/context';
import { write, requireActor } from '../core/write';
import { createRecord, deleteRecord, updateRecord } from '../core/record';
import { setRowId } from '../core/set-ids';
import { AppError } from '../../../shared/result';
import { parseDefinition, type MatrixDefinition } from '../../../shared/grc/matrix';
import type { FrameworkInfo, ImportLibraryResult, RegisterInfo, RequirementNode, RiskMatrixInfo, ScoreDefinition } from '../../../shared/api/grc';
import { parseLibrary, type ParsedFramework, type ParsedMatrix, type LibraryInfo } from './library';
import { DEFAULT_MATRIX_LIBRARY } from './default-matrix';
import { putRow } from '../settings/team-rows';
import { parseSettingValue, registerMatrixSettingId, teamSettingId } from '../../../shared/settings/team';

const GLOBAL = 'global';

export const matrixId = (urn: string) => setRowId('risk_matrices', urn);
export const frameworkId = (urn: string) => setRowId('frameworks', urn);
export const requirementId = (urn: string) => setRowId('framework_requirements', urn);

function requireAdmin(ctx: Ctx) {
  const a = requireActor(ctx);
  if (a.role !== 'admin') throw new AppError('forbidden', 'Only administrators import libraries.');
  return a;
}

interface StoredVersion {
  version: number;
  deleted: string | null;
}

function stored(sqlite: Database.Database, table: 'risk_matrices' | 'frameworks', id: string): StoredVersion | undefined {
  return sqlite.prepare(`SELECT version, deleted_hlc AS deleted FROM ${table} WHERE id = ?`).get(id) as StoredVersion | undefined;
}

function olderRefusal(what: string, lib: LibraryInfo, have: number): AppError {
  return new AppError(
    'conflict',
    `Outpost already holds version ${have} of ${what}; this file is version ${lib.version}, which is older. Nothing was imported.`,
  );
}

export function importLibrary(ctx: Ctx, content: string): ImportLibraryResult {
  requireAdmin(ctx);
  const lib = parseLibrary(content);
  const sqlite = ctx.store.sqlite;
  // Refuse before writing anything: a library is imported whole or not at all.
  for (const m of lib.matrices) {
    const s = stored(sqlite, 'risk_matrices', matrixId(m.urn));
    if (s && s.version > lib.library.version) throw olderRefusal(`the matrix ${m.name}`, lib.library, s.version);
  }
  if (lib.framework) {
    const s = stored(sqlite, 'frameworks', frameworkId(lib.framework.urn));
    if (s && s.version > lib.library.version) throw olderRefusal(`the framework ${lib.framework.name}`, lib.library, s.version);
  }
  return write(ctx, (w) => {
    const outcomes: ('created' | 'updated' | 'unchanged')[] = [];
    for (const m of lib.matrices) outcomes.push(writeMatrix(ctx, w, lib.library, m));
    if (lib.framework) {
      const f = lib.framework;
      const outcome = writeFramework(ctx, w, lib.library, f);
      return {
        kind: 'framework' as const,
        id: frameworkId(f.urn),
        name: f.name,
        version: lib.library.version,
        outcome,
        requirements: f.nodes.length,
        assessable: f.nodes.filter((n) => n.assessable).length,
      };
    }
    const first = lib.matrices[0]!;
    return {
      kind: 'risk_matrix' as const,
      id: matrixId(first.urn),
      name: first.name,
      version: lib.library.version,
      outcome: outcomes[0]!,
      matrices: lib.matrices.length,
    };
  });
}

type W = Parameters<Parameters<typeof write>[1]>[0];

function writeMatrix(ctx: Ctx, w: W, lib: LibraryInfo, m: ParsedMatrix): 'created' | 'updated' | 'unchanged' {
  const id = matrixId(m.urn);
  const values = {
    urn: m.urn,
    version: lib.version,
    name: m.name,
    description: m.description,
    provider: lib.provider,
    definition: JSON.stringify(m.definition),
  };
  const s = stored(ctx.store.sqlite, 'risk_matrices', id);
  if (!s) {
    createRecord(ctx, w, 'risk_matrices', id, GLOBAL, values);
    return 'created';
  }
  if (s.deleted) throw deletedRefusal(`The matrix ${m.name}`);
  if (s.version === lib.version) return 'unchanged';
  return Object.keys(updateRecord(ctx, w, 'risk_matrices', id, values)).length ? 'updated' : 'unchanged';
}

function deletedRefusal(what: string): AppError {
  return new AppError(
    'conflict',
    `${what} was deleted from this team; it cannot be imported again under the same urn. Nothing was imported.`,
  );
}

function writeFramework(ctx: Ctx, w: W, lib: LibraryInfo, f: ParsedFramework): 'created' | 'updated' | 'unchanged' {
  const sqlite = ctx.store.sqlite;
  const id = frameworkId(f.urn);
  const values = {
    urn: f.urn,
    version: lib.version,
    ref_id: f.refId,
    name: f.name,
    description: f.description,
    provider: lib.provider,
    min_score: f.minScore,
    max_score: f.maxScore,
    scores_definition: f.scores ? JSON.stringify(f.scores) : null,
    requirement_count: f.nodes.length,
    assessable_count: f.nodes.filter((n) => n.assessable).length,
  };
  const nodeValues = (n: ParsedFramework['nodes'][number], i: number) => ({
    framework_id: id,
    urn: n.urn,
    parent_urn: n.parentUrn,
    ref_id: n.refId,
    name: n.name,
    description: n.description,
    assessable: n.assessable ? 1 : 0,
    depth: n.depth,
    position: i,
  });
  const s = stored(sqlite, 'frameworks', id);
  if (!s) {
    createRecord(ctx, w, 'frameworks', id, GLOBAL, values);
    f.nodes.forEach((n, i) => createRecord(ctx, w, 'framework_requirements', requirementId(n.urn), GLOBAL, nodeValues(n, i)));
    return 'created';
  }
  if (s.deleted) throw deletedRefusal(`The framework ${f.name}`);
  if (s.version === lib.version) return 'unchanged';
  updateRecord(ctx, w, 'frameworks', id, values);
  // A newer version: changed nodes are edited, new ones created, ones it dropped deleted (their
  // results in past assessments stay, shown as no longer in the framework).
  const existing = new Map(
    (
      sqlite.prepare('SELECT id, deleted_hlc AS deleted FROM framework_requirements WHERE framework_id = ?').all(id) as {
        id: string;
        deleted: string | null;
      }[]
    ).map((r) => [r.id, r.deleted]),
  );
  const keep = new Set<string>();
  f.nodes.forEach((n, i) => {
    const nid = requirementId(n.urn);
    keep.add(nid);
    if (!existing.has(nid)) createRecord(ctx, w, 'framework_requirements', nid, GLOBAL, nodeValues(n, i));
    else if (existing.get(nid)) throw deletedRefusal(`Requirement ${n.refId ?? n.urn}, dropped by an earlier version,`);
    else updateRecord(ctx, w, 'framework_requirements', nid, nodeValues(n, i));
  });
  for (const [nid, deleted] of existing) if (!keep.has(nid) && !deleted) deleteRecord(ctx, w, 'framework_requirements', nid);
  return 'updated';
}

interface MatrixRow {
  id: string;
  urn: string;
  version: number;
  name: string;
  description: string | null;
  provider: string | null;
  definition: string;
}

const MATRIX_COLS = 'id, urn, version, name, description, provider, definition';

/** The default matrix: the 5×5 Outpost ships with when the team has it, else the first imported. */
/** The team's choice (team setting risk_matrix) when it names a live matrix; else the shipped 5×5, else the first imported. */
function pickDefault(sqlite: Database.Database, rows: { id: string; urn: string }[]): string | null {
  const chosen = sqlite.prepare("SELECT value FROM team_settings WHERE id = ? AND deleted_hlc IS NULL").pluck().get(teamSettingId('risk_matrix')) as string | undefined;
  if (chosen) {
    try {
      const id = JSON.parse(chosen) as unknown;
      if (typeof id === 'string' && rows.some((r) => r.id === id)) return id;
    } catch {
      // A value that is not JSON falls back to the defaults below.
    }
  }
  const shipped = matrixId('urn:intuitem:risk:matrix:critical_risk_matrix_5x5');
  return rows.find((r) => r.id === shipped)?.id ?? rows[0]?.id ?? null;
}

export function listMatrices(ctx: Ctx): RiskMatrixInfo[] {
  const rows = ctx.store.sqlite
    .prepare(`SELECT ${MATRIX_COLS} FROM risk_matrices WHERE deleted_hlc IS NULL ORDER BY created_at, id`)
    .all() as MatrixRow[];
  const def = pickDefault(ctx.store.sqlite, rows);
  const out: RiskMatrixInfo[] = [];
  for (const r of rows) {
    const definition = parseDefinition(r.definition);
    if (definition)
      out.push({
        id: r.id,
        urn: r.urn,
        version: r.version,
        name: r.name,
        description: r.description,
        provider: r.provider,
        definition,
        isDefault: r.id === def,
      });
  }
  return out;
}

/** Parsed matrix definitions by id, cached per store until a matrix changes (lists read them on every page). */
const matrixCache = new WeakMap<Database.Database, { key: string; map: Map<string, MatrixDefinition> }>();

export function matrixDefinitions(sqlite: Database.Database): Map<string, MatrixDefinition> {
  const key = String(
    sqlite
      .prepare("SELECT count(*) || ':' || coalesce(max(updated_at), '') || ':' || coalesce(max(field_hlc), '') FROM risk_matrices")
      .pluck()
      .get(),
  );
  const hit = matrixCache.get(sqlite);
  if (hit && hit.key === key) return hit.map;
  const map = new Map<string, MatrixDefinition>();
  for (const r of sqlite.prepare('SELECT id, definition FROM risk_matrices WHERE deleted_hlc IS NULL').all() as {
    id: string;
    definition: string;
  }[]) {
    const d = parseDefinition(r.definition);
    if (d) map.set(r.id, d);
  }
  matrixCache.set(sqlite, { key, map });
  return map;
}

export function getMatrixDefinition(ctx: Ctx, id: string): MatrixDefinition {
  const d = matrixDefinitions(ctx.store.sqlite).get(id);
  if (!d)
    throw new AppError('not_found', 'No such risk matrix; import one from a library first.', [
      { path: ['matrixId'], message: 'No such risk matrix.' },
    ]);
  return d;
}

/** The team's default matrix id, or null when it has none. */
export function defaultMatrixId(sqlite: Database.Database): string | null {
  return pickDefault(
    sqlite,
    sqlite.prepare('SELECT id, urn FROM risk_matrices WHERE deleted_hlc IS NULL ORDER BY created_at, id').all() as {
      id: string;
      urn: string;
    }[],
  );
}

/** The team's default matrix id, importing the shipped 5×5 one when the team has none yet. */
export function ensureDefaultMatrix(ctx: Ctx): string {
  const def = defaultMatrixId(ctx.store.sqlite);
  if (def) return def;
  const r = write(ctx, (w) => {
    const lib = parseLibrary(DEFAULT_MATRIX_LIBRARY);
    writeMatrix(ctx, w, lib.library, lib.matrices[0]!);
    return matrixId(lib.matrices[0]!.urn);
  });
  return r;
}

/** Administrators choose the matrix the team's register scores new risks on (a synced team setting). */
export function setTeamMatrix(ctx: Ctx, matrixId: string): RiskMatrixInfo[] {
  requireAdmin(ctx);
  const sqlite = ctx.store.sqlite;
  if (!sqlite.prepare('SELECT 1 FROM risk_matrices WHERE id = ? AND deleted_hlc IS NULL').get(matrixId))
    throw new AppError('invalid_input', 'No such risk matrix; import it from a library first.', [{ path: ['matrixId'], message: 'No such risk matrix.' }]);
  write(ctx, (w) => putRow(sqlite, w, 'team_settings', teamSettingId('risk_matrix'), { key: 'risk_matrix', value: JSON.stringify(matrixId) }));
  return listMatrices(ctx);
}

/** The matrix an administrator chose for one site's register, when it names a live matrix. */
function chosenRegisterMatrix(sqlite: Database.Database, siteId: string): string | null {
  const text = sqlite.prepare('SELECT value FROM team_settings WHERE id = ? AND deleted_hlc IS NULL').pluck().get(registerMatrixSettingId(siteId)) as string | undefined;
  const v = parseSettingValue('register_matrix', text);
  if (!v || v.siteId !== siteId) return null;
  return sqlite.prepare('SELECT 1 FROM risk_matrices WHERE id = ? AND deleted_hlc IS NULL').get(v.matrixId) ? v.matrixId : null;
}

/**
 * The matrix new risks of a site's register are scored on: the one chosen for that register, else
 * the team's (importing the shipped 5×5 when the team has none). Without a site, the person's first.
 */
export function registerMatrixId(ctx: Ctx, siteId?: string | null): string {
  const site = siteId ?? requireActor(ctx).siteIds[0];
  return (site ? chosenRegisterMatrix(ctx.store.sqlite, site) : null) ?? ensureDefaultMatrix(ctx);
}

/** Every register (one per site) the person reads: its matrix, and how many of its risks are on another one. */
export function listRegisters(ctx: Ctx): RegisterInfo[] {
  const actor = requireActor(ctx);
  const sqlite = ctx.store.sqlite;
  const team = defaultMatrixId(sqlite);
  const names = new Map((sqlite.prepare('SELECT id, name FROM risk_matrices WHERE deleted_hlc IS NULL').all() as { id: string; name: string }[]).map((r) => [r.id, r.name]));
  const sites = (sqlite.prepare('SELECT id, name FROM sites WHERE deleted_hlc IS NULL ORDER BY name, id').all() as { id: string; name: string }[]).filter(
    (s) => actor.role === 'admin' || actor.siteIds.includes(s.id),
  );
  const counts = sqlite.prepare('SELECT matrix_id AS matrixId, count(*) AS n FROM risks WHERE scope_id = ? AND deleted_hlc IS NULL GROUP BY matrix_id');
  return sites.map((s) => {
    const chosen = chosenRegisterMatrix(sqlite, s.id);
    const matrixId = chosen ?? team;
    const byMatrix = counts.all(s.id) as { matrixId: string; n: number }[];
    const risks = byMatrix.reduce((a, r) => a + r.n, 0);
    return {
      siteId: s.id,
      siteName: s.name,
      matrixId,
      matrixName: matrixId ? (names.get(matrixId) ?? null) : null,
      chosen: chosen !== null,
      risks,
      risksOnOtherMatrices: byMatrix.filter((r) => r.matrixId !== matrixId).reduce((a, r) => a + r.n, 0),
    };
  });
}

/**
 * Administrators choose the matrix of one site's register (a synced setting, one record per site).
 * New risks of that register are scored on it; risks
 * already in it keep the matrix they were scored on until someone re-scores them on the new one.
 */
export function setRegisterMatrix(ctx: Ctx, siteId: string, matrixId: string): { register: RegisterInfo; message: string } {
  requireAdmin(ctx);
  const sqlite = ctx.store.sqlite;
  if (!sqlite.prepare('SELECT 1 FROM sites WHERE id = ? AND deleted_hlc IS NULL').get(siteId))
    throw new AppError('invalid_input', 'No such site.', [{ path: ['siteId'], message: 'No such site.' }]);
  if (!sqlite.prepare('SELECT 1 FROM risk_matrices WHERE id = ? AND deleted_hlc IS NULL').get(matrixId))
    throw new AppError('invalid_input', 'No such risk matrix; import it from a library first.', [{ path: ['matrixId'], message: 'No such risk matrix.' }]);
  write(ctx, (w) => putRow(sqlite, w, 'team_settings', registerMatrixSettingId(siteId), { key: 'register_matrix', value: JSON.stringify({ siteId, matrixId }) }));
  const register = listRegisters(ctx).find((r) => r.siteId === siteId)!;
  const message = register.risksOnOtherMatrices
    ? `New risks of ${register.siteName} are scored on ${register.matrixName}. Its ${register.risksOnOtherMatrices} ${register.risksOnOtherMatrices === 1 ? 'risk' : 'risks'} scored on another matrix keep it, and keep their levels, until someone re-scores them on ${register.matrixName} from the risk's page.`
    : `New risks of ${register.siteName} are scored on ${register.matrixName}.`;
  return { register, message };
}

export function useDefaultMatrix(ctx: Ctx): RiskMatrixInfo {
  requireAdmin(ctx);
  const id = ensureDefaultMatrix(ctx);
  return listMatrices(ctx).find((m) => m.id === id)!;
}

interface FrameworkRow {
  id: string;
  urn: string;
  version: number;
  ref_id: string | null;
  name: string;
  description: string | null;
  provider: string | null;
  min_score: number | null;
  max_score: number | null;
  scores_definition: string | null;
  requirement_count: number;
  assessable_count: number;
}

function toFramework(r: FrameworkRow): FrameworkInfo {
  let scores: ScoreDefinition[] | null;
  try {
    scores = r.scores_definition ? (JSON.parse(r.scores_definition) as ScoreDefinition[]) : null;
  } catch {
    scores = null;
  }
  return {
    id: r.id,
    urn: r.urn,
    version: r.version,
    refId: r.ref_id,
    name: r.name,
    description: r.description,
    provider: r.provider,
    minScore: r.min_score,
    maxScore: r.max_score,
    scores,
    requirements: r.requirement_count,
    assessable: r.assessable_count,
  };
}

const FRAMEWORK_COLS =
  'id, urn, version, ref_id, name, description, provider, min_score, max_score, scores_definition, requirement_count, assessable_count';

export function listFrameworks(ctx: Ctx): FrameworkInfo[] {
  return (
    ctx.store.sqlite
      .prepare(`SELECT ${FRAMEWORK_COLS} FROM frameworks WHERE deleted_hlc IS NULL ORDER BY name COLLATE NOCASE`)
      .all() as FrameworkRow[]
  ).map(toFramework);
}

export function getFramework(ctx: Ctx, id: string): FrameworkInfo {
  const r = ctx.store.sqlite.prepare(`SELECT ${FRAMEWORK_COLS} FROM frameworks WHERE id = ? AND deleted_hlc IS NULL`).get(id) as
    FrameworkRow | undefined;
  if (!r)
    throw new AppError('not_found', 'No such framework; import it from a library first.', [
      { path: ['frameworkId'], message: 'No such framework.' },
    ]);
  return toFramework(r);
}

/** A framework's nodes, kept per store until the framework or its node count changes (the tree opens often, changes rarely). */
const nodeCache = new WeakMap<Database.Database, Map<string, { key: string; nodes: RequirementNode[] }>>();

export function frameworkNodes(ctx: Ctx, id: string): RequirementNode[] {
  const sqlite = ctx.store.sqlite;
  const key = String(
    sqlite
      .prepare(
        "SELECT (SELECT updated_at FROM frameworks WHERE id = ?) || ':' || (SELECT count(*) FROM framework_requirements WHERE framework_id = ? AND deleted_hlc IS NULL) || ':' || (SELECT coalesce(max(updated_at), '') FROM framework_requirements WHERE framework_id = ?)",
      )
      .pluck()
      .get(id, id, id),
  );
  let perStore = nodeCache.get(sqlite);
  if (!perStore) nodeCache.set(sqlite, (perStore = new Map()));
  const hit = perStore.get(id);
  if (hit && hit.key === key) return hit.nodes;
  const rows = sqlite
    .prepare('SELECT id, urn, parent_urn, ref_id, name, description, assessable, depth FROM framework_requirements WHERE framework_id = ? AND deleted_hlc IS NULL ORDER BY position')
    .raw()
    .all(id) as [string, string, string | null, string | null, string | null, string | null, number, number][];
  const nodes = rows.map(([nid, urn, parentUrn, refId, name, description, assessable, depth]) => ({ id: nid, urn, parentUrn, refId, name, description, assessable: assessable === 1, depth }));
  perStore.set(id, { key, nodes });
  return nodes;
}

export function frameworkWithNodes(ctx: Ctx, id: string): { framework: FrameworkInfo; nodes: RequirementNode[] } {
  return { framework: getFramework(ctx, id), nodes: frameworkNodes(ctx, id) };
}
