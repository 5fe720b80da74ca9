/**
 * A device's first sync fills its empty registers without their query indexes and builds them at
 * the end (db/deferred-indexes.ts). The store it leaves must be the one the page-by-page path
 * leaves, row by row, index by index, search by search; and a device killed in the middle must
 * find its indexes built again when it next starts, then finish the sync.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import type Sqlite from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, startDevice, startTestServer, type Device, type TestServer } from '../../testing/sync-harness';
import { syncClientFor } from './registry';
import { INITIAL_LOAD } from './client';
import { DEFERRED_INDEXES_KEY, INDEXES_COMMITTED } from '../db/deferred-indexes';
import { trainTriageModel } from '../services/triage/triage';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../..');
const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function joinManual(d: Device, url: string) {
  await d.call('sync.join', { serverUrl: url, ...ADMIN });
  syncClientFor(d.rt).stop();
}

/** The pulled registers, every column but SQLite's own rowid. */
const TABLES = ['tickets', 'ticket_comments', 'ticket_history', 'assets', 'asset_history'];
function rows(d: Device, table: string): unknown[] {
  return d.rt.store.sqlite.prepare(`SELECT * FROM ${table} ORDER BY id`).all();
}

function schemaObjects(sqlite: Sqlite.Database): { type: string; name: string; sql: string | null }[] {
  return sqlite.prepare("SELECT type, name, sql FROM sqlite_master WHERE type IN ('index', 'trigger') ORDER BY type, name").all() as { type: string; name: string; sql: string | null }[];
}

async function searchIds(d: Device, text: string): Promise<string[]> {
  return (await d.call('search.query', { text, limit: 100 })).items.map((h) => h.id).sort();
}

