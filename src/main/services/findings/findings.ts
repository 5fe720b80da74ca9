/**
 * Findings: non-conformities and observations raised by auditors, with severity, owner, due date
 * and status, linked to requirements, risks and assets (a set, one row per link), and followed up
 * by a ticket opened through the tickets service: the finding names its ticket, and the ticket's
 * page lists the findings it follows up.
 */
import type { Ctx } from '../core/context';
import { nowIso } from '../core/context';
import { requireActor, write } from '../core/write';
import { createRecord, setMember, updateRecord } from '../core/record';
import { setRowId } from '../core/set-ids';
import { uuidv7 } from '../../../shared/ids';
import { AppError } from '../../../shared/result';
import { GLOBAL_SCOPE } from '../directory/scopes';
import { createTicket } from '../tickets/tickets';
import {
  OPEN_FINDING_STATUSES,
  type FindingKind,
  type FindingLinkKind,
  type FindingSeverity,
  type FindingStatus,
} from '../../../shared/sync/entities-evidence';
import type { Finding, FindingLink } from '../../../shared/api/findings';

interface Row {
  id: string;
  scope_id: string;
  kind: FindingKind;
  title: string;
  description: string;
  severity: FindingSeverity;
  status: FindingStatus;
  owner_id: string | null;
  owner_name: string | null;
  due_date: string | null;
  assessment_id: string | null;
  ticket_id: string | null;
  ticket_number: string | null;
  raised_by: string;
  raised_by_name: string | null;
  created_at: string;
  updated_at: string;
}

const SELECT = `SELECT f.*, o.display_name AS owner_name, r.display_name AS raised_by_name, t.number AS ticket_number
  FROM findings f LEFT JOIN users o ON o.id = f.owner_id LEFT JOIN users r ON r.id = f.raised_by LEFT JOIN tickets t ON t.id = f.ticket_id`;

/** What a link's target is called on this device, when it holds it. */
function linkLabel(ctx: Ctx, kind: FindingLinkKind, target: string): string | null {
  const sqlite = ctx.store.sqlite;
  if (kind === 'asset') {
    const a = sqlite.prepare('SELECT tag, name FROM assets WHERE id = ? AND deleted_hlc IS NULL').get(target) as
      { tag: string; name: string } | undefined;
    return a ? `${a.tag} ${a.name}` : null;
  }
  if (kind === 'risk') {
    const r = sqlite.prepare('SELECT number, title FROM risks WHERE id = ? AND deleted_hlc IS NULL').get(target) as
      { number: string; title: string } | undefined;
    return r ? `${r.number} ${r.title}` : null;
  }
  if (kind === 'requirement') {
    // Requirements are named by their URN, the same in every framework version.
    const q = sqlite
      .prepare('SELECT ref_id, name FROM framework_requirements WHERE urn = ? AND deleted_hlc IS NULL LIMIT 1')
      .get(target) as { ref_id: string | null; name: string | null } | undefined;
    return q ? [q.ref_id, q.name].filter(Boolean).join(' ') || target : null;
  }
  return null;
}

function linksOf(ctx: Ctx, findingId: string): FindingLink[] {
  const rows = ctx.store.sqlite
    .prepare('SELECT kind, target_id FROM finding_links WHERE finding_id = ? AND deleted_hlc IS NULL ORDER BY kind, target_id')
    .all(findingId) as { kind: FindingLinkKind; target_id: string }[];
  return rows.map((r) => ({ kind: r.kind, targetId: r.target_id, label: linkLabel(ctx, r.kind, r.target_id) }));
}

function toFinding(ctx: Ctx, r: Row): Finding {
  const today = nowIso(ctx).slice(0, 10);
  return {
    id: r.id,
    kind: r.kind,
    title: r.title,
    description: r.description,
    severity: r.severity,
    status: r.status,
    ownerId: r.owner_id,
    ownerName: r.owner_name,
    dueDate: r.due_date,
    overdue: !!r.due_date && r.due_date < today && OPEN_FINDING_STATUSES.includes(r.status),
    assessmentId: r.assessment_id,
    siteId: r.scope_id,
    ticketId: r.ticket_id,
    ticketNumber: r.ticket_number,
    raisedBy: r.raised_by,
    raisedByName: r.raised_by_name,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    links: linksOf(ctx, r.id),
  };
}

function requireWriter(ctx: Ctx) {
  const actor = requireActor(ctx);
  if (actor.role === 'requester') throw new AppError('forbidden', 'Requesters cannot see or raise findings.');
  return actor;
}

