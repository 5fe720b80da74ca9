/** Applied controls: a team-wide catalogue staff keep; each risk it treats shows its status. */
import type Database from 'better-sqlite3';
import type { Ctx } from '../core/context';
import { requireActor, write } from '../core/write';
import { createRecord, setMember, updateRecord } from '../core/record';
import { setRowId } from '../core/set-ids';
import { uuidv7 } from '../../../shared/ids';
import { AppError } from '../../../shared/result';
import type { AppliedControl } from '../../../shared/api/controls';
import type { CallParsed } from '../../../shared/api';

const GLOBAL = 'global';

function requireStaff(ctx: Ctx) {
  const a = requireActor(ctx);
  if (a.role !== 'admin' && a.role !== 'technician')
    throw new AppError('forbidden', 'Only administrators and technicians change applied controls.');
  return a;
}

function bad(path: string, message: string): AppError {
  return new AppError('invalid_input', message, [{ path: [path], message }]);
}

function assertPerson(sqlite: Database.Database, id: string | null | undefined) {
  if (id && !sqlite.prepare('SELECT 1 FROM users WHERE id = ? AND deleted_hlc IS NULL').get(id)) throw bad('ownerId', 'No such person.');
}

type Fields = Omit<CallParsed<'controls.update'>, 'id'>;

function valuesOf(input: Fields): Record<string, string | number | null> {
  const v: Record<string, string | number | null> = {};
  const map: [keyof Fields, string][] = [
    ['name', 'name'],
    ['description', 'description'],
    ['category', 'category'],
    ['ownerId', 'owner_id'],
    ['status', 'status'],
    ['dueOn', 'due_on'],
    ['effort', 'effort'],
    ['cost', 'cost'],
  ];
  for (const [k, col] of map) if (input[k] !== undefined) v[col] = input[k] as string | number | null;
  return v;
}

export function createControl(ctx: Ctx, input: CallParsed<'controls.create'>): AppliedControl {
  requireStaff(ctx);
  assertPerson(ctx.store.sqlite, input.ownerId);
  const id = uuidv7();
  const v = {
    name: input.name,
    description: null,
    category: null,
    owner_id: null,
    status: 'planned',
    due_on: null,
    effort: null,
    cost: null,
    ...valuesOf(input),
  };
  write(ctx, (w) => createRecord(ctx, w, 'applied_controls', id, GLOBAL, v));
  return getControl(ctx, id);
}

export function updateControl(ctx: Ctx, input: CallParsed<'controls.update'>): AppliedControl {
  requireStaff(ctx);
  getControl(ctx, input.id);
  assertPerson(ctx.store.sqlite, input.ownerId);
  const { id, ...rest } = input;
  const v = valuesOf(rest);
  if (Object.keys(v).length) write(ctx, (w) => updateRecord(ctx, w, 'applied_controls', id, v));
  return getControl(ctx, id);
}

export function linkTicket(ctx: Ctx, input: CallParsed<'controls.linkTicket'>): AppliedControl {
  requireStaff(ctx);
  getControl(ctx, input.id);
  if (input.present && !ctx.store.sqlite.prepare('SELECT 1 FROM tickets WHERE id = ? AND deleted_hlc IS NULL').get(input.ticketId))
    throw bad('ticketId', 'No such ticket.');
  write(ctx, (w) =>
    setMember(
      ctx,
      w,
      'control_tickets',
      setRowId('control_tickets', input.id, input.ticketId),
      GLOBAL,
      { control_id: input.id, ticket_id: input.ticketId },
      input.present,
    ),
  );
  return getControl(ctx, input.id);
}

interface Row {
  id: string;
  name: string;
  description: string | null;
  category: string | null;
  owner_id: string | null;
  owner_name: string | null;
  status: AppliedControl['status'];
  due_on: string | null;
  effort: AppliedControl['effort'];
  cost: number | null;
  risks: number;
  updated_at: string;
}

const SELECT = `SELECT c.id, c.name, c.description, c.category, c.owner_id, u.display_name AS owner_name, c.status, c.due_on, c.effort, c.cost, c.updated_at,
  (SELECT count(*) FROM risk_controls x JOIN risks r ON r.id = x.risk_id AND r.deleted_hlc IS NULL WHERE x.control_id = c.id AND x.deleted_hlc IS NULL) AS risks
  FROM applied_controls c LEFT JOIN users u ON u.id = c.owner_id`;

function toControl(sqlite: Database.Database, r: Row, withTickets: boolean): AppliedControl {
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    category: r.category,
    ownerId: r.owner_id,
    ownerName: r.owner_name,
    status: r.status,
    dueOn: r.due_on,
    effort: r.effort,
    cost: r.cost,
    risks: r.risks,
    tickets: withTickets
      ? (sqlite
          .prepare(
            'SELECT t.id, t.number, t.title, t.status FROM control_tickets x JOIN tickets t ON t.id = x.ticket_id WHERE x.control_id = ? AND x.deleted_hlc IS NULL ORDER BY t.number',
          )
          .all(r.id) as AppliedControl['tickets'])
      : [],
    updatedAt: r.updated_at,
  };
}

export function getControl(ctx: Ctx, id: string): AppliedControl {
  const sqlite = ctx.store.sqlite;
  const r = sqlite.prepare(`${SELECT} WHERE c.id = ? AND c.deleted_hlc IS NULL`).get(id) as Row | undefined;
  if (!r) throw new AppError('not_found', 'No such applied control.');
  return toControl(sqlite, r, true);
}

export function listControls(ctx: Ctx, input: CallParsed<'controls.list'>): AppliedControl[] {
  const sqlite = ctx.store.sqlite;
  const c = ['c.deleted_hlc IS NULL'];
  const p: unknown[] = [];
  if (input.q) {
    c.push("c.name LIKE ? ESCAPE '\\'");
    p.push(`%${input.q.replace(/[\\%_]/g, (x) => `\\${x}`)}%`);
  }
  if (input.status) {
    c.push('c.status = ?');
    p.push(input.status);
  }
  return (sqlite.prepare(`${SELECT} WHERE ${c.join(' AND ')} ORDER BY c.name COLLATE NOCASE LIMIT 5000`).all(...p) as Row[]).map((r) =>
    toControl(sqlite, r, true),
  );
}
