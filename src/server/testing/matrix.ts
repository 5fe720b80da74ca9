/**
 * The authorisation matrix, generated from the entity descriptions: for every synced record type,
 * every role and each of own site / other site / team-wide (`global`), which op kinds a real server
 * accepts. Each cell works on records of its own (made by an administrator, or seeded for the
 * server-only conflicts), so one cell's ops never change another's. `docs/security.md` holds the
 * expected table; the matrix test runs this against a real server and compares, and
 * `npm run security:matrix` prints the table.
 */
import { z } from 'zod';
import { ENTITY_RULES, type EntityRule } from '../../shared/sync/entities';
import { formatHlc, makeStamp } from '../../shared/hlc';
import { uuidv7 } from '../../shared/ids';
import { teamSettingId } from '../../shared/settings/team';
import { NUMBER_SCHEMES, formatHumanNumber } from '../../shared/numbers';
import { post, signIn, type Actor, type Role } from './actors';
import type { TestServer } from './server';
import { TEST_ADMIN } from './server';
import type { StoredRecord } from '../store/types';

export const ROLES: readonly Role[] = ['admin', 'technician', 'auditor', 'requester'];
export const PLACES = ['own', 'other', 'global'] as const;
export type Place = (typeof PLACES)[number];
const OWN = 'site-own';
const OTHER = 'site-other';
const siteOf = (p: Place) => (p === 'own' ? OWN : p === 'other' ? OTHER : 'global');

/** One letter per op kind, in the table's order. */
export const KIND_LETTERS: Record<string, string> = { create: 'c', setFields: 'e', transition: 't', delete: 'd', restore: 'r', append: 'a', setAdd: '+', setRemove: '-' };

export function kindsOf(rule: EntityRule): string[] {
  if (rule.merge === 'append') return ['append'];
  if (rule.merge === 'set') return ['setAdd', 'setRemove'];
  return rule.status ? ['create', 'setFields', 'transition', 'delete', 'restore'] : ['create', 'setFields', 'delete', 'restore'];
}

const SAMPLE_LEVEL = { abbreviation: 'L', name: 'Low', description: null, hexcolor: '#BBF7D0' };
const SAMPLE_MATRIX = JSON.stringify({ probability: [SAMPLE_LEVEL], impact: [SAMPLE_LEVEL], risk: [SAMPLE_LEVEL], grid: [[0]] });

