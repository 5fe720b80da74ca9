import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeWorld, type World } from '../../testing';
import type { Actor } from '../core/context';
import { createTicket, transitionTicket } from '../tickets/tickets';
import { generateTickets, insertGeneratedTickets, mulberry32 } from '../tickets/generate';
import { saveCalendar, savePolicy, type PolicyInput } from './settings';
import { recomputeSla } from './recompute';
import { deriveBusinessFigures } from './figures';
import { finishSlaRecompute, INLINE_TICKETS, recomputeAllSla, slaRecomputePending, slaRecomputeStep } from './recompute-job';
import { startSlaRecomputes } from './background';
import type { TicketStatus } from '../../../shared/tickets/rules';

let w: World;
let tech: Actor;

beforeEach(() => {
  w = makeWorld(); // Monday 2 March 2026, 09:00 UTC
  tech = w.user('technician', 'tina');
});
afterEach(() => w.dispose());

const COLUMNS = 'id, is_open, sla_state, sla_clock, sla_due_at, sla_warn_at, sla_left_ms, response_business_ms, resolve_business_ms';
type Row = Record<string, string | number | null>;
const snapshot = (): Row[] => w.store.sqlite.prepare(`SELECT ${COLUMNS} FROM tickets ORDER BY id`).all() as Row[];
/**
 * Each ticket computed on its own: an open ticket's clock and figures (recomputeSla), a closed
 * ticket's business-hours figures (its SLA columns keep what applied when it was resolved).
 */
function perTicket() {
  const sqlite = w.store.sqlite;
  const open = sqlite.prepare('SELECT id FROM tickets WHERE is_open = 1').pluck().all() as string[];
  const closed = sqlite.prepare('SELECT id FROM tickets WHERE is_open = 0').pluck().all() as string[];
  sqlite.transaction(() => {
    recomputeSla(sqlite, open);
    deriveBusinessFigures(sqlite, closed);
  })();
}

/** Forgets what was derived: the open tickets' SLA columns and every ticket's business-hours figures. */
function forget() {
  w.store.sqlite.exec(`UPDATE tickets SET sla_state = NULL, sla_clock = NULL, sla_due_at = NULL, sla_warn_at = NULL, sla_left_ms = NULL WHERE is_open = 1;
    UPDATE tickets SET response_business_ms = -1, resolve_business_ms = -1;
    DELETE FROM meta WHERE key = 'sla.figures.setup';`);
}

function setup() {
  const admin = w.ctx(w.admin);
  const london = saveCalendar(admin, {
    name: 'London office',
    timezone: 'Europe/London',
    hours: [1, 2, 3, 4, 5].map((d) => [d, 540, 1020] as [number, number, number]),
    holidays: [{ date: '2026-03-30', name: 'Closed' }, { date: '2026-04-03', name: 'Good Friday' }],
  });
  const ny = saveCalendar(admin, { name: 'New York', timezone: 'America/New_York', hours: [1, 2, 3, 4, 5].map((d) => [d, 480, 1080] as [number, number, number]), holidays: [] });
  const base: PolicyInput = { name: 'Standard', position: 0, active: true, type: null, category: null, siteId: null, calendarId: london.id, warnShare: 0.75, targets: {}, escalations: [] };
  savePolicy(admin, { ...base, targets: { '2': { response: 30, resolution: 240 }, '3': { response: 120, resolution: 960 }, '4': { response: 240, resolution: 2400 } } });
  savePolicy(admin, { ...base, name: 'Network incidents', type: 'incident', category: 'Network', calendarId: ny.id, warnShare: 0.5, targets: { '3': { response: 60, resolution: 480 }, '4': { response: null, resolution: 1200 } } });
  savePolicy(admin, { ...base, name: 'Critical', position: 1, calendarId: null, targets: { '1': { response: 15, resolution: 120 } } });
  return { london };
}

/** Tickets worked through random moves (pauses on the customer, a vendor or a change, resolutions, reopenings, cancellations) over weeks. */
function workTickets(seed: number, count: number) {
  const rng = mulberry32(seed);
  const pick = <T,>(xs: readonly T[]) => xs[Math.floor(rng() * xs.length)]!;
  const ctx = w.ctx(tech);
  const moves: Record<string, TicketStatus[]> = {
    new: ['assigned', 'in_progress', 'pending', 'cancelled'],
    assigned: ['in_progress', 'pending', 'resolved'],
    in_progress: ['pending', 'resolved', 'pending'],
    pending: ['in_progress', 'resolved', 'pending'],
    resolved: ['in_progress', 'closed'],
    closed: [],
    cancelled: [],
  };
  for (let i = 0; i < count; i++) {
    w.clock.advance(Math.floor(rng() * 9 * 3_600_000));
    const t = createTicket(ctx, {
      type: pick(['incident', 'request'] as const),
      title: `Ticket ${i}`,
      category: pick(['Network', 'Hardware', null]),
      impact: pick([1, 2, 3] as const),
      urgency: pick([1, 2, 3] as const),
    });
    let status: TicketStatus = t.status;
    const steps = Math.floor(rng() * 6);
    for (let s = 0; s < steps; s++) {
      const to = moves[status]!.length ? pick(moves[status]!) : null;
      if (!to) break;
      w.clock.advance(Math.floor(rng() * 30 * 3_600_000));
      const input =
        to === 'pending'
          ? { to, reason: pick(['customer', 'vendor', 'change']) }
          : to === 'resolved'
            ? { to, resolutionCode: 'solved_permanently', resolutionNotes: 'Fixed.' }
            : { to };
      if (to === 'pending' && status === 'pending') continue;
      try {
        transitionTicket(ctx, t.id, input);
        status = to;
      } catch {
        // a move the status machine refuses here: try another
      }
    }
  }
}

