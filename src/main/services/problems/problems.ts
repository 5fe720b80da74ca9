/**
 * Problem management: a problem gathers the incidents with one underlying cause (a set that merges
 * across devices), records its root cause and workaround, becomes a known error (its workaround then
 * shows on every linked incident) and names the change that fixes it. Numbers are leased like
 * tickets' (PRB0000001).
 */
import type Database from 'better-sqlite3';
import type { Ctx } from '../core/context';
import { requireActor, write, type WriteScope } from '../core/write';
import { createRecord, appendRecord, setMember, updateRecord, type Values } from '../core/record';
import { setRowId } from '../core/set-ids';
import { nextNumber } from '../core/numbers';
import { uuidv7 } from '../../../shared/ids';
import { AppError } from '../../../shared/result';
import type { CallParsed } from '../../../shared/api';
import type { Problem, ProblemAction, ProblemFilter, ProblemIncident, ProblemSummary, TicketProblem } from '../../../shared/api/problems';
import type { ProblemStatus } from '../../../shared/itsm/rules';

function bad(path: string, message: string): AppError {
  return new AppError('invalid_input', message, [{ path: [path], message }]);
}

export function requireItsmStaff(ctx: Ctx) {
  const a = requireActor(ctx);
  if (a.role !== 'admin' && a.role !== 'technician') throw new AppError('forbidden', 'Only administrators and technicians change problems and changes.');
  return a;
}

/** The site a new problem or change lives in: the one asked for, else the person's first. */
export function itsmSite(ctx: Ctx, siteId: string | undefined, what: string): string {
  const actor = requireActor(ctx);
  const sqlite = ctx.store.sqlite;
  const site = siteId ?? actor.siteIds[0] ?? (sqlite.prepare('SELECT id FROM sites WHERE deleted_hlc IS NULL ORDER BY created_at LIMIT 1').pluck().get() as string | undefined);
  if (!site) throw new AppError('conflict', `Create a site before adding ${what}.`);
  if (!sqlite.prepare('SELECT 1 FROM sites WHERE id = ? AND deleted_hlc IS NULL').get(site)) throw bad('siteId', 'No such site.');
  if (actor.role !== 'admin' && !actor.siteIds.includes(site)) throw new AppError('forbidden', 'You do not have access to that site.');
  return site;
}

export function assertRow(sqlite: Database.Database, table: 'users' | 'groups' | 'changes' | 'assets', id: string | null | undefined, path: string, what: string) {
  if (!id) return;
  if (!sqlite.prepare(`SELECT 1 FROM ${table} WHERE id = ? AND deleted_hlc IS NULL`).get(id)) throw bad(path, `No such ${what}.`);
}

function assertIncident(sqlite: Database.Database, ticketId: string) {
  const t = sqlite.prepare('SELECT type, number FROM tickets WHERE id = ? AND deleted_hlc IS NULL').get(ticketId) as { type: string; number: string } | undefined;
  if (!t) throw bad('ticketId', 'No such ticket.');
  if (t.type !== 'incident') throw bad('ticketId', `${t.number} is a request; only incidents are linked to problems.`);
}

function linkIncident(ctx: Ctx, w: WriteScope, problemId: string, scopeId: string, ticketId: string, present: boolean): boolean {
  if (present) assertIncident(ctx.store.sqlite, ticketId);
  return setMember(ctx, w, 'problem_incidents', setRowId('problem_incidents', problemId, ticketId), scopeId, { problem_id: problemId, ticket_id: ticketId }, present);
}

export function createProblem(ctx: Ctx, input: CallParsed<'problems.create'>): Problem {
  requireItsmStaff(ctx);
  const sqlite = ctx.store.sqlite;
  const scopeId = itsmSite(ctx, input.siteId, 'problems');
  assertRow(sqlite, 'users', input.ownerId, 'ownerId', 'person');
  assertRow(sqlite, 'groups', input.groupId, 'groupId', 'group');
  assertRow(sqlite, 'changes', input.fixChangeId, 'fixChangeId', 'change');
  for (const t of input.ticketIds ?? []) assertIncident(sqlite, t);
  // A problem raised from incidents starts with the most urgent of their priorities.
  const fromTickets = input.ticketIds?.length
    ? (sqlite.prepare(`SELECT min(priority) FROM tickets WHERE id IN (${input.ticketIds.map(() => '?').join(', ')})`).pluck().get(...input.ticketIds) as number | null)
    : null;
  const id = uuidv7();
  write(ctx, (w) => {
    createRecord(ctx, w, 'problems', id, scopeId, {
      number: nextNumber(sqlite, 'PRB', ctx.clock.now()),
      title: input.title,
      description: input.description ?? null,
      status: input.status ?? 'new',
      root_cause: input.rootCause ?? null,
      workaround: input.workaround ?? null,
      known_error: input.knownError ? 1 : 0,
      owner_id: input.ownerId ?? null,
      group_id: input.groupId ?? null,
      priority: input.priority ?? ((fromTickets ?? 3) as 1 | 2 | 3 | 4),
      fix_change_id: input.fixChangeId ?? null,
      created_by: w.actorId,
      review_impact: null,
      review_causes: null,
    });
    for (const t of input.ticketIds ?? []) linkIncident(ctx, w, id, scopeId, t, true);
  });
  return getProblem(ctx, id);
}

