/**
 * A week offline, as a field team lives it (issue "a week offline"): laptop A holds the team's
 * tickets and is joined to a real server; B and C join the team as technicians at first run (no
 * local administrator). The server stops; every laptop works through the API (new tickets,
 * comments, field edits, status moves, and twelve kinds of deliberate overlap between laptops).
 * The server comes back and nobody presses Sync now: the laptops notice on their own. Then every
 * promise is checked: the same tickets field by field and timeline entry by entry, nothing lost, no
 * number twice, every number a laptop ever showed still opening the same ticket, and every conflict
 * the merge rules require listed in the Conflicts inbox of the laptops that must show it.
 *
 * Shared by `npm run bench:week` (full size, timed) and week.int.test.ts (small, invariants only).
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { startServer } from '../server/http';
import { loadSampleData } from '../main/services/setup/sample';
import { mulberry32, type Rng } from '../main/services/tickets/generate';
import { syncClientFor } from '../main/sync/registry';
import { ruleFor } from '../shared/sync/entities';
import { TRANSITIONS, RESOLUTION_CODES, type TicketStatus } from '../shared/tickets/rules';
import type { Ticket } from '../shared/api/tickets';
import type { ConflictItem, ConflictPage } from '../shared/api/sync';
import { ADMIN, serverLogin, serverPost, startDevice, startTestServer, type Device, type TestServer } from './sync-harness';

export interface WeekOptions {
  /** Tickets laptop A holds before anyone goes offline. */
  seedTickets: number;
  /** Changes each laptop makes offline (the deliberate overlaps come on top). */
  changes: number;
  /** Tickets per kind of deliberate overlap; by default one per 200 changes, at least 2. */
  overlapsPerKind?: number;
  /**
   * Incidents each laptop opens at the start of the week on top of its changes, so that a short
   * run still uses up the leased INC numbers (at least 200 a laptop) and issues provisional ones.
   */
  extraNewTickets?: number;
  seed?: number;
  /** Give up waiting for the laptops to converge after this long (ms). */
  convergeTimeoutMs?: number;
  pgUrl?: string;
  progress?: (msg: string) => void;
  /** Called when the server comes back and once the laptops have converged (a profiler, say). */
  onCatchUp?: { start(): Promise<void> | void; stop(): Promise<void> | void };
}

/** What the rules require to be listed: `open` conflicts on every laptop, `auto` ones on the laptop whose value lost. */
interface Required {
  kind: 'field' | 'transition' | 'overwritten';
  recordId: string;
  field: string;
  /** Laptops (0 = A, 1 = B, 2 = C) whose inbox must list it. */
  on: number[];
  overlap: string;
}

export interface DeviceFigures {
  name: string;
  role: string;
  pushed: number;
  pulled: number;
  pagesApplied: number;
  maxPageApplyMs: number;
  /** The longest decode and parse of a pulled page (ms). */
  maxPageParseMs: number;
  /** The longest push step: reading and encoding a batch, or writing the server's answer (ms). */
  maxPushStepMs: number;
  /**
   * The longest this laptop's own sync work held the event loop at once during the catch-up (ms):
   * the largest of the three above. What a window of this laptop would wait at worst for sync.
   */
  longestSyncHoldMs: number;
  provisionalBeforeSync: number;
  conflictsRequired: number;
  conflictsRequiredListed: number;
  conflictsListed: number;
  /** Listed but not required by any overlap (a random edit that clashed). */
  conflictsUnexpected: number;
  /** Required but not listed (the first few). */
  conflictsMissing: string[];
  topBarCount: number;
  /** Inbox pages it took to list everything (the screen pages the same way). */
  inboxPages: number;
}

export interface WeekReport {
  seedTickets: number;
  changesPerDevice: number;
  overlapsPerKind: number;
  offlineSeconds: number;
  secondsToConverge: number | null;
  /**
   * The longest event-loop stall of this process during the catch-up (ms). The three laptops and
   * the server share one process here, so it counts all their work together; each laptop's own
   * share is its longestSyncHoldMs.
   */
  maxEventLoopStallMs: number;
  converged: boolean;
  goal: string;
  tickets: number;
  ticketsIdentical: boolean;
  ticketDifferences: string[];
  timelineIdentical: boolean;
  timelineDifferences: string[];
  offlineTickets: number;
  offlineTicketsLost: number;
  offlineComments: number;
  commentsLost: number;
  duplicateNumbers: number;
  provisionalLeft: number;
  numbersShown: number;
  renumbered: number;
  numbersLeadingElsewhere: number;
  numberProblems: string[];
  overlapChecks: Record<string, { tickets: number; failures: string[] }>;
  /** Local refusals while offline (a move the laptop's own view refused): none expected. */
  localRefusals: string[];
  devices: DeviceFigures[];
}