describe('recomputing every ticket after a policy or calendar change', () => {
  it('gives every ticket exactly the figures the per-ticket computation gives, chunk by chunk (fixed seed)', () => {
    const { london } = setup();
    workTickets(20261207, 160);
    expect(snapshot().filter((r) => r.is_open === 1 && r.sla_state === 'paused').length).toBeGreaterThan(0);

    // A calendar edit: the bulk recompute (small chunks) against each ticket computed on its own.
    saveCalendar(w.ctx(w.admin), { ...london, hours: [1, 2, 3, 4].map((d) => [d, 480, 960] as [number, number, number]), holidays: [{ date: '2026-03-31', name: 'Closed' }] });
    forget();
    w.store.sqlite.prepare("INSERT INTO meta (key, value) VALUES ('sla.recompute', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value").run(JSON.stringify({ run: 'x', phase: 'open', openedAt: '', id: '', rowid: 0 }));
    let chunks = 0;
    for (;;) {
      const r = slaRecomputeStep(w.store.sqlite, 7);
      chunks++;
      if (!r || r.done) break;
    }
    expect(chunks).toBeGreaterThan(20);
    const bulk = snapshot();

    forget();
    perTicket();
    expect(bulk).toEqual(snapshot());
    expect(bulk.filter((r) => r.response_business_ms === -1 || r.resolve_business_ms === -1)).toEqual([]);
    expect(slaRecomputePending(w.store.sqlite)).toBe(false);
  });

  it('leaves the business-hours figures alone when only targets change, and says nothing changed when nothing did', () => {
    setup();
    workTickets(7, 40);
    expect(recomputeAllSla(w.store.sqlite)).toMatchObject({ changed: 0 });
    const before = snapshot();
    const r = finishSlaRecompute(w.store.sqlite);
    expect(r.chunks).toBe(0);
    expect(snapshot()).toEqual(before);
  });
});

describe('the recompute on a large store', () => {
  function seed(count: number) {
    const rng = mulberry32(11);
    const specs = generateTickets(rng, count, { now: w.clock.now(), days: 60, siteIds: [w.siteId], groupIds: [], technicianIds: [tech.id], requesterIds: [] });
    insertGeneratedTickets(w.ctx(w.admin), specs);
  }
  const policy: PolicyInput = { name: 'Standard', position: 0, active: true, type: null, category: null, siteId: null, calendarId: null, warnShare: 0.75, targets: { '3': { response: 120, resolution: 960 }, '4': { response: 240, resolution: 2400 } }, escalations: [] };

  it('returns from the save at once, starts again cleanly on a second save, and ends equal to each ticket computed on its own', () => {
    seed(INLINE_TICKETS + 200);
    const sqlite = w.store.sqlite;
    const saved = savePolicy(w.ctx(w.admin), policy);
    // Asked for, not done: no open ticket has a deadline yet.
    expect(slaRecomputePending(sqlite)).toBe(true);
    expect(sqlite.prepare('SELECT count(*) FROM tickets WHERE sla_state IS NOT NULL').pluck().get()).toBe(0);
    slaRecomputeStep(sqlite, 500);
    slaRecomputeStep(sqlite, 500);
    expect(sqlite.prepare('SELECT count(*) FROM tickets WHERE sla_state IS NOT NULL').pluck().get()).toBeGreaterThan(0);
    // A second save half-way: the next chunk starts from the first open ticket again, under the new targets.
    savePolicy(w.ctx(w.admin), { ...policy, id: saved.id, targets: { '3': { response: 30, resolution: 300 }, '4': { response: 60, resolution: 600 } } });
    expect(JSON.parse(sqlite.prepare("SELECT value FROM meta WHERE key = 'sla.recompute'").pluck().get() as string)).toMatchObject({ phase: 'open', openedAt: '', id: '' });
    const done = finishSlaRecompute(sqlite);
    expect(done.tickets).toBe(sqlite.prepare('SELECT count(*) FROM tickets WHERE is_open = 1').pluck().get());
    expect(done.figures).toBe(INLINE_TICKETS + 200);
    const bulk = snapshot();
    forget();
    perTicket();
    expect(bulk).toEqual(snapshot());
  });

  it('is carried on in the background by the app, and one left half-way is finished at the next start', async () => {
    seed(INLINE_TICKETS + 200);
    const sqlite = w.store.sqlite;
    savePolicy(w.ctx(w.admin), policy);
    slaRecomputeStep(sqlite, 300);
    // The app stopped here; at its next start the job finds the recompute asked for and finishes it.
    const finished = new Promise<{ chunks: number }>((resolve) => {
      const stop = startSlaRecomputes(() => sqlite, {
        onDone: (run) => {
          stop();
          resolve(run);
        },
        checkEveryMs: 20,
      });
    });
    const run = await finished;
    expect(run.chunks).toBeGreaterThan(1);
    expect(slaRecomputePending(sqlite)).toBe(false);
    expect(sqlite.prepare("SELECT count(*) FROM tickets WHERE is_open = 1 AND sla_state = 'running'").pluck().get()).toBeGreaterThan(0);
    const background = snapshot();
    forget();
    perTicket();
    expect(background).toEqual(snapshot());
  });
});