const CANDIDATES: unknown[] = [0, 1, 'sample', '2026-01-01', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00Z', '{}', '[]', ...NUMBER_SCHEMES.map((s) => formatHumanNumber(s.prefix, 1)), true, 'UTC', 0.5, 'CVE-2024-3400'];

/** A value the field's schema accepts: empty where it may be, else the first candidate that parses. */
export function sampleValue(entity: string, field: string, schema: z.ZodType): unknown {
  if (entity === 'team_settings' && field === 'value') return JSON.stringify('Outpost test team');
  if (entity === 'team_settings' && field === 'key') return 'organisation';
  if (entity === 'risk_matrices' && field === 'definition') return SAMPLE_MATRIX;
  if (field === 'sha256') return '0'.repeat(64);
  if (schema.safeParse(null).success) return null;
  const options = (schema as unknown as { options?: unknown[] }).options;
  if (Array.isArray(options) && options.length && schema.safeParse(options[0]).success) return options[0];
  for (const c of CANDIDATES) if (schema.safeParse(c).success) return c;
  throw new Error(`No sample value for ${entity}.${field}`);
}

/** The field a cell edits: the first ordinary field (not identity, owner, fixed, parent or status). */
export function editedField(entity: string, rule: EntityRule): string | null {
  const skip = new Set([...(rule.identity ?? []), ...(rule.fixed ?? []), ...(rule.secret ?? []), rule.owner ?? '', rule.parent?.field ?? '', 'status', 'is_open']);
  if (rule.serverCreated) return 'status';
  return Object.keys(rule.fields).find((f) => !skip.has(f) && !(entity === 'team_settings' && f === 'key')) ?? null;
}

interface Cell {
  entity: string;
  role: Role;
  place: Place;
  allowed: string[];
  reasons: Record<string, string>;
  /** The type never lives in this place (team-wide types outside global). */
  na?: boolean;
}

export interface Matrix {
  cells: Cell[];
}

/** Minimal payload of a new record of `entity` in `scope`, its parent (if any) being `parentId`. */
/** A valid new record of `entity` as a device would send it (parent and requester as given). */
export function newPayload(entity: string, rule: EntityRule, scope: string, parentId: string | null, requesterId: string): Record<string, unknown> {
  const p: Record<string, unknown> = { scope_id: scope };
  for (const [f, schema] of Object.entries(rule.fields)) p[f] = sampleValue(entity, f, schema);
  if (rule.parent && parentId) p[rule.parent.field] = parentId;
  if (entity === 'tickets') Object.assign(p, { number: `INC${String(Math.floor(Math.random() * 9_000_000) + 1_000_000)}`, title: 'Matrix ticket', requester_id: requesterId, priority: 4, impact: 3, urgency: 3 });
  // A ticket's SLA outcome is written with its resolution, never when it is raised (as the device does).
  if (entity === 'tickets') delete p.sla_met;
  // Numbered types other than tickets (risks, problems, changes): a random number of their scheme.
  const scheme = entity === 'tickets' ? undefined : NUMBER_SCHEMES.find((s) => s.entity === entity);
  if (scheme) p[scheme.field] = formatHumanNumber(scheme.prefix, Math.floor(Math.random() * 9_000_000) + 1_000_000);
  // A normal change (it takes votes once it awaits approval; see makeRecord).
  if (entity === 'changes') p.type = 'normal';
  if (entity === 'users') p.username = `u${uuidv7().slice(-12).replace(/-/g, '')}`;
  if (entity === 'ticket_watchers') p.user_id = requesterId;
  // A status row of a move a requester makes (cancelling their ticket): a requester's history records
  // only their own moves, and an auditor's only the opening of a ticket they raise.
  if (entity === 'ticket_history') Object.assign(p, { kind: 'status', from_value: 'new', to_value: 'cancelled' });
  // A device sends a new ticket's fields that are set, not the empty ones (see core/record.ts).
  if (entity === 'tickets') for (const k of Object.keys(p)) if (p[k] === null) delete p[k];
  return p;
}

/** Parent types first, so every child's parent exists when it is written. */
function ordered(): [string, EntityRule][] {
  const out: [string, EntityRule][] = [];
  const done = new Set<string>();
  const visit = (e: string) => {
    if (done.has(e)) return;
    const r = ENTITY_RULES[e]!;
    if (r.parent) visit(r.parent.entity);
    done.add(e);
    out.push([e, r]);
  };
  for (const e of Object.keys(ENTITY_RULES)) visit(e);
  return out;
}

export async function runMatrix(server: TestServer): Promise<Matrix> {
  const admin = await signIn(server.url, TEST_ADMIN.username, TEST_ADMIN.password, 'admin');
  for (const [id, name] of [[OWN, 'Own site'], [OTHER, 'Other site']]) await admin.one({ kind: 'create', entity: 'sites', recordId: id, scopeId: 'global', payload: { name, code: null, timezone: null, scope_id: 'global' } });
  const actors: Record<Role, Actor> = { admin } as Record<Role, Actor>;
  for (const role of ROLES.filter((r) => r !== 'admin')) {
    const username = `${role}-m`;
    const r = await post(server.url, '/auth/users', { username, password: 'password123', role, sites: [OWN] }, admin.token);
    if (r.status !== 200) throw new Error(`Could not create ${username}: ${r.body.error?.message ?? r.status}`);
    actors[role] = await signIn(server.url, username, 'password123', role);
  }
  // The administrator holds every site; for the matrix it stands in "own" and "other" alike.
  const cells: Cell[] = [];
  for (const [entity, rule] of ordered()) {
    for (const role of ROLES) {
      const actor = actors[role];
      for (const place of PLACES) {
        const scope = siteOf(place);
        // Team-wide types live only in global: their own/other columns do not apply.
        if (rule.home === 'global' && place !== 'global') {
          cells.push({ entity, role, place, allowed: [], reasons: {}, na: true });
          continue;
        }
        const reasons: Record<string, string> = {};
        const allowed: string[] = [];
        // The cell's own records, written by the administrator (conflicts: seeded as the server would).
        const parentId = rule.parent ? await makeRecord(server, admin, rule.parent.entity, scope, actor.personId, null) : null;
        if (rule.parent && !parentId) {
          cells.push({ entity, role, place, allowed, reasons: { all: 'no parent can exist here' } });
          continue;
        }
        // A record that belongs to its writer (a saved view) is the cell's own; someone else's is
        // refused whatever the role (see the attack tests). A role that may not write the type at all
        // (a requester's dashboard) has none of its own: the administrator's stands in.
        const target = await makeRecord(server, rule.owner && rule.writers.includes(role) ? actor : admin, entity, scope, actor.personId, parentId);
        for (const kind of kindsOf(rule)) {
          const op = opFor(kind, entity, rule, scope, target, parentId, actor.personId);
          if (!op) continue;
          const res = await actor.one(op);
          if (res.status === 'rejected') reasons[kind] = res.reason ?? '';
          else allowed.push(kind);
        }
        cells.push({ entity, role, place, allowed, reasons });
      }
    }
  }
  return { cells };
}

function opFor(kind: string, entity: string, rule: EntityRule, scope: string, target: string | null, parentId: string | null, personId: string) {
  const base = { entity, scopeId: scope };
  switch (kind) {
    case 'create':
    case 'append':
      return { ...base, kind: kind as 'create', recordId: entity === 'team_settings' ? teamSettingId('organisation') : uuidv7(), payload: newPayload(entity, rule, scope, parentId, personId) };
    case 'setAdd':
      return { ...base, kind: 'setAdd' as const, recordId: uuidv7(), payload: newPayload(entity, rule, scope, parentId, personId) };
    case 'setRemove':
      return target ? { ...base, kind: 'setRemove' as const, recordId: target, payload: {} } : null;
    case 'setFields': {
      const f = editedField(entity, rule);
      if (!target || !f) return null;
      const value = rule.serverCreated ? 'resolved' : entity === 'team_settings' ? JSON.stringify('Edited team') : sampleValue(entity, f, rule.fields[f]!) ?? 'edited';
      return { ...base, kind: 'setFields' as const, recordId: target, payload: { [f]: value === null || value === 'sample' ? `edited-${uuidv7().slice(-8)}` : value } };
    }
    case 'transition':
      return target ? { ...base, kind: 'transition' as const, recordId: target, payload: { from: 'new', to: 'cancelled', fields: { status: 'cancelled', is_open: 0 } } } : null;
    case 'delete':
      return target ? { ...base, kind: 'delete' as const, recordId: target, payload: {} } : null;
    case 'restore':
      return target ? { ...base, kind: 'restore' as const, recordId: target, payload: { fields: {} } } : null;
  }
  return null;
}

/** A record of `entity` in `scope` for one cell (null where none can live there). */
export async function makeRecord(server: TestServer, admin: Actor, entity: string, scope: string, personId: string, parentId: string | null): Promise<string | null> {
  const rule = ENTITY_RULES[entity]!;
  const home = rule.home === 'any' ? scope : rule.home === 'global' ? 'global' : scope === 'global' ? null : scope;
  if (!home) return null;
  if (rule.parent && !parentId) {
    parentId = await makeRecord(server, admin, rule.parent.entity, scope, personId, null);
    if (!parentId) return null;
  }
  const id = entity === 'team_settings' ? teamSettingId('organisation') : uuidv7();
  if (rule.serverCreated) {
    const now = new Date().toISOString();
    const stamp = makeStamp(formatHlc({ wall: Date.now(), counter: 0 }), 'server');
    const data: Record<string, unknown> = {};
    for (const [f, schema] of Object.entries(rule.fields)) data[f] = sampleValue(entity, f, schema);
    Object.assign(data, { entity: 'tickets', field: 'title', record_id: uuidv7(), status: 'open', kind: 'field' });
    const rec: StoredRecord = { entity, id, scopeId: home, data, fieldHlc: { '*': stamp }, deletedHlc: null, createdAt: now, updatedAt: now, seq: 0, fieldSeq: {} };
    await server.store.withSyncTx((tx) => tx.writeRecords([rec]));
    return id;
  }
  const kind = rule.merge === 'append' ? 'append' : rule.merge === 'set' ? 'setAdd' : 'create';
  const res = await admin.one({ kind, entity, recordId: id, scopeId: home, payload: newPayload(entity, rule, home, parentId, personId) });
  if (res.status === 'rejected') throw new Error(`The administrator could not write ${entity} in ${home}: ${res.reason}`);
  // A change awaiting approval, moved there as an administrator's device would, so the cells of its votes have something to vote on.
  if (entity === 'changes')
    for (const to of ['assessment', 'awaiting_approval']) {
      const moved = await admin.one({ kind: 'setFields', entity, recordId: id, scopeId: home, payload: { status: to } });
      if (moved.status !== 'applied') throw new Error(`The administrator could not move change ${id} to ${to}: ${moved.status} ${moved.reason ?? ''}`);
    }
  return id;
}

/** The table as docs/security.md holds it: one row per record type and role. */
export function toMarkdown(m: Matrix): string {
  const lines = ['| record type | role | own site | other site | global |', '| --- | --- | --- | --- | --- |'];
  const key = (e: string, r: string, p: Place) => m.cells.find((c) => c.entity === e && c.role === r && c.place === p);
  for (const entity of [...new Set(m.cells.map((c) => c.entity))]) {
    for (const role of ROLES) {
      const cols = PLACES.map((p) => {
        const c = key(entity, role, p);
        return c ? actualLetters(c) : '?';
      });
      lines.push(`| ${entity} | ${role} | ${cols.join(' | ')} |`);
    }
  }
  return lines.join('\n');
}

/** Reads the expected table back from docs/security.md: "entity/role/place" → letters. */
export function parseExpected(markdown: string): Map<string, string> {
  const out = new Map<string, string>();
  const start = markdown.indexOf('<!-- matrix:start -->');
  const end = markdown.indexOf('<!-- matrix:end -->');
  if (start < 0 || end < 0) throw new Error('docs/security.md has no matrix between its markers.');
  for (const line of markdown.slice(start, end).split('\n')) {
    const m = /^\|\s*([a-z_]+)\s*\|\s*(admin|technician|auditor|requester)\s*\|\s*([^|]+)\|\s*([^|]+)\|\s*([^|]+)\|/.exec(line.trim());
    if (!m) continue;
    PLACES.forEach((p, i) => out.set(`${m[1]}/${m[2]}/${p}`, m[3 + i]!.trim()));
  }
  return out;
}

export const actualLetters = (c: Cell) => (c.na ? 'n/a' : c.allowed.map((k) => KIND_LETTERS[k]).join('') || '·');
