/**
 * Compliance assessments. An assessment names a framework and a scope (a site, or the whole team);
 * each requirement's result is its own record whose id comes from the assessment and the
 * requirement, so two auditors assessing different requirements offline both survive the merge
 * (and the same requirement assessed twice merges field by field). Progress and scores are derived.
 */
import type Database from 'better-sqlite3';
import type { Ctx } from '../core/context';
import { requireActor, write } from '../core/write';
import { createRecord, updateRecord } from '../core/record';
import { setRowId } from '../core/set-ids';
import { uuidv7 } from '../../../shared/ids';
import { AppError } from '../../../shared/result';
import { REQUIREMENT_RESULTS, type RequirementResult } from '../../../shared/grc/matrix';
import type { Assessment, AssessmentSummary, GroupProgress, Progress, RequirementResultInfo } from '../../../shared/api/assessments';
import type { FrameworkInfo } from '../../../shared/api/grc';
import type { CallParsed } from '../../../shared/api';
import { getFramework } from '../grc/grc';

const GLOBAL = 'global';

function requireAssessor(ctx: Ctx) {
  const a = requireActor(ctx);
  if (a.role !== 'admin' && a.role !== 'auditor') throw new AppError('forbidden', 'Only auditors and administrators assess compliance.');
  return a;
}

function bad(path: string, message: string): AppError {
  return new AppError('invalid_input', message, [{ path: [path], message }]);
}

export const resultId = (assessmentId: string, requirementId: string) => setRowId('requirement_assessments', assessmentId, requirementId);

export function startAssessment(ctx: Ctx, input: CallParsed<'assessments.start'>): { id: string; total: number } {
  const actor = requireAssessor(ctx);
  const fw = getFramework(ctx, input.frameworkId);
  const sqlite = ctx.store.sqlite;
  let scope = GLOBAL;
  let scopeName = 'the whole team';
  if (input.siteId) {
    const site = sqlite.prepare('SELECT name FROM sites WHERE id = ? AND deleted_hlc IS NULL').pluck().get(input.siteId) as
      string | undefined;
    if (!site) throw bad('siteId', 'No such site.');
    if (actor.role !== 'admin' && !actor.siteIds.includes(input.siteId))
      throw new AppError('forbidden', 'You do not have access to that site.');
    scope = input.siteId;
    scopeName = site;
  }
  const id = uuidv7();
  const name = input.name ?? `${fw.name} — ${scopeName}, ${ctx.clock.now().toISOString().slice(0, 10)}`;
  write(ctx, (w) =>
    createRecord(ctx, w, 'assessments', id, scope, {
      framework_id: fw.id,
      name: name.slice(0, 300),
      status: 'in_progress',
      started_by_id: actor.id,
    }),
  );
  return { id, total: fw.assessable };
}

interface AssessmentRow {
  id: string;
  scope_id: string;
  framework_id: string;
  name: string;
  status: string;
  started_by_id: string;
  started_by_name: string | null;
  created_at: string;
}

function assessmentRow(sqlite: Database.Database, id: string): AssessmentRow {
  const r = sqlite
    .prepare(
      'SELECT a.id, a.scope_id, a.framework_id, a.name, a.status, a.started_by_id, u.display_name AS started_by_name, a.created_at FROM assessments a LEFT JOIN users u ON u.id = a.started_by_id WHERE a.id = ? AND a.deleted_hlc IS NULL',
    )
    .get(id) as AssessmentRow | undefined;
  if (!r) throw new AppError('not_found', 'No such assessment.', [{ path: ['assessmentId'], message: 'No such assessment.' }]);
  return r;
}