describe('first sync into an empty store', () => {
  let server: TestServer;
  let a: Device;

  beforeAll(async () => {
    server = await startTestServer();
    cleanups.push(() => server.close());
    a = await startDevice({ sampleData: true });
    cleanups.push(() => a.close());
    await joinManual(a, server.url);
    const t = await a.call('tickets.create', { type: 'incident', title: 'Badge reader at the loading dock refuses every card' });
    await a.call('tickets.comment', { id: t.id, body: 'Replaced the reader fuse, still refuses' });
    await a.call('sync.now');
  });

  it('leaves the same store as the page-by-page path: rows, indexes and search', async () => {
    const held = a.rt.store.sqlite.prepare('SELECT count(*) FROM tickets').pluck().get() as number;
    expect(held).toBeGreaterThan(100);
    // Fast: small pages, so the pull has more than one (indexes deferred, next page asked ahead).
    const fast = await startDevice();
    cleanups.push(() => fast.close());
    await joinManual(fast, server.url);
    const fastClient = syncClientFor(fast.rt);
    await fastClient.pullAll(40);
    expect(fastClient.syncStats().indexesBuilt).toBeGreaterThan(20);
    expect(fastClient.syncStats().pages).toBeGreaterThan(5);
    // Page by page, the same small pages, indexes kept up row by row.
    const plain = await startDevice();
    cleanups.push(() => plain.close());
    await joinManual(plain, server.url);
    const plainClient = syncClientFor(plain.rt);
    INITIAL_LOAD.deferIndexes = false;
    try {
      await plainClient.pullAll(40);
    } finally {
      INITIAL_LOAD.deferIndexes = true;
    }
    expect(plainClient.syncStats().indexesBuilt).toBe(0);

    for (const t of TABLES) {
      const f = rows(fast, t);
      expect(f.length, t).toBe(rows(a, t).length);
      expect(f, t).toEqual(rows(plain, t));
    }
    expect(schemaObjects(fast.rt.store.sqlite)).toEqual(schemaObjects(plain.rt.store.sqlite));
    expect(fast.rt.store.sqlite.prepare('SELECT value FROM meta WHERE key = ?').pluck().get(DEFERRED_INDEXES_KEY)).toBeUndefined();
    // Search entries built in one pass at the end: the same words find the same tickets, whole
    // words, prefixes of the word being typed (the title index), numbers and comments.
    for (const text of ['badge reader', 'fuse', 'printer', 'vpn', 'INC', 'badg', 'rea', 'INC000', 'refuses', 'lapt']) expect(await searchIds(fast, text), text).toEqual(await searchIds(plain, text));
    expect(await searchIds(fast, 'badge reader')).toHaveLength(1);
    expect(await searchIds(fast, 'fuse')).toHaveLength(1);
    // The full-text index holds every ticket's words once (comments are in order of writing, the
    // order the page-by-page path keeps only when a ticket arrives after its comments).
    const fts = (d: Device, table: string) => d.rt.store.sqlite.prepare(`SELECT count(*) AS n, sum(length(title)) AS chars FROM ${table}`).get();
    expect(fts(fast, 'tickets_fts')).toEqual(fts(plain, 'tickets_fts'));
    // FTS5 checks each index against its content (it throws on a missing or extra entry).
    for (const table of ['tickets_fts', 'tickets_title_fts', 'assets_search']) expect(() => fast.rt.store.sqlite.prepare(`INSERT INTO ${table} (${table}) VALUES ('integrity-check')`).run(), table).not.toThrow();
    // What a window reads: each queue view's first page (SLA deadlines included), in the same order.
    for (const view of ['all_open', 'unassigned', 'breaching_soon', 'recently_resolved', 'all'] as const) {
      const queue = (d: Device) => d.call('tickets.list', { view }).then((r) => r.items.map((t) => [t.id, t.slaDueAt, t.slaWarnAt, t.slaState, t.priority]));
      expect(await queue(fast), view).toEqual(await queue(plain));
    }
    // The dashboards' figures, all time and over a period.
    const kpis = (d: Device, filter: { from?: string; to?: string }) => d.call('kpis.get', filter).then(({ at: _at, ...figures }) => figures);
    expect(await kpis(fast, {})).toEqual(await kpis(plain, {}));
    const period = { from: '2025-01-01T00:00:00Z', to: '2027-01-01T00:00:00Z' };
    expect(await kpis(fast, period)).toEqual(await kpis(plain, period));
    // Triage suggestions learn from the same tickets and suggest the same.
    await Promise.all([trainTriageModel(fast.rt), trainTriageModel(plain.rt)]);
    for (const title of ['Printer jams on floor 2', 'VPN drops every hour', 'Badge reader refuses cards']) {
      const suggest = (d: Device) => d.call('triage.suggest', { title }).then((r) => ({ category: r.category, group: r.group, similar: r.similar, trainedOn: r.model.trainedOn }));
      expect(await suggest(fast), title).toEqual(await suggest(plain));
    }
    expect(fast.rt.store.sqlite.pragma('integrity_check', { simple: true })).toBe('ok');

    // Afterwards sync goes on as usual: a ticket edited and commented elsewhere is found by its new
    // words (the search triggers are back), and a ticket made here is found at once.
    const edited = (await a.call('tickets.create', { type: 'incident', title: 'Forklift charger trips the breaker' })).id;
    await a.call('sync.now');
    await fastClient.pullAll();
    expect(await searchIds(fast, 'forklift')).toEqual([edited]);
    await a.call('tickets.update', { id: edited, fields: { title: 'Conveyor belt squeaks at the loading dock' } });
    await a.call('tickets.comment', { id: edited, body: 'Greased the rollers' });
    await a.call('sync.now');
    await fastClient.pullAll();
    expect(await searchIds(fast, 'conveyor')).toEqual([edited]);
    expect(await searchIds(fast, 'convey')).toContain(edited);
    expect(await searchIds(fast, 'rollers')).toEqual([edited]);
    expect(await searchIds(fast, 'forklift')).toEqual([]);
    const mine = await fast.call('tickets.create', { type: 'incident', title: 'Zeppelin hangar door jams' });
    expect(await searchIds(fast, 'zeppelin')).toEqual([mine.id]);
    for (const table of ['tickets_fts', 'tickets_title_fts']) expect(() => fast.rt.store.sqlite.prepare(`INSERT INTO ${table} (${table}) VALUES ('integrity-check')`).run(), table).not.toThrow();
  });

  /** A device folder joined to the server with nothing pulled yet, and the schema its store must end with. */
  async function joinedEmptyDevice(): Promise<{ dir: string; expected: ReturnType<typeof schemaObjects> }> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-initial-'));
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const c0 = await startDevice({ dir });
    await joinManual(c0, server.url);
    const expected = schemaObjects(c0.rt.store.sqlite);
    c0.close();
    return { dir, expected };
  }

  it('killed in the middle: the next start builds the indexes before anything uses the store, and the sync finishes', async () => {
    const { dir, expected } = await joinedEmptyDevice();
    // A device in its own process pulling pages of 100, killed after its second page.
    const pages = await new Promise<number>((resolve) => {
      const p = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/testing/fault-device.ts'), dir, server.url, 'pull-slow'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      let n = 0;
      p.stdout!.on('data', (b: Buffer) => {
        n = (b.toString().match(/^page /gm) ?? []).length + n;
        if (n >= 2 && p.exitCode === null) p.kill('SIGKILL');
      });
      p.on('exit', () => resolve(n));
    });
    expect(pages).toBeGreaterThanOrEqual(2);
    // Killed while the registers were being filled without their indexes.
    const raw = new Database(path.join(dir, 'outpost.db'));
    expect(raw.prepare('SELECT value FROM meta WHERE key = ?').pluck().get(DEFERRED_INDEXES_KEY)).toBeDefined();
    expect(raw.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'tickets_open_priority_idx'").pluck().get()).toBe(0);
    // The search entries too: their triggers are out and the indexes wait empty.
    expect(raw.prepare("SELECT count(*) FROM sqlite_master WHERE name IN ('tickets_fts_ai', 'tickets_title_fts_ai', 'ticket_comments_fts_ai')").pluck().get()).toBe(0);
    expect(raw.prepare('SELECT count(*) FROM tickets_fts').pluck().get()).toBe(0);
    const partial = raw.prepare('SELECT count(*) FROM tickets').pluck().get() as number;
    expect(partial).toBeGreaterThan(0);
    raw.close();

    const c = await startDevice({ dir });
    cleanups.push(() => c.close());
    // Built at start, before the first call.
    expect(schemaObjects(c.rt.store.sqlite)).toEqual(expected);
    expect(c.rt.store.sqlite.prepare('SELECT value FROM meta WHERE key = ?').pluck().get(DEFERRED_INDEXES_KEY)).toBeUndefined();
    expect(c.rt.store.sqlite.pragma('integrity_check', { simple: true })).toBe('ok');
    // Every ticket pulled before the kill is found by search again.
    expect(c.rt.store.sqlite.prepare('SELECT count(*) FROM tickets_fts').pluck().get()).toBe(partial);
    expect((await c.call('audit.verify', {})).valid).toBe(true);
    // The sync resumes where the last page left it and finishes (page by page now: the store holds rows).
    await c.call('sync.now');
    const count = (d: Device) => d.rt.store.sqlite.prepare('SELECT count(*) FROM tickets').pluck().get() as number;
    expect(count(c)).toBe(count(a));
    expect(await searchIds(c, 'badge reader')).toEqual(await searchIds(a, 'badge reader'));
    expect(await searchIds(c, 'badge reader')).toHaveLength(1);
    expect(schemaObjects(c.rt.store.sqlite)).toEqual(expected);
    expect(Number(c.rt.store.sqlite.prepare("SELECT value FROM meta WHERE key = 'sync.cursor'").pluck().get())).toBe(await server.store.headSeq());
  });

  it('killed after the indexes were built and before the search entries built beside them were written: the next start writes them', async () => {
    const { dir, expected } = await joinedEmptyDevice();
    // The whole pull in pages of 100, then the build, stopped (and killed) once the indexes are committed.
    const stopped = await new Promise<boolean>((resolve) => {
      const p = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/testing/fault-device.ts'), dir, server.url, 'pull-small'], {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, OUTPOST_TEST: '1', OUTPOST_FAULT_AT: INDEXES_COMMITTED },
      });
      let at = false;
      p.stderr!.on('data', (b: Buffer) => {
        if (b.toString().includes(`fault point ${INDEXES_COMMITTED}`)) {
          at = true;
          p.kill('SIGKILL');
        }
      });
      p.on('exit', () => resolve(at));
    });
    expect(stopped).toBe(true);
    const raw = new Database(path.join(dir, 'outpost.db'));
    const count = (sql: string) => raw.prepare(sql).pluck().get() as number;
    // The indexes are in, the marker still there, the search entries not written and their triggers out.
    expect(raw.prepare('SELECT value FROM meta WHERE key = ?').pluck().get(DEFERRED_INDEXES_KEY)).toBeDefined();
    expect(count("SELECT count(*) FROM sqlite_master WHERE name IN ('tickets_open_priority_idx', 'tickets_kpi_backlog_idx', 'assets_status_idx')")).toBe(3);
    expect(count("SELECT count(*) FROM sqlite_master WHERE name IN ('tickets_fts_ai', 'tickets_title_fts_ai', 'ticket_comments_fts_ai')")).toBe(0);
    expect(count('SELECT count(*) FROM tickets_fts')).toBe(0);
    const tickets = count('SELECT count(*) FROM tickets');
    expect(tickets).toBe(a.rt.store.sqlite.prepare('SELECT count(*) FROM tickets').pluck().get());
    raw.close();

    const c = await startDevice({ dir });
    cleanups.push(() => c.close());
    expect(schemaObjects(c.rt.store.sqlite)).toEqual(expected);
    expect(c.rt.store.sqlite.prepare('SELECT value FROM meta WHERE key = ?').pluck().get(DEFERRED_INDEXES_KEY)).toBeUndefined();
    expect(c.rt.store.sqlite.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(c.rt.store.sqlite.prepare('SELECT count(*) FROM tickets_fts').pluck().get()).toBe(tickets);
    for (const table of ['tickets_fts', 'tickets_title_fts', 'assets_search']) expect(() => c.rt.store.sqlite.prepare(`INSERT INTO ${table} (${table}, rank) VALUES ('integrity-check', 1)`).run(), table).not.toThrow();
    expect(await searchIds(c, 'badge reader')).toEqual(await searchIds(a, 'badge reader'));
    expect(await searchIds(c, 'fuse')).toHaveLength(1);
  });
});