export function getFinding(ctx: Ctx, id: string): Finding {
  requireWriter(ctx);
  const r = ctx.store.sqlite.prepare(`${SELECT} WHERE f.id = ? AND f.deleted_hlc IS NULL`).get(id) as Row | undefined;
  if (!r) throw new AppError('not_found', 'No such finding.');
  return toFinding(ctx, r);
}

export function listFindings(
  ctx: Ctx,
  input: {
    status?: 'open' | 'all';
    statuses?: FindingStatus[];
    severities?: FindingSeverity[];
    kind?: FindingKind;
    assessmentId?: string;
    link?: { kind: FindingLinkKind; targetId: string };
  } = {},
): { items: Finding[] } {
  requireWriter(ctx);
  const where = ['f.deleted_hlc IS NULL'];
  const args: unknown[] = [];
  const among = (col: string, values: readonly string[] | undefined) => {
    if (!values?.length) return;
    where.push(`${col} IN (${values.map(() => '?').join(', ')})`);
    args.push(...values);
  };
  among('f.status', input.statuses);
  among('f.severity', input.severities);
  if (input.kind) among('f.kind', [input.kind]);
  if (input.status === 'open') {
    where.push(`f.status IN (${OPEN_FINDING_STATUSES.map(() => '?').join(', ')})`);
    args.push(...OPEN_FINDING_STATUSES);
  }
  if (input.assessmentId) {
    where.push('f.assessment_id = ?');
    args.push(input.assessmentId);
  }
  if (input.link) {
    input = { ...input, link: linkTarget(ctx, input.link) };
    where.push(
      'EXISTS (SELECT 1 FROM finding_links l WHERE l.finding_id = f.id AND l.kind = ? AND l.target_id = ? AND l.deleted_hlc IS NULL)',
    );
    args.push(input.link!.kind, input.link!.targetId);
  }
  const rows = ctx.store.sqlite
    .prepare(`${SELECT} WHERE ${where.join(' AND ')} ORDER BY f.created_at DESC, f.id DESC`)
    .all(...args) as Row[];
  return { items: rows.map((r) => toFinding(ctx, r)) };
}

export function findingsForTicket(ctx: Ctx, ticketId: string): { items: Finding[] } {
  requireWriter(ctx);
  const rows = ctx.store.sqlite
    .prepare(`${SELECT} WHERE f.ticket_id = ? AND f.deleted_hlc IS NULL ORDER BY f.created_at`)
    .all(ticketId) as Row[];
  return { items: rows.map((r) => toFinding(ctx, r)) };
}

function checkOwner(ctx: Ctx, ownerId: string | null | undefined) {
  if (!ownerId) return;
  if (!ctx.store.sqlite.prepare('SELECT 1 FROM users WHERE id = ? AND deleted_hlc IS NULL').get(ownerId)) {
    throw new AppError('invalid_input', 'The owner is not a user of this team.', [{ path: ['ownerId'], message: 'No such user.' }]);
  }
}

const linkId = (findingId: string, kind: string, target: string) => setRowId('finding_links', findingId, kind, target);

/** Requirements are linked by URN (the same in every version of the framework); a requirement's id is taken as its URN. */
function linkTarget(ctx: Ctx, l: { kind: FindingLinkKind; targetId: string }): { kind: FindingLinkKind; targetId: string } {
  if (l.kind !== 'requirement') return l;
  const urn = ctx.store.sqlite.prepare('SELECT urn FROM framework_requirements WHERE id = ?').pluck().get(l.targetId) as string | undefined;
  return urn ? { kind: l.kind, targetId: urn } : l;
}

