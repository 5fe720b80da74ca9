/**
 * The per-ticket figures the dashboards read (kept on the ticket row: reopenings, reassignments,
 * business-hours durations) are kept in step by every write; after random interleavings of local edits, pulled history
 * and SLA calendar changes they equal a recomputation from the history (fixed seed), and so do the
 * dashboard's figures of the site, read from the covering KPI indexes.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { fixedClock, makeWorld, type World } from '../../testing';
import { createTicket, transitionTicket, updateTicket } from '../tickets/tickets';
import { createGroup } from '../directory/groups';
import { saveCalendar, savePolicy } from '../sla/settings';
import { businessDurations } from '../sla/figures';
import { loadSlaSetup } from '../sla/load';
import { applyPage, getCursor } from '../../sync/apply';
import { TRANSITIONS, type TicketStatus } from '../../../shared/tickets/rules';
import type { Change } from '../../../shared/sync/wire';
import { AppError } from '../../../shared/result';
import { getKpis } from './kpis';

const OPEN = new Set(['new', 'assigned', 'in_progress', 'pending']);

/** From the history rows alone, in plain code: what docs/kpis.md defines. */
function recount(w: World) {
  const rows = w.store.sqlite
    .prepare('SELECT ticket_id, kind, field, from_value, to_value, created_at FROM ticket_history WHERE deleted_hlc IS NULL')
    .all() as {
    ticket_id: string;
    kind: string;
    field: string | null;
    from_value: string | null;
    to_value: string | null;
    created_at: string;
  }[];
  const out = new Map<string, { reopen: number; moments: Set<string> }>();
  for (const id of w.store.sqlite.prepare('SELECT id FROM tickets').pluck().all() as string[])
    out.set(id, { reopen: 0, moments: new Set() });
  for (const r of rows) {
    const t = out.get(r.ticket_id)!;
    if (r.kind === 'status' && (r.from_value === 'resolved' || r.from_value === 'closed') && OPEN.has(r.to_value ?? '')) t.reopen++;
    if (r.kind === 'field' && (r.field === 'groupId' || r.field === 'assigneeId') && r.from_value !== null) t.moments.add(r.created_at);
  }
  const setup = loadSlaSetup(w.store.sqlite);
  const facts = w.store.sqlite
    .prepare('SELECT id, type, category, scope_id, priority, status, opened_at, first_response_at, resolved_at FROM tickets')
    .all() as Parameters<typeof businessDurations>[1][];
  return Object.fromEntries(
    facts.map((f) => {
      const d = businessDurations(setup, f);
      const c = out.get(f.id)!;
      return [
        f.id,
        { reopen_count: c.reopen, reassignment_count: c.moments.size, response_business_ms: d.response, resolve_business_ms: d.resolve },
      ];
    }),
  );
}

function kept(w: World) {
  const rows = w.store.sqlite
    .prepare('SELECT id AS ticket_id, reopen_count, reassignment_count, response_business_ms, resolve_business_ms FROM tickets')
    .all() as Record<string, unknown>[];
  return Object.fromEntries(rows.map(({ ticket_id, ...r }) => [ticket_id as string, r]));
}

/**
 * The dashboard's figures for one site and period, recounted in plain code from the ticket rows and
 * the recounted per-ticket figures (docs/kpis.md), to check what kpis.get reads from its indexes.
 */