const OPEN: TicketStatus[] = ['new', 'assigned', 'in_progress', 'pending'];

async function until(what: () => Promise<boolean> | boolean, ms: number, every = 250): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await what()) return true;
    await new Promise((r) => setTimeout(r, every));
  }
  return what();
}

function pick<T>(rng: Rng, xs: readonly T[]): T {
  return xs[Math.floor(rng() * xs.length)]!;
}

interface Known {
  status: TicketStatus;
  assigneeId: string | null;
  groupId: string | null;
}

/** One laptop's view while offline: its tickets, what it may work on, what it showed. */
class Laptop {
  readonly known = new Map<string, Known>();
  /** Tickets only this laptop edits and moves (no clash from random work). */
  readonly own: string[] = [];
  readonly made: { id: string; number: string }[] = [];
  readonly comments: string[] = [];
  readonly refusals: string[] = [];
  pushedAtReturn = 0;
  provisional = 0;
  constructor(
    readonly name: string,
    readonly dev: Device,
    readonly personId: string,
    readonly role: string,
  ) {}

  remember(t: Ticket): void {
    this.known.set(t.id, { status: t.status, assigneeId: t.assigneeId, groupId: t.groupId });
  }
}

function readKnown(l: Laptop): void {
  const rows = l.dev.rt.store.sqlite.prepare('SELECT id, status, assignee_id AS assigneeId, group_id AS groupId FROM tickets WHERE deleted_hlc IS NULL ORDER BY id').all() as ({ id: string } & Known)[];
  for (const r of rows) l.known.set(r.id, { status: r.status, assigneeId: r.assigneeId, groupId: r.groupId });
}

/** The synced columns of a record type, as its entity rule describes them, plus the times every laptop must agree on. */
function syncedColumns(entity: string): string[] {
  return ['id', 'scope_id', 'created_at', 'updated_at', 'deleted_hlc', ...Object.keys(ruleFor(entity).fields)];
}

function rowsOf(d: Device, entity: string): Map<string, string> {
  const cols = syncedColumns(entity);
  const rows = d.rt.store.sqlite.prepare(`SELECT ${cols.join(', ')} FROM ${entity}`).all() as Record<string, unknown>[];
  return new Map(rows.map((r) => [r.id as string, JSON.stringify(cols.map((c) => r[c] ?? null))]));
}

function differences(entity: string, devices: Laptop[]): string[] {
  const [first, ...rest] = devices.map((l) => ({ name: l.name, rows: rowsOf(l.dev, entity) }));
  const out: string[] = [];
  for (const other of rest) {
    if (other.rows.size !== first!.rows.size) out.push(`${entity}: ${first!.name} holds ${first!.rows.size}, ${other.name} ${other.rows.size}`);
    for (const [id, row] of first!.rows) {
      const o = other.rows.get(id);
      if (o !== row && out.length < 20) out.push(`${entity} ${id}: ${first!.name} ${row} ≠ ${other.name} ${o ?? 'missing'}`);
    }
  }
  return out;
}

/** A cheap fingerprint of what a laptop shows, to notice convergence while it happens. */
function fingerprint(d: Device): string {
  const s = d.rt.store.sqlite;
  const t = s.prepare("SELECT count(*) AS n, group_concat(number || status || updated_at, '') AS x FROM (SELECT number, status, updated_at FROM tickets ORDER BY id)").get() as { n: number; x: string };
  const c = s.prepare('SELECT count(*) FROM ticket_comments').pluck().get() as number;
  const k = s.prepare("SELECT count(*) || ':' || coalesce(max(id), '') FROM sync_conflicts").pluck().get() as string;
  return `${t.n}|${c}|${k}|${t.x}`;
}