export function createFinding(
  ctx: Ctx,
  input: {
    kind: FindingKind;
    title: string;
    description?: string;
    severity: FindingSeverity;
    status?: FindingStatus;
    ownerId?: string | null;
    dueDate?: string | null;
    assessmentId?: string | null;
    siteId?: string | null;
    links?: { kind: FindingLinkKind; targetId: string }[];
  },
): Finding {
  const actor = requireWriter(ctx);
  checkOwner(ctx, input.ownerId);
  const scopeId = input.siteId ?? GLOBAL_SCOPE;
  if (scopeId !== GLOBAL_SCOPE && !ctx.store.sqlite.prepare('SELECT 1 FROM sites WHERE id = ? AND deleted_hlc IS NULL').get(scopeId)) {
    throw new AppError('invalid_input', 'No such site.', [{ path: ['siteId'], message: 'No such site.' }]);
  }
  const id = uuidv7();
  write(ctx, (w) => {
    createRecord(ctx, w, 'findings', id, scopeId, {
      kind: input.kind,
      title: input.title,
      description: input.description ?? '',
      severity: input.severity,
      status: input.status ?? 'open',
      owner_id: input.ownerId ?? null,
      due_date: input.dueDate ?? null,
      assessment_id: input.assessmentId ?? null,
      ticket_id: null,
      raised_by: actor.id,
    });
    for (const l of (input.links ?? []).map((x) => linkTarget(ctx, x)))
      setMember(
        ctx,
        w,
        'finding_links',
        linkId(id, l.kind, l.targetId),
        scopeId,
        { finding_id: id, kind: l.kind, target_id: l.targetId },
        true,
      );
  });
  return getFinding(ctx, id);
}

export function updateFinding(
  ctx: Ctx,
  id: string,
  fields: {
    kind?: FindingKind;
    title?: string;
    description?: string;
    severity?: FindingSeverity;
    status?: FindingStatus;
    ownerId?: string | null;
    dueDate?: string | null;
  },
): Finding {
  requireWriter(ctx);
  getFinding(ctx, id);
  checkOwner(ctx, fields.ownerId);
  const values: Record<string, string | null> = {};
  if (fields.kind !== undefined) values.kind = fields.kind;
  if (fields.title !== undefined) values.title = fields.title;
  if (fields.description !== undefined) values.description = fields.description;
  if (fields.severity !== undefined) values.severity = fields.severity;
  if (fields.status !== undefined) values.status = fields.status;
  if (fields.ownerId !== undefined) values.owner_id = fields.ownerId;
  if (fields.dueDate !== undefined) values.due_date = fields.dueDate;
  write(ctx, (w) => updateRecord(ctx, w, 'findings', id, values));
  return getFinding(ctx, id);
}

export function linkFinding(ctx: Ctx, id: string, given: { kind: FindingLinkKind; targetId: string }, present: boolean): Finding {
  requireWriter(ctx);
  const link = linkTarget(ctx, given);
  const f = getFinding(ctx, id);
  write(ctx, (w) =>
    setMember(
      ctx,
      w,
      'finding_links',
      linkId(id, link.kind, link.targetId),
      f.siteId,
      { finding_id: id, kind: link.kind, target_id: link.targetId },
      present,
    ),
  );
  return getFinding(ctx, id);
}

const SEVERITY_IMPACT: Record<FindingSeverity, 1 | 2 | 3> = { critical: 1, high: 1, medium: 2, low: 3 };
const KIND_WORDS: Record<FindingKind, string> = { non_conformity: 'Non-conformity', observation: 'Observation' };

/**
 * Opens the finding's follow-up ticket through the tickets service (its number, status history and
 * audit event as for any new ticket) and records it on the finding, in one transaction.
 */
export function openTicketForFinding(ctx: Ctx, id: string, type: 'incident' | 'request' = 'incident'): Finding {
  requireWriter(ctx);
  const f = getFinding(ctx, id);
  if (f.ticketId)
    throw new AppError('conflict', `This finding already has its follow-up ticket${f.ticketNumber ? ` (${f.ticketNumber})` : ''}.`);
  const lines = [
    `${KIND_WORDS[f.kind]} (${f.severity}) raised by ${f.raisedByName ?? 'an auditor'}.`,
    f.dueDate ? `Due ${f.dueDate}.` : null,
    f.description ? `\n${f.description}` : null,
    f.links.length ? `\nLinked to:\n${f.links.map((l) => `- ${l.kind}: ${l.label ?? l.targetId}`).join('\n')}` : null,
  ].filter((x): x is string => x !== null);
  const firstAsset = f.links.find((l) => l.kind === 'asset')?.targetId ?? null;
  write(ctx, (w) => {
    const ticket = createTicket(ctx, {
      type,
      title: `Finding: ${f.title}`.slice(0, 200),
      description: lines.join('\n'),
      impact: SEVERITY_IMPACT[f.severity],
      urgency: SEVERITY_IMPACT[f.severity],
      siteId: f.siteId === GLOBAL_SCOPE ? undefined : f.siteId,
      linkedAssetId: firstAsset,
    });
    updateRecord(ctx, w, 'findings', id, { ticket_id: ticket.id });
  });
  return getFinding(ctx, id);
}