function recountKpis(w: World, siteId: string, from: string, to: string) {
  const per = recount(w);
  const rows = (
    w.store.sqlite
      .prepare('SELECT id, scope_id, status, opened_at, resolved_at, closed_at, deleted_hlc FROM tickets')
      .all() as { id: string; scope_id: string; status: string; opened_at: string; resolved_at: string | null; closed_at: string | null; deleted_hlc: string | null }[]
  ).filter((t) => t.scope_id === siteId && t.deleted_hlc === null);
  const inP = (x: string | null) => x !== null && x >= from && x < to;
  const done = (t: (typeof rows)[number]) => t.status === 'resolved' || t.status === 'closed';
  const resolved = rows.filter((t) => done(t) && inP(t.resolved_at));
  const finished = rows.filter((t) => done(t) && (inP(t.resolved_at) || (t.resolved_at === null && inP(t.closed_at))));
  const r2 = (x: number | null, p = 2) => (x === null ? null : Math.round(x * 10 ** p) / 10 ** p);
  const mid = (xs: number[]) => {
    if (!xs.length) return null;
    const s = [...xs].sort((a, b) => a - b);
    const m = Math.floor(s.length / 2);
    return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
  };
  const avg = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
  const wall = resolved.map((t) => (Date.parse(t.resolved_at!) - Date.parse(t.opened_at)) / 3_600_000);
  const business = resolved.map((t) => per[t.id]!.resolve_business_ms).filter((x): x is number => x !== null).map((x) => x / 3_600_000);
  return {
    backlog: rows.filter((t) => t.opened_at < to && !(t.resolved_at !== null && t.resolved_at < to) && !(t.closed_at !== null && t.closed_at < to)).length,
    opened: rows.filter((t) => inP(t.opened_at)).length,
    resolved: resolved.length,
    mttrHours: { median: r2(mid(wall)), mean: r2(avg(wall)) },
    mttrBusinessHours: { median: r2(mid(business)), mean: r2(avg(business)) },
    reopened: finished.filter((t) => per[t.id]!.reopen_count > 0).length,
    reassignmentsPerTicket: finished.length ? r2(finished.reduce((a, t) => a + per[t.id]!.reassignment_count, 0) / finished.length, 3) : null,
  };
}

type Op =
  | { kind: 'create'; group: number }
  | { kind: 'move'; ticket: number; to: number }
  | { kind: 'reassign'; ticket: number; group: number; person: number }
  | { kind: 'pulledHistory'; ticket: number; reopen: boolean; minutes: number }
  | { kind: 'pulledDelete'; which: number }
  | { kind: 'pulledTicket'; resolved: boolean; historyFirst: boolean }
  | { kind: 'calendar'; start: number }
  | { kind: 'wait'; minutes: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('create' as const), group: fc.nat(2) }),
  fc.record({ kind: fc.constant('move' as const), ticket: fc.nat(20), to: fc.nat(6) }),
  fc.record({ kind: fc.constant('reassign' as const), ticket: fc.nat(20), group: fc.nat(2), person: fc.nat(2) }),
  fc.record({ kind: fc.constant('pulledHistory' as const), ticket: fc.nat(20), reopen: fc.boolean(), minutes: fc.nat(600) }),
  fc.record({ kind: fc.constant('pulledDelete' as const), which: fc.nat(20) }),
  fc.record({ kind: fc.constant('pulledTicket' as const), resolved: fc.boolean(), historyFirst: fc.boolean() }),
  fc.record({ kind: fc.constant('calendar' as const), start: fc.integer({ min: 6, max: 10 }) }),
  fc.record({ kind: fc.constant('wait' as const), minutes: fc.integer({ min: 1, max: 3000 }) }),
);

let world: World | null = null;
afterEach(() => {
  world?.dispose();
  world = null;
});

