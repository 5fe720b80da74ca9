/**
 * `npm run bench:servicenow -- [--copies 5]`: prints one JSON object: the ServiceNow event-log import
 * (the shared sample's rows copied `copies` times with renumbered incidents) in events and tickets per
 * second, next to a raw insert of the same tickets (one prepared INSERT per ticket, no history, ops or
 * audit events) into a fresh store, and kpis.get over the imported tickets.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openStore } from '../src/main/db/open';
import { systemClock, type Ctx } from '../src/main/services/core/context';
import { initialize } from '../src/main/services/setup/setup';
import { loadActor } from '../src/main/services/directory/users';
import { importServiceNow } from '../src/main/services/tickets/import/servicenow';
import { getKpis } from '../src/main/services/kpis/kpis';

const arg = (name: string, d: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : d;
};
const copies = arg('copies', 5);
const sample = process.env.OUTPOST_FIXTURES
  ? path.join(process.env.OUTPOST_FIXTURES, 'incidents/servicenow-incident-event-log-sample.csv')
  : path.resolve(import.meta.dirname, '../../shared/fixtures/incidents/servicenow-incident-event-log-sample.csv');

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-bench-sn-'));
const lines = fs.readFileSync(sample, 'utf8').split(/\r?\n/).filter(Boolean);
const out = [lines[0]!];
for (let c = 0; c < copies; c++)
  for (const l of lines.slice(1)) out.push(`INC${String(Number(l.slice(3, 10)) + c * 100_000).padStart(7, '0')}${l.slice(10)}`);
const bytes = Buffer.from(out.join('\n') + '\n');

function world(name: string): Ctx {
  const store = openStore(path.join(dir, `${name}.db`));
  const s = initialize(
    { store, clock: systemClock, actor: null, call: 'setup.init' },
    { admin: { username: 'admin', displayName: 'Ada Admin', password: 'password123' }, site: { name: 'HQ' } },
  );
  return { store, clock: systemClock, actor: loadActor(store.sqlite, s.user.id)!, call: 'tickets.import' };
}

const ctx = world('import');
let t = performance.now();
const r = await importServiceNow(ctx, { bytes }, { dryRun: false });
const importMs = performance.now() - t;

// The same tickets, raw: the columns as the import left them, one prepared INSERT each, one transaction.
const rows = ctx.store.sqlite.prepare('SELECT * FROM tickets').all() as Record<string, unknown>[];
const raw = world('raw');
const cols = Object.keys(rows[0]!);
const ins = raw.store.sqlite.prepare(`INSERT INTO tickets (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`);
raw.store.sqlite.exec('PRAGMA foreign_keys = OFF');
t = performance.now();
raw.store.sqlite.transaction(() => {
  for (const row of rows) ins.run(...cols.map((c) => row[c]));
})();
const rawMs = performance.now() - t;

t = performance.now();
getKpis(ctx, {});
const kpisMs = performance.now() - t;

console.log(
  JSON.stringify(
    {
      events: r.events,
      tickets: r.incidents,
      historyRows: ctx.store.sqlite.prepare('SELECT count(*) FROM ticket_history').pluck().get(),
      bytes: bytes.length,
      importMs: Math.round(importMs),
      importEventsPerSecond: Math.round(r.events / (importMs / 1000)),
      importTicketsPerSecond: Math.round(r.incidents / (importMs / 1000)),
      rawInsertMs: Math.round(rawMs),
      rawTicketsPerSecond: Math.round(rows.length / (rawMs / 1000)),
      ratioImportToRaw: Math.round((importMs / rawMs) * 10) / 10,
      kpisAllTimeMs: Math.round(kpisMs),
    },
    null,
    2,
  ),
);
ctx.store.close();
raw.store.close();
fs.rmSync(dir, { recursive: true, force: true });