interface ProblemRow {
  id: string;
  scope_id: string;
  number: string;
  title: string;
  description: string | null;
  status: ProblemStatus;
  root_cause: string | null;
  workaround: string | null;
  known_error: number;
  owner_id: string | null;
  owner_name: string | null;
  group_id: string | null;
  group_name: string | null;
  priority: 1 | 2 | 3 | 4;
  fix_change_id: string | null;
  created_by: string;
  review_impact: string | null;
  review_causes: string | null;
  incident_count: number;
  created_at: string;
  updated_at: string;
}

const SELECT = `SELECT p.*, u.display_name AS owner_name, g.name AS group_name,
  (SELECT count(*) FROM problem_incidents pi WHERE pi.problem_id = p.id AND pi.deleted_hlc IS NULL) AS incident_count
  FROM problems p LEFT JOIN users u ON u.id = p.owner_id LEFT JOIN groups g ON g.id = p.group_id`;

function rowOrThrow(sqlite: Database.Database, id: string): ProblemRow {
  const r = sqlite.prepare(`${SELECT} WHERE p.id = ? AND p.deleted_hlc IS NULL`).get(id) as ProblemRow | undefined;
  if (!r) throw new AppError('not_found', 'No such problem.');
  return r;
}

function toSummary(r: ProblemRow): ProblemSummary {
  return {
    id: r.id,
    number: r.number,
    title: r.title,
    status: r.status,
    knownError: !!r.known_error,
    priority: r.priority,
    ownerId: r.owner_id,
    ownerName: r.owner_name,
    groupId: r.group_id,
    groupName: r.group_name,
    siteId: r.scope_id,
    incidentCount: r.incident_count,
    updatedAt: r.updated_at,
  };
}

export function getProblem(ctx: Ctx, id: string): Problem {
  requireActor(ctx);
  const sqlite = ctx.store.sqlite;
  const r = rowOrThrow(sqlite, id);
  const incidents = sqlite
    .prepare(
      `SELECT t.id, t.number, t.title, t.status FROM problem_incidents pi JOIN tickets t ON t.id = pi.ticket_id
       WHERE pi.problem_id = ? AND pi.deleted_hlc IS NULL AND t.deleted_hlc IS NULL ORDER BY t.number`,
    )
    .all(id) as ProblemIncident[];
  const actions = sqlite
    .prepare(
      `SELECT a.id, a.description, a.owner_id AS ownerId, o.display_name AS ownerName, a.due_on AS dueOn,
         coalesce(u.display_name, 'Unknown') AS authorName, a.created_at AS at
       FROM problem_actions a LEFT JOIN users o ON o.id = a.owner_id LEFT JOIN users u ON u.id = a.author_id
       WHERE a.problem_id = ? AND a.deleted_hlc IS NULL ORDER BY a.created_at, a.id`,
    )
    .all(id) as ProblemAction[];
  const fix = r.fix_change_id
    ? ((sqlite.prepare('SELECT id, number, title, status FROM changes WHERE id = ? AND deleted_hlc IS NULL').get(r.fix_change_id) as Problem['fixChange'] | undefined) ?? null)
    : null;
  return {
    ...toSummary(r),
    description: r.description,
    rootCause: r.root_cause,
    workaround: r.workaround,
    fixChange: fix,
    createdById: r.created_by,
    createdAt: r.created_at,
    incidents,
    review: { impact: r.review_impact, causes: r.review_causes, actions },
  };
}

export function updateProblem(ctx: Ctx, input: CallParsed<'problems.update'>): Problem {
  requireItsmStaff(ctx);
  const sqlite = ctx.store.sqlite;
  const row = rowOrThrow(sqlite, input.id);
  assertRow(sqlite, 'users', input.ownerId, 'ownerId', 'person');
  assertRow(sqlite, 'groups', input.groupId, 'groupId', 'group');
  assertRow(sqlite, 'changes', input.fixChangeId, 'fixChangeId', 'change');
  const values: Values = {
    title: input.title,
    description: input.description,
    status: input.status,
    root_cause: input.rootCause,
    workaround: input.workaround,
    known_error: input.knownError === undefined ? undefined : input.knownError ? 1 : 0,
    owner_id: input.ownerId,
    group_id: input.groupId,
    priority: input.priority,
    fix_change_id: input.fixChangeId,
    review_impact: input.reviewImpact,
    review_causes: input.reviewCauses,
  };
  const knownError = values.known_error ?? row.known_error;
  const workaround = values.workaround !== undefined ? values.workaround : row.workaround;
  if (knownError && !String(workaround ?? '').trim()) throw bad('workaround', 'A known error needs a workaround: it is shown on every linked incident.');
  write(ctx, (w) => updateRecord(ctx, w, 'problems', input.id, values));
  return getProblem(ctx, input.id);
}

