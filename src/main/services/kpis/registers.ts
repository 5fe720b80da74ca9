/**
 * kpis.assets, kpis.risks, kpis.compliance: the register figures defined in docs/kpis.md ("Assets",
 * "Risks", "Compliance"), in SQL over the local store. Dates are the local clock's UTC day, so a figure
 * and the list it opens (the asset list's "warranty before", the risk list's "review overdue" and
 * "acceptance expires before") agree on the same day.
 */
import type { Ctx } from '../core/context';
import { requireActor } from '../core/write';
import { compliance } from '../licences/licences';
import { eolExposure, kevExposure } from '../software/catalogues';
import { ASSET_STATUSES, ASSET_STATUS_LABELS, type AssetStatus } from '../../../shared/assets/rules';
import type { AssetKpis, Count, FrameworkScore, FunctionScore, RiskKpis } from '../../../shared/api/register-kpis';

const DAY = 86_400_000;
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export function assetKpis(ctx: Ctx, input: { siteId?: string }): AssetKpis {
  requireActor(ctx);
  const sqlite = ctx.store.sqlite;
  const where = `a.deleted_hlc IS NULL${input.siteId ? ' AND a.scope_id = @site' : ''}`;
  const params: Record<string, string> = input.siteId ? { site: input.siteId } : {};
  const now = ctx.clock.now().getTime();
  const warrantyHorizon = dayOf(now + 90 * DAY);
  const status = new Map((sqlite.prepare(`SELECT a.status AS k, count(*) AS n FROM assets a WHERE ${where} GROUP BY a.status`).all(params) as { k: AssetStatus; n: number }[]).map((r) => [r.k, r.n]));
  const byStatus: Count<AssetStatus>[] = ASSET_STATUSES.map((s) => ({ key: s, label: ASSET_STATUS_LABELS[s], count: status.get(s) ?? 0 }));
  const byCategory = (
    sqlite.prepare(`SELECT a.category AS k, count(*) AS n FROM assets a WHERE ${where} GROUP BY a.category ORDER BY n DESC, k LIMIT 15`).all(params) as { k: string | null; n: number }[]
  ).map((r) => ({ key: r.k, label: r.k ?? 'No category', count: r.n }));
  const bySite = (
    sqlite.prepare(`SELECT a.scope_id AS k, coalesce(s.name, a.scope_id) AS label, count(*) AS n FROM assets a LEFT JOIN sites s ON s.id = a.scope_id WHERE ${where} GROUP BY a.scope_id ORDER BY n DESC, label`).all(params) as { k: string; label: string; n: number }[]
  ).map((r) => ({ key: r.k, label: r.label, count: r.n }));
  const warrantyEnding = sqlite.prepare(`SELECT count(*) FROM assets a WHERE ${where} AND a.warranty_end < @horizon`).pluck().get({ ...params, horizon: warrantyHorizon }) as number;
  const licences = compliance(ctx);
  const short = licences.items.filter((i) => i.status === 'under');
  return {
    total: [...status.values()].reduce((a, b) => a + b, 0),
    byStatus,
    byCategory,
    bySite,
    warrantyHorizon,
    warrantyEnding,
    licenceShortfalls: short.length,
    missingSeats: short.reduce((s, i) => s + Math.max(0, -(i.gap ?? 0)), 0),
    eolAssets: eolExposure(ctx, { limit: 1 }).assets,
    kevAssets: kevExposure(ctx, { limit: 1 }).assets,
  };
}

export function riskKpis(ctx: Ctx, input: { siteId?: string }): RiskKpis {
  requireActor(ctx);
  const now = ctx.clock.now().getTime();
  const today = dayOf(now);
  const acceptanceHorizon = dayOf(now + 30 * DAY);
  const site = input.siteId ? ' AND r.scope_id = @site' : '';
  const row = ctx.store.sqlite
    .prepare(
      `SELECT count(*) AS open,
         coalesce(sum(r.review_every_days IS NOT NULL AND date(coalesce(r.last_reviewed_on, substr(r.created_at, 1, 10)), '+' || r.review_every_days || ' days') < @today), 0) AS overdue,
         coalesce(sum(r.status = 'accepted' AND r.acceptance_expires_on >= @today AND r.acceptance_expires_on < @horizon), 0) AS expiring,
         coalesce(sum(r.status = 'accepted' AND r.acceptance_expires_on < @today), 0) AS expired
       FROM risks r WHERE r.deleted_hlc IS NULL AND r.status <> 'closed'${site}`,
    )
    .get({ today, horizon: acceptanceHorizon, ...(input.siteId ? { site: input.siteId } : {}) }) as { open: number; overdue: number; expiring: number; expired: number };
  return { open: row.open, reviewsOverdue: row.overdue, acceptanceHorizon, acceptancesExpiring: row.expiring, acceptancesExpired: row.expired, today };
}