function resolveRequirement(
  sqlite: Database.Database,
  frameworkId: string,
  input: { ref?: string; requirementId?: string },
): { id: string; refId: string | null } {
  const rows = (
    input.requirementId
      ? sqlite
          .prepare('SELECT id, ref_id, assessable FROM framework_requirements WHERE id = ? AND framework_id = ? AND deleted_hlc IS NULL')
          .all(input.requirementId, frameworkId)
      : sqlite
          .prepare(
            'SELECT id, ref_id, assessable FROM framework_requirements WHERE framework_id = ? AND ref_id = ? AND deleted_hlc IS NULL',
          )
          .all(frameworkId, input.ref)
  ) as { id: string; ref_id: string | null; assessable: number }[];
  const what = input.requirementId ? 'that requirement id' : `"${input.ref}"`;
  if (!rows.length) throw bad(input.requirementId ? 'requirementId' : 'ref', `The framework has no requirement ${what}.`);
  const assessable = rows.filter((r) => r.assessable === 1);
  if (!assessable.length)
    throw bad(
      input.requirementId ? 'requirementId' : 'ref',
      `${rows[0]!.ref_id ?? 'That node'} is a heading of the framework, not an assessable requirement.`,
    );
  if (assessable.length > 1)
    throw bad('ref', `${input.ref} names ${assessable.length} requirements in this framework; give requirementId instead.`);
  return { id: assessable[0]!.id, refId: assessable[0]!.ref_id };
}

function checkScore(fw: FrameworkInfo, score: number | null | undefined) {
  if (score === undefined || score === null) return;
  if (fw.scores?.length) {
    if (!fw.scores.some((s) => s.score === score))
      throw bad('score', `${fw.name} scores ${fw.scores.map((s) => `${s.score} (${s.name})`).join(', ')}; ${score} is not one of them.`);
    return;
  }
  if (fw.minScore === null || fw.maxScore === null) throw bad('score', `${fw.name} defines no scores; give a result only.`);
  if (score < fw.minScore || score > fw.maxScore)
    throw bad('score', `${fw.name} scores from ${fw.minScore} to ${fw.maxScore}; ${score} is outside.`);
}

export function assess(ctx: Ctx, input: CallParsed<'assessments.assess'>): { requirement: RequirementResultInfo; progress: Progress } {
  requireAssessor(ctx);
  const sqlite = ctx.store.sqlite;
  const a = assessmentRow(sqlite, input.assessmentId);
  const fw = getFramework(ctx, a.framework_id);
  const req = resolveRequirement(sqlite, a.framework_id, input);
  checkScore(fw, input.score);
  const rid = resultId(a.id, req.id);
  const existing = sqlite
    .prepare('SELECT result, score, observation FROM requirement_assessments WHERE id = ? AND deleted_hlc IS NULL')
    .get(rid) as { result: string; score: number | null; observation: string | null } | undefined;
  write(ctx, (w) => {
    if (!existing) {
      createRecord(ctx, w, 'requirement_assessments', rid, a.scope_id, {
        assessment_id: a.id,
        requirement_id: req.id,
        result: input.result,
        score: input.score ?? null,
        observation: input.observation ?? null,
      });
      return;
    }
    // Only the fields given are written, so a result set here and an observation written elsewhere both survive.
    const values: Record<string, string | number | null> = { result: input.result };
    if (input.score !== undefined) values.score = input.score;
    if (input.observation !== undefined) values.observation = input.observation;
    updateRecord(ctx, w, 'requirement_assessments', rid, values);
  });
  const r = sqlite.prepare('SELECT result, score, observation, updated_at FROM requirement_assessments WHERE id = ?').get(rid) as {
    result: RequirementResult;
    score: number | null;
    observation: string | null;
    updated_at: string;
  };
  return {
    requirement: {
      requirementId: req.id,
      refId: req.refId,
      result: r.result,
      score: r.score,
      observation: r.observation,
      updatedAt: r.updated_at,
    },
    progress: computeProgress(sqlite, a.id, a.framework_id).overall,
  };
}

