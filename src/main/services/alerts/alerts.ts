/**
 * Alerts for the shell: warranty ending, licence renewal due, audit overdue, EOL software, KEV
 * exposure, risks; and the signed-in person's own: escalations that notify them, and changes that
 * await their approval (again, when the plan changed after they voted).
 */
import type Database from 'better-sqlite3';
import type { Ctx } from '../core/context';
import { requireActor } from '../core/write';
import { getMeta } from '../core/meta';
import { ALERT_KINDS, type Alert, type AlertCounts, type AlertKind } from '../../../shared/api/alerts';
import { INACTIVE_STATUSES } from '../../../shared/assets/rules';
import { eolExposure, kevExposure } from '../software/catalogues';
import { NEXT_AUDIT, WARRANTY } from '../assets/list';
import { escalationNotices } from '../sla/escalate';
import { changesAwaitingApprovalBy } from '../changes/changes';

const inactive = INACTIVE_STATUSES.map((s) => `'${s}'`).join(',');

function addDays(iso: string, days: number): string {
  return new Date(Date.parse(`${iso}T00:00:00Z`) + days * 86400_000).toISOString().slice(0, 10);
}
function daysUntil(today: string, date: string): number {
  return Math.round((Date.parse(`${date}T00:00:00Z`) - Date.parse(`${today}T00:00:00Z`)) / 86400_000);
}

/**
 * Exposure needs a pass over all installed software; the navigation badge asks often, so the
 * per-asset results are kept for a minute, or until a catalogue is imported again.
 */
const exposureCache = new WeakMap<Database.Database, { key: string; at: number; eol: Map<string, Alert>; kev: Map<string, Alert> }>();

function exposures(ctx: Ctx): { eol: Map<string, Alert>; kev: Map<string, Alert> } {
  const sqlite = ctx.store.sqlite;
  const key = `${getMeta(sqlite, 'eol_imported_at') ?? ''}|${getMeta(sqlite, 'kev_imported_at') ?? ''}|${getMeta(sqlite, 'kev_assessed_at') ?? ''}`;
  const now = ctx.clock.now().getTime();
  const hit = exposureCache.get(sqlite);
  if (hit && hit.key === key && Math.abs(now - hit.at) < 60_000) return hit;
  const eol = new Map<string, Alert>();
  for (const e of eolExposure(ctx, { limit: 1_000_000 }).items) {
    const prev = eol.get(e.assetId);
    const what = `${e.productTitle} ${e.cycle}`;
    if (prev) {
      if (!prev.detail.includes(what)) prev.detail += `, ${what}`;
      continue;
    }
    eol.set(e.assetId, {
      id: `eol_software:${e.assetId}`,
      kind: 'eol_software',
      severity: 'warning',
      title: `${e.assetTag} runs end-of-life software`,
      detail: `${what}${e.eolDate ? ` (ended ${e.eolDate})` : ''}`,
      recordType: 'asset',
      recordId: e.assetId,
      due: e.eolDate,
    });
  }
  const kev = new Map<string, Alert>();
  for (const k of kevExposure(ctx, { limit: 1_000_000 }).items) {
    // Marked not affected by a person: no alert for that CVE on that asset.
    if (k.notAffected) continue;
    const prev = kev.get(k.assetId);
    if (prev) {
      if (!prev.detail.includes(k.cveId)) prev.detail += `, ${k.cveId}`;
      if (k.dueDate && (!prev.due || k.dueDate < prev.due)) prev.due = k.dueDate;
      if (k.basis === 'vendor' && prev.severity !== 'critical') {
        prev.severity = 'critical';
        prev.title = `${k.assetTag} is exposed to a known exploited vulnerability`;
      }
      continue;
    }
    // A match by product name alone is a possible exposure, not a certain one.
    kev.set(k.assetId, {
      id: `kev_exposure:${k.assetId}`,
      kind: 'kev_exposure',
      severity: k.basis === 'vendor' ? 'critical' : 'warning',
      title: k.basis === 'vendor' ? `${k.assetTag} is exposed to a known exploited vulnerability` : `${k.assetTag} may be exposed to a known exploited vulnerability`,
      detail: `${k.software}${k.version ? ` ${k.version}` : ''}: ${k.cveId}`,
      recordType: 'asset',
      recordId: k.assetId,
      due: k.dueDate,
    });
  }
  const v = { key, at: now, eol, kev };
  exposureCache.set(sqlite, v);
  return v;
}