export function linkProblemIncident(ctx: Ctx, input: CallParsed<'problems.linkIncident'>): Problem {
  requireItsmStaff(ctx);
  const row = rowOrThrow(ctx.store.sqlite, input.id);
  write(ctx, (w) => linkIncident(ctx, w, input.id, row.scope_id, input.ticketId, input.present));
  return getProblem(ctx, input.id);
}

export function addProblemAction(ctx: Ctx, input: CallParsed<'problems.addAction'>): Problem {
  requireItsmStaff(ctx);
  const sqlite = ctx.store.sqlite;
  const row = rowOrThrow(sqlite, input.id);
  assertRow(sqlite, 'users', input.ownerId, 'ownerId', 'person');
  write(ctx, (w) =>
    appendRecord(ctx, w, 'problem_actions', uuidv7(), row.scope_id, {
      problem_id: input.id,
      author_id: w.actorId,
      description: input.description,
      owner_id: input.ownerId ?? null,
      due_on: input.dueOn ?? null,
    }),
  );
  return getProblem(ctx, input.id);
}

const DONE_SQL = "(p.status IN ('resolved', 'closed'))";

/** The list's keyset: open before done, most urgent first, newest number first (numbers are unique). */
function problemCursor(r: { status: ProblemStatus; priority: number; number: string }): string {
  return `${r.status === 'resolved' || r.status === 'closed' ? 1 : 0}:${r.priority}:${r.number}`;
}

function parseProblemCursor(cursor: string): [number, number, string] {
  const m = /^([01]):(\d{1,2}):(.{1,60})$/.exec(cursor);
  if (!m) throw new AppError('invalid_input', 'The page cursor is not one this list gave.', [{ path: ['cursor'], message: 'The page cursor is not one this list gave.' }]);
  return [Number(m[1]), Number(m[2]), m[3]!];
}

export function listProblems(
  ctx: Ctx,
  input: ProblemFilter & { limit: number; offset: number; cursor?: string | null | undefined },
): { items: ProblemSummary[]; total: number; nextCursor: string | null } {
  requireActor(ctx);
  const where = ['p.deleted_hlc IS NULL'];
  const args: unknown[] = [];
  if (input.q) {
    where.push("(p.title LIKE ? ESCAPE '\\' OR p.number LIKE ? ESCAPE '\\')");
    const like = `%${input.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    args.push(like, like);
  }
  if (input.status?.length) {
    where.push(`p.status IN (${input.status.map(() => '?').join(', ')})`);
    args.push(...input.status);
  }
  if (input.knownError !== undefined) {
    where.push('p.known_error = ?');
    args.push(input.knownError ? 1 : 0);
  }
  if (input.ownerId) {
    where.push('p.owner_id = ?');
    args.push(input.ownerId);
  }
  if (input.siteId) {
    where.push('p.scope_id = ?');
    args.push(input.siteId);
  }
  const sqlite = ctx.store.sqlite;
  const w = where.join(' AND ');
  const total = sqlite.prepare(`SELECT count(*) FROM problems p WHERE ${w}`).pluck().get(...args) as number;
  // Keyset: the next page starts after the last row shown in the list's order, so a later page costs
  // what the first does; `offset` stays for callers that skip ahead.
  let after = '';
  const afterArgs: unknown[] = [];
  if (input.cursor) {
    const [d, pr, n] = parseProblemCursor(input.cursor);
    after = ` AND (${DONE_SQL} > ? OR (${DONE_SQL} = ? AND (p.priority > ? OR (p.priority = ? AND p.number < ?))))`;
    afterArgs.push(d, d, pr, pr, n);
  }
  // Open problems first, most urgent first, newest number first.
  const rows = sqlite
    .prepare(`${SELECT} WHERE ${w}${after} ORDER BY ${DONE_SQL}, p.priority, p.number DESC LIMIT ? OFFSET ?`)
    .all(...args, ...afterArgs, input.limit + 1, input.cursor ? 0 : input.offset) as ProblemRow[];
  const more = rows.length > input.limit;
  if (more) rows.pop();
  return { items: rows.map(toSummary), total, nextCursor: more ? problemCursor(rows.at(-1)!) : null };
}

export function problemsForTicket(ctx: Ctx, ticketId: string): { items: TicketProblem[] } {
  requireActor(ctx);
  const rows = ctx.store.sqlite
    .prepare(
      `SELECT p.id, p.number, p.title, p.status, p.known_error, p.workaround FROM problem_incidents pi JOIN problems p ON p.id = pi.problem_id
       WHERE pi.ticket_id = ? AND pi.deleted_hlc IS NULL AND p.deleted_hlc IS NULL ORDER BY p.number`,
    )
    .all(ticketId) as { id: string; number: string; title: string; status: ProblemStatus; known_error: number; workaround: string | null }[];
  return {
    items: rows.map((r) => ({
      id: r.id,
      number: r.number,
      title: r.title,
      status: r.status,
      knownError: !!r.known_error,
      // The workaround is what the incident's technician needs; shown once the problem is a known error.
      workaround: r.known_error ? r.workaround : null,
    })),
  };
}