export function updateAssessment(ctx: Ctx, input: CallParsed<'assessments.update'>): AssessmentSummary {
  requireAssessor(ctx);
  assessmentRow(ctx.store.sqlite, input.id);
  const values: Record<string, string> = {};
  if (input.name !== undefined) values.name = input.name;
  if (input.status !== undefined) values.status = input.status;
  if (Object.keys(values).length) write(ctx, (w) => updateRecord(ctx, w, 'assessments', input.id, values));
  return summaryOf(ctx, assessmentRow(ctx.store.sqlite, input.id));
}

function emptyCounts(): Record<RequirementResult, number> {
  return Object.fromEntries(REQUIREMENT_RESULTS.map((r) => [r, 0])) as Record<RequirementResult, number>;
}

class Acc {
  counts = emptyCounts();
  total = 0;
  scoreSum = 0;
  scored = 0;
  add(result: RequirementResult | undefined, score: number | null | undefined) {
    this.total++;
    this.counts[result ?? 'not_assessed']++;
    if (result && result !== 'not_assessed' && result !== 'not_applicable' && score !== null && score !== undefined) {
      this.scoreSum += score;
      this.scored++;
    }
  }
  progress(): Progress {
    const c = this.counts;
    const assessed = this.total - c.not_assessed;
    const applicable = assessed - c.not_applicable;
    return {
      assessed,
      total: this.total,
      counts: { ...c },
      compliance: applicable > 0 ? Math.round(((c.compliant + c.partially_compliant * 0.5) / applicable) * 1000) / 10 : null,
      score: this.scored ? Math.round((this.scoreSum / this.scored) * 100) / 100 : null,
    };
  }
}

interface NodeRow {
  id: string;
  urn: string;
  parent_urn: string | null;
  ref_id: string | null;
  /** Headings only (depth 1 and 2): their name, or their description when they have none. */
  name: string | null;
  assessable: number;
  depth: number;
}

/**
 * A framework's tree without its texts, kept per store until the framework changes (a newer version
 * re-imported, nodes arriving by sync): every assessment call reads it, so it is read once.
 */
const skeletons = new WeakMap<Database.Database, Map<string, { key: string; nodes: NodeRow[] }>>();

function skeleton(sqlite: Database.Database, frameworkId: string): NodeRow[] {
  const key = String(
    sqlite
      .prepare(
        "SELECT (SELECT updated_at FROM frameworks WHERE id = ?) || ':' || (SELECT count(*) FROM framework_requirements WHERE framework_id = ? AND deleted_hlc IS NULL)",
      )
      .pluck()
      .get(frameworkId, frameworkId),
  );
  let perStore = skeletons.get(sqlite);
  if (!perStore) skeletons.set(sqlite, (perStore = new Map()));
  const hit = perStore.get(frameworkId);
  if (hit && hit.key === key) return hit.nodes;
  const nodes = sqlite
    .prepare(
      `SELECT id, urn, parent_urn, ref_id, CASE WHEN depth <= 2 THEN coalesce(name, description) END AS name, assessable, depth
       FROM framework_requirements WHERE framework_id = ? AND deleted_hlc IS NULL ORDER BY position`,
    )
    .all(frameworkId) as NodeRow[];
  perStore.set(frameworkId, { key, nodes });
  return nodes;
}