export function listAlerts(ctx: Ctx, input: { kinds?: AlertKind[]; horizonDays: number; limit: number }): { items: Alert[]; counts: AlertCounts; total: number } {
  requireActor(ctx);
  const sqlite = ctx.store.sqlite;
  const today = ctx.clock.now().toISOString().slice(0, 10);
  const until = addDays(today, input.horizonDays);
  const kinds = new Set(input.kinds?.length ? input.kinds : ALERT_KINDS);
  const counts = Object.fromEntries(ALERT_KINDS.map((k) => [k, 0])) as AlertCounts;
  const items: Alert[] = [];
  const per = input.limit;

  if (kinds.has('warranty_ending')) {
    counts.warranty_ending = sqlite
      .prepare(`SELECT count(*) FROM assets a WHERE ${WARRANTY} BETWEEN ? AND ? AND a.deleted_hlc IS NULL AND a.status NOT IN (${inactive})`)
      .pluck()
      .get(today, until) as number;
    for (const a of sqlite
      .prepare(`SELECT a.id, a.tag, a.name, a.warranty_end AS d FROM assets a WHERE ${WARRANTY} BETWEEN ? AND ? AND a.deleted_hlc IS NULL AND a.status NOT IN (${inactive}) ORDER BY ${WARRANTY}, a.id LIMIT ?`)
      .all(today, until, per) as { id: string; tag: string; name: string; d: string }[]) {
      const left = daysUntil(today, a.d);
      items.push({ id: `warranty_ending:${a.id}`, kind: 'warranty_ending', severity: left <= 7 ? 'warning' : 'info', title: `Warranty of ${a.tag} ends ${left === 0 ? 'today' : `in ${left} days`}`, detail: a.name, recordType: 'asset', recordId: a.id, due: a.d });
    }
  }
  if (kinds.has('licence_renewal')) {
    const rows = sqlite
      .prepare(
        `SELECT e.id, p.name, e.end_date AS d, e.seats FROM licence_entitlements e JOIN software_products p ON p.id = e.product_id
         WHERE e.end_date >= ? AND e.end_date <= ? AND e.deleted_hlc IS NULL ORDER BY e.end_date`,
      )
      .all(today, until) as { id: string; name: string; d: string; seats: number | null }[];
    counts.licence_renewal = rows.length;
    for (const e of rows.slice(0, per)) {
      const left = daysUntil(today, e.d);
      items.push({ id: `licence_renewal:${e.id}`, kind: 'licence_renewal', severity: left <= 14 ? 'warning' : 'info', title: `${e.name} licence ends ${left === 0 ? 'today' : `in ${left} days`}`, detail: e.seats === null ? 'Unlimited seats' : `${e.seats} seats`, recordType: 'entitlement', recordId: e.id, due: e.d });
    }
  }
  if (kinds.has('audit_overdue')) {
    counts.audit_overdue = sqlite.prepare(`SELECT count(*) FROM assets a WHERE ${NEXT_AUDIT} < ? AND a.deleted_hlc IS NULL AND a.status NOT IN (${inactive})`).pluck().get(today) as number;
    for (const a of sqlite
      .prepare(`SELECT a.id, a.tag, a.name, a.next_audit_at AS d FROM assets a WHERE ${NEXT_AUDIT} < ? AND a.deleted_hlc IS NULL AND a.status NOT IN (${inactive}) ORDER BY ${NEXT_AUDIT}, a.id LIMIT ?`)
      .all(today, per) as { id: string; tag: string; name: string; d: string }[]) {
      items.push({ id: `audit_overdue:${a.id}`, kind: 'audit_overdue', severity: 'warning', title: `${a.tag} was due for audit on ${a.d}`, detail: a.name, recordType: 'asset', recordId: a.id, due: a.d });
    }
  }
  if (kinds.has('eol_software') || kinds.has('kev_exposure')) {
    const ex = exposures(ctx);
    if (kinds.has('eol_software')) {
      counts.eol_software = ex.eol.size;
      items.push(...[...ex.eol.values()].slice(0, per).map((a) => ({ ...a })));
    }
    if (kinds.has('kev_exposure')) {
      counts.kev_exposure = ex.kev.size;
      items.push(...[...ex.kev.values()].slice(0, per).map((a) => ({ ...a })));
    }
  }
  if (kinds.has('risk_acceptance_expired')) {
    // An accepted risk whose acceptance has run out is no longer accepted by anyone: it needs a decision.
    const rows = sqlite
      .prepare(
        `SELECT r.id, r.number, r.title, r.acceptance_expires_on AS d FROM risks r
         WHERE r.status = 'accepted' AND r.acceptance_expires_on IS NOT NULL AND r.acceptance_expires_on < ? AND r.deleted_hlc IS NULL ORDER BY r.acceptance_expires_on, r.id`,
      )
      .all(today) as { id: string; number: string; title: string; d: string }[];
    counts.risk_acceptance_expired = rows.length;
    for (const r of rows.slice(0, per)) items.push({ id: `risk_acceptance_expired:${r.id}`, kind: 'risk_acceptance_expired', severity: 'warning', title: `The acceptance of ${r.number} expired on ${r.d}`, detail: r.title, recordType: 'risk', recordId: r.id, due: r.d });
  }
  if (kinds.has('risk_review_overdue')) {
    const rows = sqlite
      .prepare(
        `SELECT id, number, title, d FROM (SELECT r.id, r.number, r.title, date(coalesce(r.last_reviewed_on, substr(r.created_at, 1, 10)), '+' || r.review_every_days || ' days') AS d
         FROM risks r WHERE r.status <> 'closed' AND r.review_every_days IS NOT NULL AND r.deleted_hlc IS NULL) WHERE d < ? ORDER BY d, id`,
      )
      .all(today) as { id: string; number: string; title: string; d: string }[];
    counts.risk_review_overdue = rows.length;
    for (const r of rows.slice(0, per)) items.push({ id: `risk_review_overdue:${r.id}`, kind: 'risk_review_overdue', severity: 'info', title: `${r.number} was due for review on ${r.d}`, detail: r.title, recordType: 'risk', recordId: r.id, due: r.d });
  }
  if (kinds.has('escalation_notice')) {
    // The escalations that asked to notify, on open tickets this person works on (as sla.notices lists them).
    const notices = escalationNotices(ctx, 1000);
    counts.escalation_notice = notices.length;
    for (const n of notices.slice(0, per)) {
      items.push({ id: `escalation_notice:${n.id}`, kind: 'escalation_notice', severity: 'warning', title: `${n.number} escalated`, detail: `${n.title}: ${n.summary}`, recordType: 'ticket', recordId: n.ticketId, recordNumber: n.number, due: n.at.slice(0, 10) });
    }
  }
  if (kinds.has('change_approval')) {
    const waiting = changesAwaitingApprovalBy(ctx);
    counts.change_approval = waiting.length;
    for (const c of waiting.slice(0, per)) {
      items.push({
        id: `change_approval:${c.id}:${c.round ?? ''}`,
        kind: 'change_approval',
        severity: c.votedEarlier ? 'warning' : 'info',
        title: c.votedEarlier ? `${c.number} changed after your vote: approve it again` : `${c.number} awaits your approval`,
        detail: c.title,
        recordType: 'change',
        recordId: c.id,
        due: c.windowStart?.slice(0, 10) ?? null,
      });
    }
  }
  const rank = { critical: 0, warning: 1, info: 2 };
  items.sort((a, b) => rank[a.severity] - rank[b.severity] || (a.due ?? '9999').localeCompare(b.due ?? '9999'));
  const total = Object.values(counts).reduce((s, n) => s + n, 0);
  return { items: items.slice(0, input.limit), counts, total };
}

export function countAlerts(ctx: Ctx, horizonDays: number): { total: number; counts: AlertCounts } {
  const { counts, total } = listAlerts(ctx, { horizonDays, limit: 1 });
  return { counts, total };
}
