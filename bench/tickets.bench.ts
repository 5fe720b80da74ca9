/**
 * `npm run bench -- [--tickets 1000000] [--seed 7] [--encryption off|on|both]`: seeds a fresh temporary
 * store with realistic tickets and prints one JSON object of figures (bulk insert vs raw better-sqlite3,
 * queue pages, search, single edits). `--encryption on` measures a store encrypted at rest (a random
 * key); `both` measures a plain and an encrypted store one after the other and prints them side by side
 * with the overhead of each figure in percent. Not a test: it asserts nothing and only reports.
 */
import crypto from 'node:crypto';
import path from 'node:path';
import Database from 'better-sqlite3';
import { openStore } from '../src/main/db/open';
import { systemClock, type Actor, type Ctx } from '../src/main/services/core/context';
import { initialize } from '../src/main/services/setup/setup';
import { createSite } from '../src/main/services/directory/sites';
import { createGroup } from '../src/main/services/directory/groups';
import { createUser, loadActor } from '../src/main/services/directory/users';
import { slaSection } from './sla-section';
import { hashPassword } from '../src/main/services/auth/password';
import {
  generateTickets,
  insertGeneratedTickets,
  mulberry32,
  type GeneratedTicket,
} from '../src/main/services/tickets/generate';
import { listTickets, viewCounts, type ListInput } from '../src/main/services/tickets/queue';
import { searchTickets } from '../src/main/services/search/search';
import { transitionTicket, updateTicket } from '../src/main/services/tickets/tickets';
import { uuidv7 } from '../src/shared/ids';
import { DEFAULT_PRIORITY_MATRIX, formatNumber, isOpen, numberPrefix, priorityFor } from '../src/shared/tickets/rules';
import { tempDir } from '../src/main/testing';
import { acknowledge } from '../src/main/sync/outbox';
import type { StoreKey } from '../src/main/db/store-key';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const eq = process.argv.find((a) => a.startsWith(`--${name}=`));
  const v = eq ? eq.split('=')[1] : i >= 0 ? process.argv[i + 1] : undefined;
  const n = v === undefined ? fallback : Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive whole number`);
  return n;
}

const TICKETS = arg('tickets', 100_000);
const SEED = arg('seed', 7);
const BATCH = 50_000;
const opt = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
/** --keep DIR leaves the seeded store in DIR for EXPLAIN QUERY PLAN work afterwards. */
const KEEP = opt('keep');
/** --reuse DIR skips seeding and measures a store kept earlier (after a query or index change). */
const REUSE = opt('reuse');
const ENCRYPTION = opt('encryption') ?? 'off';
if (!['off', 'on', 'both'].includes(ENCRYPTION)) throw new Error('--encryption must be off, on or both');
const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);

function stats(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)]!;
  const r = (x: number) => Math.round(x * 1000) / 1000;
  return { n: s.length, median_ms: r(q(0.5)), p95_ms: r(q(0.95)), max_ms: r(s[s.length - 1]!) };
}

function time(fn: () => void): number {
  const t = performance.now();
  fn();
  return performance.now() - t;
}

function repeat(n: number, fn: (i: number) => void) {
  fn(0); // warm the statement cache and the page cache once
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(time(() => fn(i)));
  return stats(out);
}

/** The same ticket row insertGeneratedTickets writes, for the raw comparison. */
/** The bare copy's columns, in the order rawRow gives them. */
const TICKET_COLS = [
  'id', 'scope_id', 'created_at', 'updated_at', 'field_hlc', 'number', 'type', 'title', 'description', 'category', 'subcategory',
  'impact', 'urgency', 'priority', 'priority_overridden', 'status', 'is_open', 'pending_reason', 'resolution_code', 'resolution_notes',
  'assignee_id', 'group_id', 'requester_id', 'contact_channel', 'linked_asset_id', 'opened_at', 'first_response_at', 'resolved_at', 'closed_at',
] as const;
const TICKET_INSERT_SQL = `INSERT INTO tickets (${TICKET_COLS.join(', ')}) VALUES (${TICKET_COLS.map(() => '?').join(', ')})`;

function rawRow(s: GeneratedTicket, n: number) {
  const updated = s.closedAt ?? s.resolvedAt ?? s.firstResponseAt ?? s.openedAt;
  return [
    uuidv7(), s.siteId, s.openedAt, updated, '{}', formatNumber(numberPrefix(s.type), n), s.type, s.title, s.description, s.category, s.subcategory,
    s.impact, s.urgency, priorityFor(DEFAULT_PRIORITY_MATRIX, s.impact, s.urgency), 0, s.status, isOpen(s.status) ? 1 : 0, s.pendingReason, s.resolutionCode,
    s.resolutionNotes, s.assigneeId, s.groupId, s.requesterId, s.contactChannel, null, s.openedAt, s.firstResponseAt, s.resolvedAt, s.closedAt,
  ];
}

interface Bulk {
  generated_rows_per_sec: number;
  raw_rows_per_sec: number;
  ratio_generated_to_raw: number;
  note: string;
}

/** Seeds `dir` and returns the bulk insert figures. */
function seed(dir: string, key: StoreKey | null): Bulk {
  const store = openStore(path.join(dir, 'outpost.db'), { key });
  // A bare copy of the tickets table (same columns and primary key; no secondary indexes, triggers, ops or history).
  const raw = new Database(path.join(dir, 'raw.db'));
  raw.pragma('journal_mode = WAL');
  raw.pragma('synchronous = NORMAL');
  raw.pragma('foreign_keys = OFF'); // the referenced users/groups tables are not in the bare copy
  raw.exec(store.sqlite.prepare("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'tickets'").pluck().get() as string);
  const rawInsert = raw.prepare(TICKET_INSERT_SQL);
  try {
    const ctx = (actor: Actor | null, call = 'bench'): Ctx => ({ store, clock: systemClock, actor, call });
    const session = initialize(ctx(null, 'setup.init'), {
      admin: { username: 'admin', displayName: 'Bench Admin', password: 'bench-password' },
      site: { name: 'Head Office', code: 'HQ' },
    });
    const admin = loadActor(store.sqlite, session.user.id)!;
    const actx = ctx(admin);
    const sites = [admin.siteIds[0]!, createSite(actx, { name: 'Warehouse' }).id, createSite(actx, { name: 'Field' }).id];
    const hash = hashPassword('bench-password');
    const techs = Array.from({ length: 25 }, (_, i) =>
      createUser(actx, { username: `tech${i}`, displayName: `Tech ${i}`, role: 'technician', password: 'x', siteIds: [sites[i % 3]!] }, { passwordHash: hash }).id,
    );
    const requesters = Array.from({ length: 400 }, (_, i) =>
      createUser(actx, { username: `user${i}`, displayName: `User ${i}`, role: 'requester', password: 'x', siteIds: [sites[i % 3]!] }, { passwordHash: hash }).id,
    );
    const groups = ['Service Desk', 'Desktop', 'Network', 'Servers', 'Field Services'].map(
      (name, g) => createGroup(actx, { name, memberIds: techs.filter((_, i) => i % 5 === g) }).id,
    );

    // Bulk generation, batch by batch so 1M tickets never sit in memory at once.
    const rng = mulberry32(SEED);
    const now = systemClock.now();
    const days = Math.max(30, Math.ceil(TICKETS / 300));
    let insertMs = 0;
    let rawMs = 0;
    let rawN = 1;
    for (let done = 0; done < TICKETS; done += BATCH) {
      const n = Math.min(BATCH, TICKETS - done);
      const specs = generateTickets(rng, n, { now, days, siteIds: sites, groupIds: groups, technicianIds: techs, requesterIds: requesters });
      insertMs += time(() => insertGeneratedTickets(actx, specs));
      const rows = specs.map((s) => rawRow(s, rawN++));
      rawMs += time(() => {
        for (let i = 0; i < rows.length; i += 5000) raw.transaction(() => rows.slice(i, i + 5000).forEach((r) => rawInsert.run(...r)))();
      });
      log(`inserted ${done + n} / ${TICKETS}`);
    }
    const generatedPerSec = TICKETS / (insertMs / 1000);
    const rawPerSec = TICKETS / (rawMs / 1000);
    const bulk = {
      generated_rows_per_sec: Math.round(generatedPerSec),
      raw_rows_per_sec: Math.round(rawPerSec),
      ratio_generated_to_raw: Math.round((generatedPerSec / rawPerSec) * 1000) / 1000,
      note: 'generated = tickets + status history + comments + ops + FTS + indexes; raw = bare tickets table, same rows, one transaction per 5000',
    };
    log(`bulk ${JSON.stringify(bulk)}`);
    return bulk;
  } finally {
    raw.close();
    // The seeder exits and the app starts: close (PRAGMA optimize) and reopen, as a user would.
    store.close();
  }
}

function measure(key: StoreKey | null) {
  const tmp = REUSE ? { dir: path.resolve(REUSE), cleanup: () => undefined } : KEEP ? { dir: path.resolve(KEEP), cleanup: () => undefined } : tempDir('outpost-bench-');
  let bulk: Bulk | null = null;
  try {
    if (!REUSE) bulk = seed(tmp.dir, key);
  } catch (e) {
    tmp.cleanup();
    throw e;
  }
  const store = openStore(path.join(tmp.dir, 'outpost.db'), { key });
  log(`opened${key ? ' (encrypted)' : ''}; planner statistics: ${store.sqlite.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'").pluck().get() ? 'present' : 'absent'}`);
  try {
    const clock = systemClock;
    const ctx = (actor: Actor | null, call = 'bench'): Ctx => ({ store, clock, actor, call });
    const ids = (sql: string) => store.sqlite.prepare(sql).pluck().all() as string[];
    const sites = ids('SELECT id FROM sites ORDER BY id');
    const groups = ids('SELECT id FROM groups ORDER BY id');
    const techs = ids("SELECT id FROM users WHERE role = 'technician' ORDER BY id");
    const count = (sql: string) => store.sqlite.prepare(sql).pluck().get() as number;
    const total = count('SELECT count(*) FROM tickets');

    // The busiest technician's queue is the worst "my work" case.
    const busy = store.sqlite
      .prepare('SELECT assignee_id FROM tickets WHERE is_open = 1 AND assignee_id IS NOT NULL GROUP BY assignee_id ORDER BY count(*) DESC LIMIT 1')
      .pluck()
      .get() as string;
    const tech = loadActor(store.sqlite, busy)!;
    const tctx = ctx(tech, 'tickets.list');
    const list = (i: Partial<ListInput> & { view: ListInput['view'] }) => () => listTickets(tctx, { filter: {}, limit: 50, ...i });
    const cases: Record<string, () => unknown> = {
      my_work: list({ view: 'my_work' }),
      unassigned: list({ view: 'unassigned' }),
      all_open: list({ view: 'all_open' }),
      recently_resolved: list({ view: 'recently_resolved' }),
      all: list({ view: 'all' }),
      'all_open+sort:newest': list({ view: 'all_open', sort: 'newest' }),
      'all_open+sort:updated': list({ view: 'all_open', sort: 'updated' }),
      'all_open+filter:priority[1,2]': list({ view: 'all_open', filter: { priority: [1, 2] } }),
      'all_open+filter:group': list({ view: 'all_open', filter: { groupId: [groups[1]!] } }),
      'all_open+filter:site+sort:oldest': list({ view: 'all_open', filter: { siteId: [sites[2]!] }, sort: 'oldest' }),
      'all_open+filter:status[pending]': list({ view: 'all_open', filter: { status: ['pending'] } }),
      'unassigned+filter:type[incident]': list({ view: 'unassigned', filter: { type: ['incident'] } }),
      'all+filter:status[closed]+sort:updated': list({ view: 'all', filter: { status: ['closed'] }, sort: 'updated' }),
      'all+filter:assignee+sort:oldest': list({ view: 'all', filter: { assigneeId: [techs[3]!] }, sort: 'oldest' }),
      'all+filter:text[printer]': list({ view: 'all', filter: { text: 'printer' } }),
      'all_open+filter:text[vpn]': list({ view: 'all_open', filter: { text: 'vpn' } }),
      'all_open+withTotal': list({ view: 'all_open', withTotal: true }),
    };
    const pages: Record<string, ReturnType<typeof stats>> = {};
    for (const [name, fn] of Object.entries(cases)) pages[name] = repeat(30, fn);

    // Deep keyset page: walk 400 pages into "all" (20,000 rows), then time the next page from that cursor.
    let cursor: string | null = null;
    for (let p = 0; p < 400; p++) {
      const r = listTickets(tctx, { view: 'all', filter: {}, limit: 50, cursor });
      cursor = r.nextCursor;
      if (!cursor) break;
    }
    const deepCursor = cursor;
    pages['all:page_401'] = repeat(30, () => listTickets(tctx, { view: 'all', filter: {}, limit: 50, cursor: deepCursor }));
    let pcursor: string | null = null;
    for (let p = 0; p < 100; p++) {
      const r = listTickets(tctx, { view: 'all_open', filter: {}, limit: 50, cursor: pcursor });
      pcursor = r.nextCursor;
      if (!pcursor) break;
    }
    const deepOpen = pcursor;
    pages['all_open:page_101'] = repeat(30, () => listTickets(tctx, { view: 'all_open', filter: {}, limit: 50, cursor: deepOpen }));
    const counts = repeat(10, () => viewCounts(tctx));

    // SLA: a policy on office hours recomputes every open ticket's deadline; then "Breaching soon".
    const adminId = store.sqlite.prepare("SELECT id FROM users WHERE role = 'admin' ORDER BY created_at LIMIT 1").pluck().get() as string;
    log('sla: saving a policy (recomputes every open ticket)');
    const sla = slaSection(ctx(loadActor(store.sqlite, adminId)!, 'sla.savePolicy'), tctx, { time, repeat });

    // Search: realistic queries, the number lookup, and prefix words.
    const queries = ['printer', 'outlook freezing', 'vpn', 'blue screen', 'password', 'new starter laptop', 'warehouse scanner', 'sync fails error', 'monit flick', 'teams sound', formatNumber('INC', 1234), 'licence expired excel'];
    const sctx = ctx(tech, 'search.query');
    const searchSamples: number[] = [];
    const perQuery: Record<string, number> = {};
    for (const q of queries) {
      searchTickets(sctx, q, 20);
      const s: number[] = [];
      for (let i = 0; i < 15; i++) s.push(time(() => searchTickets(sctx, q, 20)));
      searchSamples.push(...s);
      perQuery[q] = stats(s).median_ms;
    }

    // Single edits on open tickets: each is one transaction with row + history + op + audit.
    const open = store.sqlite.prepare('SELECT id FROM tickets WHERE is_open = 1 ORDER BY random() LIMIT 600').pluck().all() as string[];
    const ectx = ctx(tech, 'tickets.update');
    const upd: number[] = [];
    const tr: number[] = [];
    const both: number[] = [];
    open.slice(0, 300).forEach((id, i) => {
      const a = time(() => updateTicket(ectx, id, { urgency: ((i % 3) + 1) as 1 | 2 | 3, title: `Edited in the benchmark ${i}` }));
      const b = time(() => {
        const cur = store.sqlite.prepare('SELECT status FROM tickets WHERE id = ?').pluck().get(id) as string;
        transitionTicket(ctx(tech, 'tickets.transition'), id, cur === 'pending' ? { to: 'in_progress' } : { to: 'pending', reason: 'customer' });
      });
      upd.push(a);
      tr.push(b);
      both.push(a + b);
    });

    // The store's size per ticket, then every op acknowledged as a server's answer to a push would be
    // (outbox.acknowledge removes acknowledged ops; the audit trail is another table and stays).
    const pageSize = store.sqlite.prepare('PRAGMA page_size').pluck().get() as number;
    const used = () => ((store.sqlite.prepare('PRAGMA page_count').pluck().get() as number) - (store.sqlite.prepare('PRAGMA freelist_count').pluck().get() as number)) * pageSize;
    const opsBefore = count('SELECT count(*) FROM pending_ops');
    const usedBefore = used();
    const auditBefore = count('SELECT count(*) FROM audit_events');
    log(`acknowledging ${opsBefore} ops`);
    const ackMs = time(() => {
      const seqs = store.sqlite.prepare('SELECT device_seq FROM pending_ops ORDER BY device_seq LIMIT 5000').pluck();
      for (;;) {
        const batch = seqs.all() as number[];
        if (!batch.length) break;
        acknowledge(store.sqlite, batch.map((deviceSeq) => ({ deviceSeq, status: 'applied' as const })));
        if (batch.length < 5000) break;
      }
    });
    const pruning = {
      pending_ops_before: opsBefore,
      pending_ops_after: count('SELECT count(*) FROM pending_ops'),
      audit_events_kept: count('SELECT count(*) FROM audit_events') === auditBefore,
      acknowledge_all_ms: Math.round(ackMs),
      bytes_per_ticket_before: Math.round(usedBefore / total),
      bytes_per_ticket_after: Math.round(used() / total),
      note: 'bytes in use (pages minus free pages) per ticket; the file keeps its size and SQLite reuses the freed pages',
    };

    return {
      encrypted: !!key,
      tickets: total,
      seed: SEED,
      rows: {
        tickets: count('SELECT count(*) FROM tickets'),
        open: count('SELECT count(*) FROM tickets WHERE is_open = 1'),
        comments: count('SELECT count(*) FROM ticket_comments'),
        history: count('SELECT count(*) FROM ticket_history'),
        pending_ops: count('SELECT count(*) FROM pending_ops'),
        busy_technician_open: count(`SELECT count(*) FROM tickets WHERE is_open = 1 AND assignee_id = '${busy}'`),
      },
      bulk: bulk ?? 'not measured (--reuse)',
      queue_page_limit_50: pages,
      view_counts: counts,
      sla,
      search: { ...stats(searchSamples), per_query_median_ms: perQuery },
      edit: { update_p95_ms: stats(upd).p95_ms, transition_p95_ms: stats(tr).p95_ms, update: stats(upd), transition: stats(tr), update_plus_transition: stats(both) },
      pruning,
      goals_at_1M: { page_p95_ms: 20, search_p95_ms: 25, edit_max_ms: 20 },
      db_mb: Math.round(((store.sqlite.prepare('PRAGMA page_count').pluck().get() as number) * (store.sqlite.prepare('PRAGMA page_size').pluck().get() as number)) / 1048576),
    };
  } finally {
    store.close();
    tmp.cleanup();
  }
}