/** Overall and per-group progress: every assessable requirement counts once, under each of its ancestors. */
function computeProgress(
  sqlite: Database.Database,
  assessmentId: string,
  frameworkId: string,
): { overall: Progress; groups: GroupProgress[]; results: RequirementResultInfo[] } {
  const nodes = skeleton(sqlite, frameworkId);
  const resultRows = sqlite
    .prepare(
      'SELECT requirement_id, result, score, observation, updated_at FROM requirement_assessments WHERE assessment_id = ? AND deleted_hlc IS NULL',
    )
    .all(assessmentId) as {
    requirement_id: string;
    result: RequirementResult;
    score: number | null;
    observation: string | null;
    updated_at: string;
  }[];
  const byReq = new Map(resultRows.map((r) => [r.requirement_id, r]));
  const byUrn = new Map(nodes.map((n) => [n.urn, n]));
  const overall = new Acc();
  const groupAcc = new Map<string, Acc>();
  const groupNodes = nodes.filter((n) => n.depth <= 2);
  for (const g of groupNodes) groupAcc.set(g.urn, new Acc());
  for (const n of nodes) {
    if (n.assessable !== 1) continue;
    const r = byReq.get(n.id);
    overall.add(r?.result, r?.score);
    let p = n.parent_urn ? byUrn.get(n.parent_urn) : undefined;
    let guard = 0;
    while (p && guard++ < 100) {
      groupAcc.get(p.urn)?.add(r?.result, r?.score);
      p = p.parent_urn ? byUrn.get(p.parent_urn) : undefined;
    }
  }
  const refOf = new Map(nodes.map((n) => [n.id, n.ref_id]));
  return {
    overall: overall.progress(),
    groups: groupNodes
      .filter((g) => groupAcc.get(g.urn)!.total > 0)
      .map((g) => ({
        requirementId: g.id,
        refId: g.ref_id,
        name: g.name,
        depth: g.depth,
        ...groupAcc.get(g.urn)!.progress(),
      })),
    results: resultRows.map((r) => ({
      requirementId: r.requirement_id,
      refId: refOf.get(r.requirement_id) ?? null,
      result: r.result,
      score: r.score,
      observation: r.observation,
      updatedAt: r.updated_at,
    })),
  };
}

function summaryOf(ctx: Ctx, a: AssessmentRow, fw?: FrameworkInfo): AssessmentSummary {
  const f = fw ?? getFramework(ctx, a.framework_id);
  return {
    id: a.id,
    name: a.name,
    frameworkId: a.framework_id,
    frameworkName: f.name,
    siteId: a.scope_id,
    status: a.status as AssessmentSummary['status'],
    startedById: a.started_by_id,
    startedByName: a.started_by_name,
    createdAt: a.created_at,
    progress: computeProgress(ctx.store.sqlite, a.id, a.framework_id).overall,
  };
}

export function getAssessment(ctx: Ctx, id: string): Assessment {
  const sqlite = ctx.store.sqlite;
  const a = assessmentRow(sqlite, id);
  const framework = getFramework(ctx, a.framework_id);
  const p = computeProgress(sqlite, a.id, a.framework_id);
  return {
    id: a.id,
    name: a.name,
    frameworkId: a.framework_id,
    frameworkName: framework.name,
    siteId: a.scope_id,
    status: a.status as AssessmentSummary['status'],
    startedById: a.started_by_id,
    startedByName: a.started_by_name,
    createdAt: a.created_at,
    progress: p.overall,
    framework,
    groups: p.groups,
    results: p.results,
  };
}

export function listAssessments(ctx: Ctx, input: CallParsed<'assessments.list'>): AssessmentSummary[] {
  const sqlite = ctx.store.sqlite;
  const rows = sqlite
    .prepare(
      `SELECT a.id, a.scope_id, a.framework_id, a.name, a.status, a.started_by_id, u.display_name AS started_by_name, a.created_at
       FROM assessments a LEFT JOIN users u ON u.id = a.started_by_id JOIN frameworks f ON f.id = a.framework_id AND f.deleted_hlc IS NULL
       WHERE a.deleted_hlc IS NULL ${input.frameworkId ? 'AND a.framework_id = ?' : ''} ORDER BY a.created_at DESC`,
    )
    .all(...(input.frameworkId ? [input.frameworkId] : [])) as AssessmentRow[];
  const fws = new Map<string, FrameworkInfo>();
  return rows.map((r) => {
    if (!fws.has(r.framework_id)) fws.set(r.framework_id, getFramework(ctx, r.framework_id));
    return summaryOf(ctx, r, fws.get(r.framework_id));
  });
}