async function listInbox(d: Device): Promise<{ items: ConflictItem[]; pages: number }> {
  const items: ConflictItem[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const page: ConflictPage = await d.call('conflicts.list', { cursor, limit: 500 });
    pages++;
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return { items, pages };
}

export async function runWeek(opts: WeekOptions): Promise<WeekReport> {
  const say = opts.progress ?? (() => undefined);
  const rng = mulberry32(opts.seed ?? 2026);
  const perKind = opts.overlapsPerKind ?? Math.max(2, Math.floor(opts.changes / 200));
  const server: TestServer = await startTestServer({ pgUrl: opts.pgUrl });
  const devices: Device[] = [];
  try {
    // Laptop A: the team's first laptop, with its tickets, joined to the server as its administrator.
    say('seeding laptop A');
    const a = await startDevice({ site: 'HQ' });
    devices.push(a);
    const sqliteA = a.rt.store.sqlite;
    const adminRow = sqliteA.prepare("SELECT id, username, display_name AS displayName, role FROM users WHERE username = 'tech'").get() as { id: string; username: string; displayName: string; role: 'admin' };
    const siteIds = sqliteA.prepare('SELECT id FROM sites').pluck().all() as string[];
    loadSampleData({ store: a.rt.store, clock: a.rt.clock, actor: { ...adminRow, siteIds }, call: 'setup.init' }, { tickets: opts.seedTickets, seed: 7 });
    await a.call('sync.join', { serverUrl: server.url, ...ADMIN });
    const adminToken = await serverLogin(server);
    const allSites = (await a.call('sites.list')).items.map((s) => s.id);
    const techs = [
      ['nina', 'Nina Field'],
      ['omar', 'Omar Road'],
    ] as const;
    for (const [username, displayName] of techs) {
      const r = await serverPost(server, '/auth/users', { username, password: `${username}-password-1`, role: 'technician', sites: null }, adminToken);
      if (r.status !== 200) throw new Error(`The server refused the account ${username}: ${r.body.error?.message ?? r.status}`);
      await a.call('users.create', { username, displayName, role: 'technician', password: 'local-only-pass', siteIds: allSites });
    }
    say('first sync of laptop A');
    await a.call('sync.now');

    // B and C: new laptops joining the team at first run.
    const laptops: Laptop[] = [new Laptop('A', a, adminRow.id, 'admin')];
    for (const [i, [username]] of techs.entries()) {
      say(`laptop ${'BC'[i]} joins the team`);
      const d = await startDevice({ setUp: false });
      devices.push(d);
      const session = await d.call('setup.join', { serverUrl: server.url, username, password: `${username}-password-1` });
      d.token = session.token;
      laptops.push(new Laptop('BC'[i]!, d, session.user.id, session.user.role));
    }
    const [A, B, C] = laptops as [Laptop, Laptop, Laptop];
    // Joined, not set up: the team's people and nothing of their own (no local administrator).
    const people = async (l: Laptop) => (await l.dev.call('users.list', { includeInactive: true })).items.map((u) => u.id).sort().join();
    for (const l of [B, C]) {
      if ((await people(l)) !== (await people(A))) throw new Error(`Laptop ${l.name} does not hold exactly the team's people after joining.`);
      if ((await l.dev.call('sync.status')).pending) throw new Error(`Laptop ${l.name} made records of its own when it joined.`);
    }

    const technicianIds = (await a.call('users.list', { role: 'technician' })).items.map((u) => u.id);
    const groupIds = (await a.call('groups.list')).items.map((g) => g.id);
    if (groupIds.length < 3 || technicianIds.length < 3) throw new Error('The sample team has too few groups or technicians for the overlaps.');

    // Tickets for the deliberate overlaps, set up online so every laptop starts from the same state.
    readKnown(A);
    const openIds = [...A.known].filter(([, k]) => OPEN.includes(k.status)).map(([id]) => id);
    const kinds = ['title-2', 'description-3', 'resolve-vs-cancel', 'close-vs-reopen', 'priority-2', 'assignee-2', 'group-2', 'category-3', 'comments-3', 'different-fields', 'same-title-new', 'same-move'] as const;
    type Kind = (typeof kinds)[number];
    const needed = kinds.filter((k) => k !== 'same-title-new').length * perKind;
    if (openIds.length < needed + 30) throw new Error(`Seed more tickets: ${openIds.length} open, the overlaps need ${needed} and the laptops some of their own.`);
    const overlap = new Map<Kind, string[]>();
    let next = 0;
    for (const k of kinds) overlap.set(k, k === 'same-title-new' ? [] : openIds.slice(next, (next += perKind)));
    const resolve = { to: 'resolved', resolutionCode: RESOLUTION_CODES[0], resolutionNotes: 'Replaced the cable on site.' };
    for (const id of overlap.get('close-vs-reopen')!) await a.call('tickets.transition', { id, ...resolve });
    const overlapIds = new Set([...overlap.values()].flat());
    // Everything else is split between the laptops for their own edits and moves.
    const rest = [...A.known.keys()].filter((id) => !overlapIds.has(id));
    rest.forEach((id, i) => laptops[i % 3]!.own.push(id));
    const allIds = [...A.known.keys()];

    say('everyone synced before the server stops');
    for (const l of [A, B, C, A]) await l.dev.call('sync.now');
    for (const l of laptops) readKnown(l);

    // The server stops: a week without a network.
    say('server stopped');
    await server.http.close();
    const offlineStarted = performance.now();

    const required: Required[] = [];
    const overlapFinal: { kind: Kind; check: () => Promise<string | null> }[] = [];
    const comment = async (l: Laptop, id: string, body: string) => {
      const c = await l.dev.call('tickets.comment', { id, body, internal: false });
      l.comments.push(c.id);
    };
    const create = async (l: Laptop, title: string, own = true, type: 'incident' | 'request' = rng() < 0.8 ? 'incident' : 'request') => {
      const t = await l.dev.call('tickets.create', { type, title, description: `Reported to ${l.name} on site.`, impact: 1 + Math.floor(rng() * 3), urgency: 1 + Math.floor(rng() * 3) });
      l.made.push({ id: t.id, number: t.number });
      if (own) l.own.push(t.id);
      l.remember(t);
      return t;
    };

    // The overlaps: which laptops clash rotates, so every laptop wins and loses some.
    const overlapSteps: (() => Promise<void>)[] = [];
    for (const kind of kinds) {
      const ids = overlap.get(kind)!;
      const count = kind === 'same-title-new' ? perKind : ids.length;
      for (let i = 0; i < count; i++) {
        const x = laptops[i % 3]!;
        const y = laptops[(i + 1) % 3]!;
        const z = laptops[(i + 2) % 3]!;
        const id = ids[i]!;
        const xi = laptops.indexOf(x);
        const yi = laptops.indexOf(y);
        const zi = laptops.indexOf(z);
        switch (kind) {
          case 'title-2':
            overlapSteps.push(async () => void (await x.dev.call('tickets.update', { id, fields: { title: `Printer on floor 2 (${x.name})` } })));
            overlapSteps.push(async () => void (await y.dev.call('tickets.update', { id, fields: { title: `Printer jammed again (${y.name})` } })));
            required.push({ kind: 'field', recordId: id, field: 'title', on: [0, 1, 2], overlap: kind });
            break;
          case 'description-3':
            for (const l of [x, y, z]) overlapSteps.push(async () => void (await l.dev.call('tickets.update', { id, fields: { description: `What ${l.name} found on site: the dock has no power.` } })));
            required.push({ kind: 'field', recordId: id, field: 'description', on: [0, 1, 2], overlap: kind }, { kind: 'field', recordId: id, field: 'description', on: [0, 1, 2], overlap: kind });
            break;
          case 'resolve-vs-cancel':
            overlapSteps.push(async () => x.remember(await x.dev.call('tickets.transition', { id, ...resolve })));
            overlapSteps.push(async () => y.remember(await y.dev.call('tickets.transition', { id, to: 'cancelled' })));
            required.push({ kind: 'transition', recordId: id, field: 'status', on: [0, 1, 2], overlap: kind });
            overlapFinal.push({ kind, check: async () => checkStatus(laptops, id, ['resolved', 'cancelled']) });
            break;
          case 'close-vs-reopen':
            overlapSteps.push(async () => x.remember(await x.dev.call('tickets.transition', { id, to: 'closed' })));
            overlapSteps.push(async () => y.remember(await y.dev.call('tickets.transition', { id, to: 'in_progress' })));
            required.push({ kind: 'transition', recordId: id, field: 'status', on: [0, 1, 2], overlap: kind });
            overlapFinal.push({ kind, check: async () => checkStatus(laptops, id, ['closed', 'in_progress']) });
            break;
          case 'priority-2':
          case 'assignee-2':
          case 'group-2': {
            const field = kind === 'priority-2' ? 'priority' : kind === 'assignee-2' ? 'assignee_id' : 'group_id';
            // Two values, both different from what the ticket holds (setting the same value is no change).
            const now = sqliteA.prepare(`SELECT ${field} FROM tickets WHERE id = ?`).pluck().get(id);
            const pool = (kind === 'priority-2' ? [1, 2, 3, 4] : kind === 'assignee-2' ? technicianIds : groupIds).filter((v) => String(v) !== String(now));
            const values = [pool[i % pool.length]!, pool[(i + 1) % pool.length]!];
            const key = kind === 'priority-2' ? 'priority' : kind === 'assignee-2' ? 'assigneeId' : 'groupId';
            overlapSteps.push(async () => x.remember(await x.dev.call('tickets.update', { id, fields: { [key]: values[0] } })));
            overlapSteps.push(async () => y.remember(await y.dev.call('tickets.update', { id, fields: { [key]: values[1] } })));
            // The laptop whose value did not survive must be told; known only once merged.
            required.push({ kind: 'overwritten', recordId: id, field, on: [], overlap: kind });
            overlapFinal.push({
              kind,
              check: async () => {
                const final = A.dev.rt.store.sqlite.prepare(`SELECT ${field} FROM tickets WHERE id = ?`).pluck().get(id);
                const r = required.find((q) => q.recordId === id && q.field === field)!;
                r.on = [[xi, values[0]], [yi, values[1]]].filter(([, v]) => String(v) !== String(final)).map(([n]) => n as number);
                return r.on.length === 1 ? null : `${id} ${field}: final ${String(final)} is not exactly one of ${values.join(', ')}`;
              },
            });
            break;
          }
          case 'category-3': {
            const values = [x, y, z].map((l) => `Hardware/${l.name}`);
            [x, y, z].forEach((l, j) => overlapSteps.push(async () => void (await l.dev.call('tickets.update', { id, fields: { category: values[j]! } }))));
            required.push({ kind: 'overwritten', recordId: id, field: 'category', on: [], overlap: kind }, { kind: 'overwritten', recordId: id, field: 'category', on: [], overlap: kind });
            overlapFinal.push({
              kind,
              check: async () => {
                const final = A.dev.rt.store.sqlite.prepare('SELECT category FROM tickets WHERE id = ?').pluck().get(id);
                const losers = [xi, yi, zi].filter((_, j) => values[j] !== final);
                const rs = required.filter((q) => q.recordId === id && q.field === 'category');
                rs.forEach((r, j) => (r.on = losers[j] === undefined ? [] : [losers[j]!]));
                return losers.length === 2 ? null : `${id} category: final ${String(final)} is not one of ${values.join(', ')}`;
              },
            });
            break;
          }
          case 'comments-3':
            for (const l of [x, y, z]) overlapSteps.push(async () => comment(l, id, `${l.name} was here too: swapped the toner.`));
            overlapFinal.push({
              kind,
              check: async () => {
                const n = A.dev.rt.store.sqlite.prepare("SELECT count(*) FROM ticket_comments WHERE ticket_id = ? AND body LIKE '% was here too: swapped the toner.'").pluck().get(id) as number;
                return n === 3 ? null : `${id}: ${n} of 3 comments from the three laptops`;
              },
            });
            break;
          case 'different-fields':
            overlapSteps.push(async () => void (await x.dev.call('tickets.update', { id, fields: { title: `Dock replaced by ${x.name}` } })));
            overlapSteps.push(async () => void (await y.dev.call('tickets.update', { id, fields: { contactChannel: 'walk_in' } })));
            overlapFinal.push({
              kind,
              check: async () => {
                const t = A.dev.rt.store.sqlite.prepare('SELECT title, contact_channel AS ch FROM tickets WHERE id = ?').get(id) as { title: string; ch: string };
                return t.title === `Dock replaced by ${x.name}` && t.ch === 'walk_in' ? null : `${id}: both edits should stand, got ${t.title} / ${t.ch}`;
              },
            });
            break;
          case 'same-title-new': {
            const title = `Projector dead in room ${100 + i}`;
            const made: string[] = [];
            overlapSteps.push(async () => void made.push((await create(x, title, false)).id));
            overlapSteps.push(async () => void made.push((await create(y, title, false)).id));
            overlapFinal.push({
              kind,
              check: async () => {
                const rows = A.dev.rt.store.sqlite.prepare('SELECT id, number FROM tickets WHERE title = ?').all(title) as { id: string; number: string }[];
                return rows.length === 2 && new Set(rows.map((r) => r.number)).size === 2 && made.every((m) => rows.some((r) => r.id === m)) ? null : `"${title}": ${rows.length} tickets, numbers ${rows.map((r) => r.number).join(', ')}`;
              },
            });
            break;
          }
          case 'same-move':
            overlapSteps.push(async () => x.remember(await x.dev.call('tickets.transition', { id, ...resolve })));
            overlapSteps.push(async () => y.remember(await y.dev.call('tickets.transition', { id, ...resolve })));
            overlapFinal.push({ kind, check: async () => checkStatus(laptops, id, ['resolved']) });
            break;
        }
      }
    }
    // Overlap steps in a shuffled order, spread over the week between the laptops' own work.
    for (let i = overlapSteps.length - 1; i > 0; i--) {
      const j = Math.floor(rng() * (i + 1));
      [overlapSteps[i], overlapSteps[j]] = [overlapSteps[j]!, overlapSteps[i]!];
    }

    const FINAL: TicketStatus[] = ['closed', 'cancelled'];
    /** A ticket the laptop can still comment on (not closed or cancelled), or edit (open). */
    const live = (l: Laptop, pool: string[], edit = false) => {
      const ok = (id: string) => {
        const st = l.known.get(id)?.status ?? 'closed';
        return edit ? OPEN.includes(st) : !FINAL.includes(st);
      };
      for (let tries = 0; tries < 50; tries++) {
        const id = pick(rng, pool);
        if (ok(id)) return id;
      }
      return pick(rng, l.own.filter(ok));
    };
    const work = async (l: Laptop, step: number) => {
      const r = rng();
      if (r < 0.1) {
        await create(l, `${pick(rng, ['Laptop', 'Printer', 'Badge reader', 'VPN', 'Phone', 'Dock'])} problem reported on site (${l.name} ${step})`);
      } else if (r < 0.5) {
        // Comments go on any ticket: they never clash.
        await comment(l, live(l, rng() < 0.7 ? l.own : allIds), `Visited on day ${1 + (step % 7)}: ${pick(rng, ['checked cabling', 'rebooted', 'waiting for parts', 'spoke to the user', 'replaced the battery'])}.`);
      } else if (r < 0.8) {
        const id = live(l, l.own, true);
        const f = Math.floor(rng() * 6);
        const fields =
          f === 0 ? { title: `Updated on site by ${l.name} (${step})` }
          : f === 1 ? { description: `Notes from ${l.name}, visit ${step}.` }
          : f === 2 ? { impact: 1 + Math.floor(rng() * 3), urgency: 1 + Math.floor(rng() * 3) }
          : f === 3 ? { category: pick(rng, ['Hardware', 'Network', 'Software', 'Access']) }
          : f === 4 ? { assigneeId: pick(rng, technicianIds) }
          : { groupId: pick(rng, groupIds) };
        l.remember(await l.dev.call('tickets.update', { id, fields }));
      } else {
        // A status move the laptop's own view allows.
        for (let tries = 0; tries < 20; tries++) {
          const id = pick(rng, l.own);
          const k = l.known.get(id)!;
          const choices = TRANSITIONS[k.status].filter((s) => s !== 'closed' || rng() < 0.3).filter((s) => s !== 'cancelled' || rng() < 0.2).filter((s) => s !== 'assigned' || k.assigneeId || k.groupId);
          if (!choices.length) continue;
          const to = pick(rng, choices);
          const input = to === 'resolved' ? { id, ...resolve } : to === 'pending' ? { id, to, reason: 'customer' } : { id, to };
          try {
            l.remember(await l.dev.call('tickets.transition', input));
          } catch (e) {
            l.refusals.push(`${l.name} ${id} ${k.status} → ${to}: ${(e as Error).message}`);
          }
          break;
        }
      }
    };

    say(`offline work: ${opts.changes} changes per laptop, ${overlapSteps.length} overlap steps`);
    const every = Math.max(1, Math.floor(opts.changes / Math.max(1, overlapSteps.length)));
    let o = 0;
    for (let i = 0; i < (opts.extraNewTickets ?? 0); i++) for (const l of laptops) await create(l, `Walk-in incident ${i} at the ${l.name} desk`, true, 'incident');
    for (let step = 0; step < opts.changes; step++) {
      for (const l of laptops) await work(l, step);
      if (step % every === 0 && o < overlapSteps.length) await overlapSteps[o++]!();
      if (step % 1000 === 999) say(`  ${step + 1} changes each`);
    }
    while (o < overlapSteps.length) await overlapSteps[o++]!();
    const offlineSeconds = (performance.now() - offlineStarted) / 1000;

    // Every number each laptop ever showed, as it stood at the end of the week.
    const shown: { laptop: string; id: string; number: string }[] = [];
    for (const l of laptops) {
      const rows = l.dev.rt.store.sqlite.prepare('SELECT id, number FROM tickets').all() as { id: string; number: string }[];
      for (const r of rows) shown.push({ laptop: l.name, ...r });
      l.provisional = rows.filter((r) => r.number.includes('-P-')).length;
      l.pushedAtReturn = l.dev.rt.store.sqlite.prepare('SELECT count(*) FROM pending_ops').pluck().get() as number;
      // From here on: the catch-up's pages only.
      syncClientFor(l.dev.rt).syncStats({ reset: true });
    }

    // The server comes back on the same address. Nobody presses Sync now.
    say('server back');
    await opts.onCatchUp?.start();
    const stalls = monitorEventLoopDelay({ resolution: 5 });
    stalls.enable();
    server.http = await startServer(server.store, { port: server.http.port });
    const back = performance.now();
    let convergedAt: number | null = null;
    const timeout = opts.convergeTimeoutMs ?? 120_000;
    await until(
      async () => {
        for (const l of laptops) {
          const st = await l.dev.call('sync.status');
          if (st.pending || st.state !== 'synced') return false;
        }
        const prints = laptops.map((l) => fingerprint(l.dev));
        if (prints.some((p) => p !== prints[0])) return false;
        convergedAt = performance.now();
        return true;
      },
      timeout,
      200,
    );
    stalls.disable();
    await opts.onCatchUp?.stop();
    const secondsToConverge = convergedAt === null ? null : (convergedAt - back) / 1000;
    say(`converged: ${secondsToConverge ?? 'no'}`);
    // Quiet for a moment: nothing more should move.
    await new Promise((r) => setTimeout(r, 1000));

    // Field by field, entry by entry.
    const ticketDifferences = differences('tickets', laptops);
    const timelineDifferences = ['ticket_comments', 'ticket_worklogs', 'ticket_history', 'sync_conflicts'].flatMap((e) => differences(e, laptops));

    // Nothing lost.
    const made = laptops.flatMap((l) => l.made);
    const comments = laptops.flatMap((l) => l.comments);
    let offlineTicketsLost = 0;
    let commentsLost = 0;
    for (const l of laptops) {
      const s = l.dev.rt.store.sqlite;
      const hasTicket = s.prepare('SELECT 1 FROM tickets WHERE id = ? AND deleted_hlc IS NULL');
      const hasComment = s.prepare('SELECT 1 FROM ticket_comments WHERE id = ?');
      offlineTicketsLost += made.filter((t) => !hasTicket.get(t.id)).length;
      commentsLost += comments.filter((id) => !hasComment.get(id)).length;
    }

    // Numbers.
    let duplicateNumbers = 0;
    let provisionalLeft = 0;
    for (const l of laptops) {
      const s = l.dev.rt.store.sqlite;
      duplicateNumbers += s.prepare('SELECT count(*) FROM (SELECT number FROM tickets GROUP BY number HAVING count(*) > 1)').pluck().get() as number;
      provisionalLeft += s.prepare("SELECT count(*) FROM tickets WHERE number LIKE '%-P-%'").pluck().get() as number;
    }
    const numberProblems: string[] = [];
    const renumberedIds = new Set<string>();
    let numbersLeadingElsewhere = 0;
    for (const l of laptops) {
      const finalNumber = new Map((l.dev.rt.store.sqlite.prepare('SELECT id, number FROM tickets').all() as { id: string; number: string }[]).map((r) => [r.id, r.number]));
      for (const s of shown) {
        if (finalNumber.get(s.id) === s.number) continue;
        renumberedIds.add(s.id);
        // A number shown once must still open the same ticket, asked as a person would ask.
        const got = await l.dev.call('tickets.getByNumber', { number: s.number }).catch((e: Error) => ({ id: `error: ${e.message}` }));
        if (got.id !== s.id) {
          numbersLeadingElsewhere++;
          if (numberProblems.length < 10) numberProblems.push(`${s.number} (shown on ${s.laptop}) opens ${got.id} on ${l.name}, not ${s.id}`);
        }
      }
    }

    // The overlaps ended as the rules say.
    const overlapChecks: WeekReport['overlapChecks'] = {};
    for (const k of kinds) overlapChecks[k] = { tickets: k === 'same-title-new' ? perKind : overlap.get(k)!.length, failures: [] };
    for (const f of overlapFinal) {
      const problem = await f.check();
      if (problem) overlapChecks[f.kind]!.failures.push(problem);
    }

    // Every required conflict is on the Conflicts screen of the laptops that must show it.
    const figures: DeviceFigures[] = [];
    for (const [n, l] of laptops.entries()) {
      const inbox = await listInbox(l.dev);
      const listed = new Map<string, number>();
      for (const c of inbox.items) {
        const key = `${c.recordId}|${c.field}|${c.kind}`;
        listed.set(key, (listed.get(key) ?? 0) + 1);
      }
      const mine = required.filter((r) => r.on.includes(n));
      const wanted = new Map<string, number>();
      for (const r of mine) {
        const key = `${r.recordId}|${r.field}|${r.kind}`;
        wanted.set(key, (wanted.get(key) ?? 0) + 1);
      }
      let found = 0;
      const missing: string[] = [];
      for (const [key, want] of wanted) {
        found += Math.min(want, listed.get(key) ?? 0);
        if ((listed.get(key) ?? 0) < want && missing.length < 10) missing.push(`${key} (${required.find((r) => `${r.recordId}|${r.field}|${r.kind}` === key)!.overlap}): ${listed.get(key) ?? 0} of ${want}`);
      }
      let unexpected = 0;
      for (const [key, have] of listed) unexpected += Math.max(0, have - (wanted.get(key) ?? 0));
      const st = syncClientFor(l.dev.rt).syncStats();
      figures.push({
        name: l.name,
        role: l.role,
        pushed: l.pushedAtReturn,
        pulled: st.changes,
        pagesApplied: st.pages,
        maxPageApplyMs: +st.maxApplyMs.toFixed(1),
        maxPageParseMs: +st.maxParseMs.toFixed(1),
        maxPushStepMs: +st.maxPushStepMs.toFixed(1),
        longestSyncHoldMs: +Math.max(st.maxApplyMs, st.maxParseMs, st.maxPushStepMs).toFixed(1),
        provisionalBeforeSync: l.provisional,
        conflictsRequired: mine.length,
        conflictsRequiredListed: found,
        conflictsListed: inbox.items.length,
        conflictsUnexpected: unexpected,
        conflictsMissing: missing,
        topBarCount: (await l.dev.call('sync.status')).conflicts,
        inboxPages: inbox.pages,
      });
    }

    return {
      seedTickets: opts.seedTickets,
      changesPerDevice: opts.changes,
      overlapsPerKind: perKind,
      offlineSeconds: +offlineSeconds.toFixed(1),
      secondsToConverge: secondsToConverge === null ? null : +(secondsToConverge as number).toFixed(2),
      maxEventLoopStallMs: +(stalls.max / 1e6).toFixed(1),
      converged: secondsToConverge !== null,
      goal: '≤ 30 s to converge with nobody pressing Sync now; 0 lost, 0 duplicate numbers, 0 numbers leading elsewhere, every required conflict listed',
      tickets: A.dev.rt.store.sqlite.prepare('SELECT count(*) FROM tickets').pluck().get() as number,
      ticketsIdentical: ticketDifferences.length === 0,
      ticketDifferences,
      timelineIdentical: timelineDifferences.length === 0,
      timelineDifferences,
      offlineTickets: made.length,
      offlineTicketsLost,
      offlineComments: comments.length,
      commentsLost,
      duplicateNumbers,
      provisionalLeft,
      numbersShown: shown.length,
      renumbered: renumberedIds.size,
      numbersLeadingElsewhere,
      numberProblems,
      overlapChecks,
      localRefusals: laptops.flatMap((l) => l.refusals).slice(0, 20),
      devices: figures,
    };
  } finally {
    for (const d of devices) d.close();
    await server.close();
  }
}

function checkStatus(laptops: Laptop[], id: string, allowed: TicketStatus[]): string | null {
  const got = laptops.map((l) => l.dev.rt.store.sqlite.prepare('SELECT status FROM tickets WHERE id = ?').pluck().get(id) as TicketStatus);
  if (got.some((s) => s !== got[0])) return `${id}: statuses differ between laptops (${got.join(', ')})`;
  return allowed.includes(got[0]!) ? null : `${id}: ended ${got[0]}, which no push order explains (expected ${allowed.join(' or ')})`;
}