type Figures = ReturnType<typeof measure>;

/** Each timing and rate of the encrypted run against the plain one, in percent (positive: the encrypted store is slower). */
function overhead(plain: unknown, encrypted: unknown, at = ''): Record<string, number> {
  const out: Record<string, number> = {};
  if (plain && encrypted && typeof plain === 'object' && typeof encrypted === 'object') {
    for (const [k, v] of Object.entries(plain)) Object.assign(out, overhead(v, (encrypted as Record<string, unknown>)[k], at ? `${at}.${k}` : k));
    return out;
  }
  if (typeof plain !== 'number' || typeof encrypted !== 'number' || plain === 0) return out;
  const pct = (x: number) => Math.round(x * 1000) / 10;
  if (at.endsWith('_ms')) out[at] = pct(encrypted / plain - 1);
  else if (at.endsWith('_per_sec')) out[at] = pct(plain / encrypted - 1);
  return out;
}

function main() {
  if (ENCRYPTION !== 'both') {
    console.log(JSON.stringify(measure(ENCRYPTION === 'on' ? crypto.randomBytes(32) : null), null, 2));
    return;
  }
  if (REUSE || KEEP) throw new Error('--encryption both measures two fresh stores: leave out --reuse and --keep');
  const plain: Figures = measure(null);
  const encrypted: Figures = measure(crypto.randomBytes(32));
  const pct = overhead(plain, encrypted);
  const worst = Object.entries(pct).sort((a, b) => b[1] - a[1]).slice(0, 10);
  console.log(
    JSON.stringify(
      {
        plain,
        encrypted,
        encryption_overhead_pct: pct,
        encryption_overhead_worst: Object.fromEntries(worst),
        note: 'overhead in percent of the plain figure for every timing (_ms) and rate (_per_sec); sub-millisecond figures are noisy',
      },
      null,
      2,
    ),
  );
}

main();