const score = (c: number, p: number, n: number): number | null => (c + p + n ? Math.round(((c + p / 2) / (c + p + n)) * 1000) / 10 : null);

export function complianceKpis(ctx: Ctx, input: { siteId?: string }): { items: FrameworkScore[] } {
  requireActor(ctx);
  const sqlite = ctx.store.sqlite;
  const latest = sqlite
    .prepare(
      `SELECT a.id, a.name, a.framework_id AS frameworkId, f.name AS framework, a.updated_at AS updatedAt FROM assessments a JOIN frameworks f ON f.id = a.framework_id
       WHERE a.deleted_hlc IS NULL AND f.deleted_hlc IS NULL${input.siteId ? ' AND a.scope_id = @site' : ''}
       ORDER BY a.framework_id, a.updated_at DESC, a.id DESC`,
    )
    .all(input.siteId ? { site: input.siteId } : {}) as { id: string; name: string; frameworkId: string; framework: string; updatedAt: string }[];
  const seen = new Set<string>();
  const items: FrameworkScore[] = [];
  const nodesOf = sqlite.prepare('SELECT urn, parent_urn AS parent, ref_id AS ref, name, assessable, depth, id FROM framework_requirements WHERE framework_id = ? AND deleted_hlc IS NULL ORDER BY position');
  const resultsOf = sqlite.prepare('SELECT requirement_id AS requirementId, result FROM requirement_assessments WHERE assessment_id = ? AND deleted_hlc IS NULL');
  for (const a of latest) {
    if (seen.has(a.frameworkId)) continue;
    seen.add(a.frameworkId);
    const nodes = nodesOf.all(a.frameworkId) as { urn: string; parent: string | null; ref: string | null; name: string | null; assessable: number; depth: number; id: string }[];
    if (!nodes.length) continue;
    const top = Math.min(...nodes.map((n) => n.depth));
    const byUrn = new Map(nodes.map((n) => [n.urn, n]));
    const result = new Map((resultsOf.all(a.id) as { requirementId: string; result: string }[]).map((r) => [r.requirementId, r.result]));
    const fns = new Map<string, FunctionScore>();
    for (const n of nodes) if (n.depth === top) fns.set(n.urn, { ref: n.ref, name: n.name, assessable: 0, compliant: 0, partial: 0, nonCompliant: 0, notApplicable: 0, notAssessed: 0, scorePercent: null });
    for (const n of nodes) {
      if (!n.assessable) continue;
      let root = n;
      while (root.depth > top && root.parent && byUrn.has(root.parent)) root = byUrn.get(root.parent)!;
      const fn = fns.get(root.urn);
      if (!fn) continue;
      fn.assessable++;
      const r = result.get(n.id) ?? 'not_assessed';
      if (r === 'compliant') fn.compliant++;
      else if (r === 'partially_compliant') fn.partial++;
      else if (r === 'non_compliant') fn.nonCompliant++;
      else if (r === 'not_applicable') fn.notApplicable++;
      else fn.notAssessed++;
    }
    const functions = [...fns.values()].filter((f) => f.assessable).map((f) => ({ ...f, scorePercent: score(f.compliant, f.partial, f.nonCompliant) }));
    const sum = (k: 'compliant' | 'partial' | 'nonCompliant') => functions.reduce((s, f) => s + f[k], 0);
    items.push({ frameworkId: a.frameworkId, framework: a.framework, assessmentId: a.id, assessment: a.name, updatedAt: a.updatedAt, scorePercent: score(sum('compliant'), sum('partial'), sum('nonCompliant')), functions });
  }
  return { items: items.sort((x, y) => x.framework.localeCompare(y.framework)) };
}