describe('dashboard figures kept with the writes', () => {
  it('equal a recomputation from history after random local edits, pulled changes and calendar edits', () => {
    const seen = { reopened: 0, reassigned: 0, business: 0, resolvedInPeriod: 0, backlog: 0 };
    fc.assert(
      fc.property(fc.array(op, { minLength: 5, maxLength: 40 }), (ops) => {
        world?.dispose();
        const clock = fixedClock('2026-03-02T07:30:00.000Z');
        const w = (world = makeWorld({ clock }));
        const tech = w.user('technician');
        const tech2 = w.user('technician');
        const ctx = w.ctx(w.admin, 'test');
        const groups = ['Desk', 'Network', 'Field'].map((name) => createGroup(ctx, { name, memberIds: [tech.id, tech2.id] }).id);
        const people = [tech.id, tech2.id, w.admin.id];
        const tickets: string[] = [];
        const pulled: Change[] = [];
        let calendarId: string | null = null;
        const pullPage = (cs: Change[]) => {
          const from = getCursor(w.store.sqlite);
          const changes = cs.map((c, i) => ({ ...c, seq: from + 1 + i }));
          expect(
            applyPage(w.store.sqlite, { from, cursor: from + changes.length, hasMore: false, changes }, clock.now().getTime()),
          ).not.toBeNull();
          return changes;
        };
        const pull = (c: Change) => pullPage([c])[0]!;
        for (const o of ops) {
          const t = tickets.length ? tickets[('ticket' in o ? o.ticket : 0) % tickets.length]! : null;
          try {
            switch (o.kind) {
              case 'create':
                tickets.push(
                  createTicket(ctx, {
                    type: 'incident',
                    title: `Ticket ${tickets.length}`,
                    groupId: groups[o.group]!,
                    impact: 2,
                    urgency: 2,
                  }).id,
                );
                break;
              case 'move': {
                if (!t) break;
                const cur = w.store.sqlite.prepare('SELECT status FROM tickets WHERE id = ?').pluck().get(t) as TicketStatus;
                const next = TRANSITIONS[cur][o.to % Math.max(1, TRANSITIONS[cur].length)];
                if (next)
                  transitionTicket(
                    ctx,
                    t,
                    next === 'resolved'
                      ? { to: next, resolutionCode: 'solved_permanently', resolutionNotes: 'Fixed' }
                      : next === 'pending'
                        ? { to: next, reason: 'customer' }
                        : { to: next },
                  );
                break;
              }
              case 'reassign':
                if (t) updateTicket(ctx, t, { groupId: groups[o.group]!, assigneeId: people[o.person]! });
                break;
              case 'pulledHistory': {
                if (!t) break;
                const at = new Date(clock.now().getTime() - o.minutes * 60_000).toISOString();
                const stamp = `${String(clock.now().getTime()).padStart(15, '0')}:00000000@dev-other`;
                const data = o.reopen
                  ? {
                      ticket_id: t,
                      actor_id: tech2.id,
                      kind: 'status',
                      field: null,
                      from_value: 'resolved',
                      to_value: 'in_progress',
                      reason: null,
                    }
                  : {
                      ticket_id: t,
                      actor_id: tech2.id,
                      kind: 'field',
                      field: 'assigneeId',
                      from_value: tech.id,
                      to_value: tech2.id,
                      reason: null,
                    };
                const id = `h-${pulled.length}-${t}`;
                const fieldHlc = Object.fromEntries(Object.keys(data).map((k) => [k, stamp]));
                pulled.push(
                  pull({
                    seq: 0,
                    entity: 'ticket_history',
                    id,
                    scopeId: w.siteId,
                    data,
                    fieldHlc,
                    deletedHlc: null,
                    createdAt: at,
                    updatedAt: at,
                  }),
                );
                break;
              }
              case 'pulledTicket': {
                // A ticket made on another device, reassigned (group and assignee at one moment: one
                // reassignment) and reopened there, arriving in one page with its history before it
                // (change-log order is not parent order) or after it.
                const id = `t-pulled-${tickets.length}`;
                const stamp = `${String(clock.now().getTime()).padStart(15, '0')}:00000002@dev-other`;
                const opened = new Date(clock.now().getTime() - 240 * 60_000).toISOString();
                const moved = new Date(clock.now().getTime() - 120 * 60_000).toISOString();
                const at = clock.now().toISOString();
                const change = (entity: string, rid: string, data: Record<string, unknown>, createdAt: string): Change => ({
                  seq: 0,
                  entity,
                  id: rid,
                  scopeId: w.siteId,
                  data,
                  fieldHlc: Object.fromEntries(Object.keys(data).map((k) => [k, stamp])),
                  deletedHlc: null,
                  createdAt,
                  updatedAt: createdAt,
                });
                const status = o.resolved ? 'resolved' : 'in_progress';
                const ticket = change(
                  'tickets',
                  id,
                  {
                    number: `INC9${String(tickets.length).padStart(6, '0')}`,
                    type: 'incident',
                    title: 'From another desk',
                    description: '',
                    impact: 2,
                    urgency: 2,
                    priority: 3,
                    priority_overridden: 0,
                    status,
                    is_open: o.resolved ? 0 : 1,
                    group_id: groups[1]!,
                    assignee_id: tech2.id,
                    opened_at: opened,
                    first_response_at: moved,
                    resolved_at: o.resolved ? at : null,
                  },
                  opened,
                );
                const history = (n: number, data: Record<string, unknown>, createdAt: string) =>
                  change('ticket_history', `${id}-h${n}`, { ticket_id: id, actor_id: tech2.id, reason: null, ...data }, createdAt);
                const rows = [
                  history(1, { kind: 'field', field: 'groupId', from_value: groups[0]!, to_value: groups[1]! }, moved),
                  history(2, { kind: 'field', field: 'assigneeId', from_value: tech.id, to_value: tech2.id }, moved),
                  history(3, { kind: 'status', field: null, from_value: 'resolved', to_value: 'in_progress' }, moved),
                  ...(o.resolved ? [history(4, { kind: 'status', field: null, from_value: 'in_progress', to_value: 'resolved' }, at)] : []),
                ];
                pullPage(o.historyFirst ? [...rows, ticket] : [ticket, ...rows]);
                tickets.push(id);
                break;
              }
              case 'pulledDelete': {
                const c = pulled[o.which % Math.max(1, pulled.length)];
                if (!c || c.deletedHlc) break;
                const stamp = `${String(clock.now().getTime() + 1).padStart(15, '0')}:00000001@dev-other`;
                pulled[pulled.indexOf(c)] = pull({ ...c, deletedHlc: stamp });
                break;
              }
              case 'calendar': {
                const hours = [1, 2, 3, 4, 5].map((d) => [d, o.start * 60, (o.start + 8) * 60] as [number, number, number]);
                const admin = w.ctx(w.admin, 'sla.saveCalendar');
                calendarId = saveCalendar(admin, {
                  ...(calendarId ? { id: calendarId } : {}),
                  name: 'Office',
                  timezone: 'Europe/London',
                  hours,
                  holidays: [],
                }).id;
                if (!loadSlaSetup(w.store.sqlite).policies.length)
                  savePolicy(admin, {
                    name: 'All',
                    position: 0,
                    active: true,
                    type: null,
                    category: null,
                    siteId: null,
                    calendarId,
                    warnShare: 0.75,
                    escalations: [],
                    targets: {
                      '1': { response: 30, resolution: 240 },
                      '2': { response: 60, resolution: 480 },
                      '3': { response: 240, resolution: 1440 },
                      '4': { response: 480, resolution: 4800 },
                    },
                  });
                break;
              }
              case 'wait':
                clock.advance(o.minutes * 60_000);
                break;
            }
          } catch (e) {
            // An edit the rules refuse (editing a resolved ticket) changes nothing; anything else is a failure.
            if (!(e instanceof AppError)) throw e;
          }
        }
        const now = kept(w);
        expect(now).toEqual(recount(w));
        // What the dashboard shows for the site over the run (and before its last hour) equals the recount.
        for (const to of [clock.now().getTime() + 60_000, clock.now().getTime() - 3_600_000]) {
          const period = { from: '2026-03-02T00:00:00.000Z', to: new Date(to).toISOString(), siteId: w.siteId };
          const k = getKpis(w.ctx(w.admin, 'kpis.get'), period);
          const { backlog, opened, resolved, mttrHours, mttrBusinessHours, reopened, reassignmentsPerTicket } = k;
          expect({ backlog, opened, resolved, mttrHours, mttrBusinessHours, reopened, reassignmentsPerTicket }).toEqual(
            recountKpis(w, w.siteId, period.from, period.to),
          );
          seen.resolvedInPeriod += resolved;
          seen.backlog += backlog;
        }
        for (const r of Object.values(now)) {
          if ((r.reopen_count as number) > 0) seen.reopened++;
          if ((r.reassignment_count as number) > 0) seen.reassigned++;
          if (r.resolve_business_ms !== null) seen.business++;
        }
      }),
      { seed: 20261206, numRuns: 25 },
    );
    // The runs met every kind of figure, not only zeros.
    expect(seen.reopened).toBeGreaterThan(0);
    expect(seen.reassigned).toBeGreaterThan(0);
    expect(seen.business).toBeGreaterThan(0);
    expect(seen.resolvedInPeriod).toBeGreaterThan(0);
    expect(seen.backlog).toBeGreaterThan(0);
  }, 240_000);
});
