/**
 * The import commit in a worker thread, through the real dispatch wrapper: progress, cancel,
 * failure mid-commit, the write gate, and that ops and the audit trail are still recorded.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { countRows, makeWorld, type World } from '../../../testing';
import { dispatch, dispatchAsync, type Runtime } from '../../../api/dispatch';
import { createLogger } from '../../../log';
import { createSession } from '../../auth/sessions';
import { verifyChain } from '../../core/audit';
import { writeGate } from '../../../db/write-gate';
import { storeCipherOf } from '../../../db/store-key';
import type { AppEvent } from '../../../../shared/api';
import type { ImportJobStatus } from '../../../../shared/api/assets';
import type { Result } from '../../../../shared/result';
import { importFile } from './index';
import { IMPORT_TUNING, prewarmImportWorker, runImport } from './run';
import { BULK_INDEX_FROM } from './commit';
import { listAssets } from '../list';
import { updateAsset } from '../assets';

let w: World;
let rt: Runtime;
let token: string;
let events: AppEvent[];
let onEvent: ((e: AppEvent) => void) | null;

beforeEach(() => {
  w = makeWorld();
  events = [];
  onEvent = null;
  rt = {
    store: w.store,
    clock: w.clock,
    log: createLogger({ level: 'silent' }),
    emit: (e) => {
      events.push(e);
      onEvent?.(e);
    },
  };
  token = createSession(w.ctx(w.admin), w.admin.id).token;
});
afterEach(() => w.dispose());

function csv(n: number, prefix = 'RUN'): string {
  const head = 'Asset Tag,Name,Category,Manufacturer,Model,Serial,Status,Location,Purchase Date,Purchase Cost';
  const rows = Array.from({ length: n }, (_, i) => `${prefix}-${String(i).padStart(6, '0')},Laptop ${i},Laptops,Dell,Latitude ${i % 7},SN${i},Ready to Deploy,Building ${i % 5},3/${(i % 28) + 1}/2024,${(i % 900) + 100}.50`);
  return [head, ...rows].join('\r\n') + '\r\n';
}

const TABLES = ['assets', 'locations', 'users', 'asset_history', 'pending_ops', 'audit_events'] as const;
const footprint = () => Object.fromEntries(TABLES.map((t) => [t, countRows(w.store, t)])) as Record<(typeof TABLES)[number], number>;
const seq = () => w.store.sqlite.prepare("SELECT value FROM meta WHERE key = 'device_seq'").pluck().get() as string | undefined;
const progress = () => events.filter((e): e is Extract<AppEvent, { type: 'import.progress' }> => e.type === 'import.progress').map((e) => e.job);

/** Resolves with the first progress status that matches. */
function when(pred: (j: ImportJobStatus) => boolean): Promise<ImportJobStatus> {
  return new Promise((resolve) => {
    onEvent = (e) => {
      if (e.type === 'import.progress' && pred(e.job)) {
        onEvent = null;
        resolve(e.job);
      }
    };
  });
}

const PHASES = ['reading', 'checking', 'writing', 'finishing'];

