import path from 'node:path';
import { openStore } from '../src/main/db/open';
import { loadActor } from '../src/main/services/directory/users';
import { listTickets, viewCounts, type ListInput } from '../src/main/services/tickets/queue';
import { searchTickets } from '../src/main/services/search/search';
import { systemClock } from '../src/main/services/core/context';
const dir = process.argv[2]!;
const store = openStore(path.join(dir, 'outpost.db'));
const s = store.sqlite;
const busy = s.prepare('SELECT assignee_id FROM tickets WHERE is_open = 1 AND assignee_id IS NOT NULL GROUP BY assignee_id ORDER BY count(*) DESC LIMIT 1').pluck().get() as string;
const tech = loadActor(s, busy)!;
const ctx = { store, clock: systemClock, actor: tech, call: 'x' };
const orig = s.prepare.bind(s);
let captured: string[] = [];
(s as unknown as { prepare: (q: string) => unknown }).prepare = (q: string) => { captured.push(q); return orig(q); };
const show = (name: string, fn: () => void) => {
  captured = [];
  const t = performance.now(); fn(); const ms = performance.now() - t;
  console.log(`\n## ${name}  ${ms.toFixed(1)} ms`);
  for (const q of captured.filter((x) => /FROM tickets|tickets_fts/.test(x))) {
    const plan = orig(`EXPLAIN QUERY PLAN ${q}`).all(...Array(q.split('?').length - 1).fill(null)) as { detail: string }[];
    console.log(plan.map((p) => '  ' + p.detail).join('\n'));
  }
};
const groups = s.prepare('SELECT id FROM groups').pluck().all() as string[];
const sites = s.prepare('SELECT id FROM sites').pluck().all() as string[];
const L = (i: Partial<ListInput> & { view: ListInput['view'] }) => () => listTickets(ctx, { filter: {}, limit: 50, ...i });
const which = process.argv.slice(3);
const cases: Record<string, () => void> = {
  pending_open: L({ view: 'all_open', filter: { status: ['pending'] } }),
  incident_unassigned: L({ view: 'unassigned', filter: { type: ['incident'] } }),
  closed_updated: L({ view: 'all', filter: { status: ['closed'] }, sort: 'updated' }),
  assignee_oldest: L({ view: 'all', filter: { assigneeId: [busy] }, sort: 'oldest' }),
  text_printer: L({ view: 'all', filter: { text: 'printer' } }),
  text_vpn_open: L({ view: 'all_open', filter: { text: 'vpn' } }),
  withTotal: L({ view: 'all_open', withTotal: true }),
  my_work: L({ view: 'my_work' }),
  unassigned: L({ view: 'unassigned' }),
  all_open: L({ view: 'all_open' }),
  recently_resolved: L({ view: 'recently_resolved' }),
  all: L({ view: 'all' }),
  group: L({ view: 'all_open', filter: { groupId: [groups[1]!] } }),
  site_oldest: L({ view: 'all_open', filter: { siteId: [sites[2]!] }, sort: 'oldest' }),
  counts: () => viewCounts(ctx),
  search_ws: () => searchTickets(ctx, 'warehouse scanner', 20),
  search_of: () => searchTickets(ctx, 'outlook freezing', 20),
  search_printer: () => searchTickets(ctx, 'printer', 20),
};
for (const [k, fn] of Object.entries(cases)) if (!which.length || which.includes(k)) show(k, fn);
if (process.env.TIME) for (const [k, fn] of Object.entries(cases)) if (!which.length || which.includes(k)) {
  const xs: number[] = [];
  for (let i = 0; i < 15; i++) { const t = performance.now(); fn(); xs.push(performance.now() - t); }
  xs.sort((a, b) => a - b);
  console.log(k, 'median', xs[7]!.toFixed(2), 'max', xs[14]!.toFixed(2));
}
store.close();