describe('assets.import commit in a worker', () => {
  it('writes into an encrypted store through its own keyed connection', async () => {
    w.dispose();
    w = makeWorld({ key: crypto.randomBytes(32) });
    rt = { ...rt, store: w.store };
    token = createSession(w.ctx(w.admin), w.admin.id).token;
    const r = (await dispatchAsync(rt, 'assets.import', { format: 'snipe-it-assets', content: csv(600, 'ENC') }, token)) as Result<{ created: number }>;
    expect(r).toMatchObject({ ok: true, value: { created: 600 } });
    expect(countRows(w.store, 'assets')).toBeGreaterThanOrEqual(600);
    expect(verifyChain(w.store.sqlite).valid).toBe(true);
    expect(fs.readFileSync(w.store.path).includes('ENC-000007')).toBe(false);
  });

  it('writes into a store kept in SQLCipher 4 through its own connection, keyed the same way', async () => {
    w.dispose();
    const key = crypto.randomBytes(32);
    w = makeWorld({ key, cipher: 'sqlcipher-4' });
    rt = { ...rt, store: w.store };
    token = createSession(w.ctx(w.admin), w.admin.id).token;
    const r = (await dispatchAsync(rt, 'assets.import', { format: 'snipe-it-assets', content: csv(300, 'SQC') }, token)) as Result<{ created: number }>;
    expect(r).toMatchObject({ ok: true, value: { created: 300 } });
    expect(countRows(w.store, 'assets')).toBeGreaterThanOrEqual(300);
    expect(verifyChain(w.store.sqlite).valid).toBe(true);
    expect(storeCipherOf(w.store.path, key)).toBe('sqlcipher-4');
    expect(fs.readFileSync(w.store.path).includes('SQC-000007')).toBe(false);
  });

  it('reports progress in order up to the total, then records every asset with its op and its audit event', async () => {
    const n = 3000;
    const before = footprint();
    const r = (await dispatchAsync(rt, 'assets.import', { format: 'snipe-it-assets', content: csv(n) }, token)) as Result<{ created: number; updated: number; errors: unknown[] }>;
    expect(r).toMatchObject({ ok: true, value: { created: n, updated: 0, errors: [] } });

    const jobs = progress();
    expect(new Set(jobs.map((j) => j.id)).size).toBe(1);
    // Phases never go back; within a phase rows done never go back and never pass the total.
    for (let i = 1; i < jobs.length; i++) {
      const a = jobs[i - 1]!;
      const b = jobs[i]!;
      const pa = PHASES.indexOf(a.phase);
      const pb = PHASES.indexOf(b.phase);
      expect(pb).toBeGreaterThanOrEqual(pa);
      if (pa === pb) expect(b.done).toBeGreaterThanOrEqual(a.done);
      expect(b.done).toBeLessThanOrEqual(Math.max(b.total, 0));
    }
    expect(jobs.some((j) => j.phase === 'writing' && j.done === n && j.total === n)).toBe(true);
    const last = jobs[jobs.length - 1]!;
    expect(last).toMatchObject({ state: 'done', phase: 'finishing', done: n, total: n });
    expect(dispatch(rt, 'assets.importStatus', {}, token)).toMatchObject({ ok: true, value: { job: { id: last.id, state: 'done' } } });

    // Every asset syncs: one create op each, gapless sequence; an audit event per record written, one for the file.
    const after = footprint();
    expect(after.assets - before.assets).toBe(n);
    expect(w.store.sqlite.prepare("SELECT count(*) FROM pending_ops WHERE entity = 'assets' AND kind = 'create'").pluck().get()).toBe(n);
    const seqs = w.store.sqlite.prepare('SELECT device_seq FROM pending_ops ORDER BY device_seq').pluck().all() as number[];
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    expect(Number(seq())).toBe(seqs.length);
    expect(after.audit_events - before.audit_events).toBe(after.pending_ops - before.pending_ops + 1);
    expect(w.store.sqlite.prepare("SELECT count(*) FROM audit_events WHERE call = 'assets.import' AND record_type = 'asset' AND before IS NULL").pluck().get()).toBe(n);
    const audit = w.store.sqlite.prepare("SELECT call, record_type AS recordType, after FROM audit_events ORDER BY seq DESC LIMIT 1").get() as { call: string; recordType: string; after: string };
    expect(audit).toMatchObject({ call: 'assets.import', recordType: 'import' });
    expect(JSON.parse(audit.after)).toMatchObject({ format: 'snipe-it-assets', created: n, rows: n });
    expect(verifyChain(w.store.sqlite).valid).toBe(true);
    // Compact field clocks, and the rows are listed through the normal API.
    expect(JSON.parse(w.store.sqlite.prepare("SELECT field_hlc FROM assets WHERE tag = 'RUN-000007'").pluck().get() as string)).toEqual({ '*': expect.stringMatching(/@/) });
    const list = dispatch(rt, 'assets.list', { limit: 5, withTotal: true }, token) as Result<{ items: { tag: string }[]; total: number }>;
    expect(list).toMatchObject({ ok: true, value: { total: n } });

    // The main connection carries on from the worker's clock, sequence and chain head.
    const loc = (await dispatchAsync(rt, 'locations.create', { name: 'After import', kind: 'room' }, token)) as Result<{ id: string }>;
    expect(loc.ok).toBe(true);
    const tail = w.store.sqlite.prepare('SELECT device_seq, hlc FROM pending_ops ORDER BY device_seq DESC LIMIT 2').all() as { device_seq: number; hlc: string }[];
    expect(tail[0]!.device_seq).toBe(tail[1]!.device_seq + 1);
    expect(tail[0]!.hlc > tail[1]!.hlc).toBe(true);
    expect(verifyChain(w.store.sqlite).valid).toBe(true);
  });

  it('a write issued during the import waits for it, then succeeds; reads keep answering from committed data', async () => {
    const n = 4000;
    const order: string[] = [];
    const writing = when((j) => j.phase === 'writing');
    const imp = dispatchAsync(rt, 'assets.import', { format: 'snipe-it-assets', content: csv(n) }, token).then((r) => {
      order.push('import');
      return r;
    });
    await writing;
    expect(writeGate(w.store.sqlite).busy()).toBe(true);
    // A read answers at once (synchronously) and does not see the uncommitted rows.
    expect(dispatch(rt, 'assets.list', { limit: 1, withTotal: true }, token)).toMatchObject({ ok: true, value: { total: 0 } });
    // A change is queued behind the import instead of blocking on SQLite's lock.
    const edit = dispatchAsync(rt, 'locations.create', { name: 'Queued room', kind: 'room' }, token).then((r) => {
      order.push('edit');
      return r;
    });
    const [ri, re] = await Promise.all([imp, edit]);
    expect(order).toEqual(['import', 'edit']);
    expect(ri).toMatchObject({ ok: true, value: { created: n } });
    expect(re).toMatchObject({ ok: true, value: { name: 'Queued room' } });
    expect(writeGate(w.store.sqlite).busy()).toBe(false);
    const seqs = w.store.sqlite.prepare('SELECT device_seq FROM pending_ops ORDER BY device_seq').pluck().all() as number[];
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
  });

  it('cancel rolls everything back', async () => {
    const before = footprint();
    const seqBefore = seq();
    const writing = when((j) => j.phase === 'writing');
    const imp = dispatchAsync(rt, 'assets.import', { format: 'snipe-it-assets', content: csv(6000) }, token);
    const job = await writing;
    expect(dispatch(rt, 'assets.importCancel', { id: job.id }, token)).toMatchObject({ ok: true, value: { job: { id: job.id, cancelRequested: true } } });
    const r = await imp;
    expect(r).toMatchObject({ ok: false, error: { code: 'conflict', message: expect.stringMatching(/cancelled/) } });
    expect(footprint()).toEqual(before);
    expect(seq()).toBe(seqBefore);
    expect(progress().at(-1)).toMatchObject({ id: job.id, state: 'cancelled' });
    // The gate is free again: the next change goes straight through.
    expect(dispatch(rt, 'locations.create', { name: 'Next', kind: 'room' }, token)).toMatchObject({ ok: true });
  });

  it('a failure in the middle of the commit writes nothing', async () => {
    const before = footprint();
    const seqBefore = seq();
    await expect(runImport(w.ctx(w.admin, 'assets.import'), { format: 'snipe-it-assets', content: csv(2500), dryRun: false }, { faultAfterRows: 1000 })).rejects.toThrow(/Injected fault/);
    expect(footprint()).toEqual(before);
    expect(seq()).toBe(seqBefore);
    expect(writeGate(w.store.sqlite).busy()).toBe(false);
    // The same failure on the main thread (the service without a worker) also rolls back.
    expect(() =>
      importFile(w.ctx(w.admin, 'assets.import'), { format: 'snipe-it-assets', content: csv(2500), dryRun: false }, {
        progress: (p) => {
          if (p.phase === 'writing' && p.done >= 2000) throw new Error('disk full');
        },
      }),
    ).toThrow('disk full');
    expect(footprint()).toEqual(before);
  });

  it('a file with row errors answers with them and writes nothing', async () => {
    const before = footprint();
    const bad = csv(10).replace('3/5/2024', '31/31/2024');
    const r = (await dispatchAsync(rt, 'assets.import', { format: 'snipe-it-assets', content: bad }, token)) as Result<{ created: number; errors: { row: number; column: string }[] }>;
    expect(r).toMatchObject({ ok: true, value: { created: 0, errors: [{ row: 5, column: 'Purchase Date' }] } });
    expect(footprint()).toEqual(before);
  });

  it('a commit after a preview takes the worker the preview started, and a second import gets a fresh one', async () => {
    const ctx = w.ctx(w.admin, 'assets.import');
    prewarmImportWorker(ctx);
    prewarmImportWorker(ctx);
    const preview = await runImport(ctx, { format: 'snipe-it-assets', content: csv(20), dryRun: true });
    expect(preview).toMatchObject({ created: 20, errors: [] });
    expect(countRows(w.store, 'assets')).toBe(0);
    expect(await runImport(ctx, { format: 'snipe-it-assets', content: csv(20), dryRun: false })).toMatchObject({ created: 20 });
    expect(await runImport(ctx, { format: 'snipe-it-assets', content: csv(5, 'TWO'), dryRun: false })).toMatchObject({ created: 5 });
    expect(countRows(w.store, 'assets')).toBe(25);
  });

  describe('a commit after a preview of a large file', () => {
    const tuning = { ...IMPORT_TUNING };
    beforeEach(() => (IMPORT_TUNING.workerPreviewBytes = 1));
    afterEach(() => Object.assign(IMPORT_TUNING, tuning));
    const phases = (from: number) => [...new Set(progress().slice(from).map((j) => j.phase))];

    it('writes the plan the preview made when nothing changed since, without reading the file again', async () => {
      const ctx = w.ctx(w.admin, 'assets.import');
      const file = csv(300);
      expect(await runImport(ctx, { format: 'snipe-it-assets', content: file, dryRun: true })).toMatchObject({ created: 300, errors: [] });
      const from = progress().length;
      const r = await runImport(ctx, { format: 'snipe-it-assets', content: file, dryRun: false }, { onStatus: (job) => rt.emit({ type: 'import.progress', job }) });
      expect(r).toMatchObject({ created: 300, dryRun: false, errors: [] });
      expect(phases(from)).not.toContain('checking');
      expect(countRows(w.store, 'assets')).toBe(300);
      expect(verifyChain(w.store.sqlite)).toMatchObject({ valid: true });
    });

    it('plans again when anything was written after the preview, so the commit matches the register', async () => {
      const ctx = w.ctx(w.admin, 'assets.import');
      const file = csv(300);
      await runImport(ctx, { format: 'snipe-it-assets', content: file, dryRun: true });
      // Someone creates one of the file's tags meanwhile: the file must now update it, not create it.
      expect(dispatch(rt, 'assets.create', { tag: 'RUN-000007', name: 'Made by hand', type: 'laptop' }, token)).toMatchObject({ ok: true });
      const from = progress().length;
      const r = await runImport(ctx, { format: 'snipe-it-assets', content: file, dryRun: false }, { onStatus: (job) => rt.emit({ type: 'import.progress', job }) });
      expect(r).toMatchObject({ created: 299, updated: 1, errors: [] });
      expect(phases(from)).toContain('checking');
      expect(countRows(w.store, 'assets')).toBe(300);
    });

    it('plans again for a different file or person', async () => {
      const ctx = w.ctx(w.admin, 'assets.import');
      await runImport(ctx, { format: 'snipe-it-assets', content: csv(300), dryRun: true });
      const r = await runImport(ctx, { format: 'snipe-it-assets', content: csv(200, 'OTHER'), dryRun: false });
      expect(r).toMatchObject({ created: 200 });
      expect(w.store.sqlite.prepare("SELECT count(*) FROM assets WHERE tag LIKE 'RUN-%'").pluck().get()).toBe(0);
    });
  });

  describe('a large import (search entries and indexes built in bulk)', () => {
    /** The register's indexes and triggers as SQLite stores them. */
    const schema = () => w.store.sqlite.prepare("SELECT type, name, sql FROM sqlite_master WHERE tbl_name IN ('assets', 'assets_search') ORDER BY name").all();
    const ftsCheck = () => w.store.sqlite.prepare("INSERT INTO assets_search (assets_search, rank) VALUES ('integrity-check', 1)").run();
    const rows = BULK_INDEX_FROM + 200;

    it('leaves the same indexes and triggers, a consistent search index, and every list route answering', async () => {
      const before = schema();
      const r = await runImport(w.ctx(w.admin, 'assets.import'), { format: 'snipe-it-assets', content: csv(rows), dryRun: false });
      expect(r).toMatchObject({ created: rows, errors: [] });
      expect(schema()).toEqual(before);
      expect(w.store.sqlite.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(() => ftsCheck()).not.toThrow();
      const ctx = w.ctx(w.admin);
      // Search reaches a row from the middle of the file, by tag part, model and serial.
      expect(listAssets(ctx, { filter: { text: 'RUN-003217' }, sort: 'tag', limit: 10 }).items.map((a) => a.tag)).toEqual(['RUN-003217']);
      expect(listAssets(ctx, { filter: { text: 'SN5107' }, sort: 'tag', limit: 10 }).items.map((a) => a.tag)).toEqual(['RUN-005107']);
      const building = w.store.sqlite.prepare("SELECT id FROM locations WHERE name = 'Building 3'").pluck().get() as string;
      const inBuilding = listAssets(ctx, { filter: { locationId: building }, sort: 'name', limit: 5000, withTotal: true });
      expect(inBuilding.total).toBe(rows / 5);
      expect(listAssets(ctx, { filter: { status: ['in_stock'] }, sort: 'warranty', limit: 1, withTotal: true }).total).toBe(rows);
      // The trigger is back: a later rename is searchable, the old name is not.
      const id = listAssets(ctx, { filter: { text: 'RUN-000042' }, sort: 'tag', limit: 1 }).items[0]!.id;
      updateAsset(ctx, id, { name: 'Boardroom projector' });
      expect(listAssets(ctx, { filter: { text: 'boardroom' }, sort: 'tag', limit: 10 }).items.map((a) => a.id)).toEqual([id]);
      expect(() => ftsCheck()).not.toThrow();
    });

    it('a failure while the indexes are down, or after they are rebuilt, writes nothing and keeps the schema', async () => {
      const before = schema();
      const counts = footprint();
      // 1000: among the inserts, indexes and trigger dropped; rows: after the rebuild, before the commit.
      for (const faultAfterRows of [1000, rows]) {
        await expect(runImport(w.ctx(w.admin, 'assets.import'), { format: 'snipe-it-assets', content: csv(rows), dryRun: false }, { faultAfterRows })).rejects.toThrow(/Injected fault/);
        expect(schema()).toEqual(before);
        expect(footprint()).toEqual(counts);
        expect(() => ftsCheck()).not.toThrow();
      }
      // A small import afterwards still indexes its rows through the trigger.
      await runImport(w.ctx(w.admin, 'assets.import'), { format: 'snipe-it-assets', content: csv(3, 'SML'), dryRun: false });
      expect(listAssets(w.ctx(w.admin), { filter: { text: 'SML-000001' }, sort: 'tag', limit: 10 }).items).toHaveLength(1);
    });
  });
});
