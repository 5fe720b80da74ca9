/**
 * Runs an import commit off the main thread: a worker thread with its own connection does the
 * parsing, planning and the single all-or-nothing transaction, while this side holds the store's
 * write gate (so no other main-thread write waits on SQLite's lock), relays progress, and offers
 * cancel. Dry runs write nothing and take no gate (big ones are still planned in a worker).
 *
 * Nothing on the main connection caches what the worker changes: the HLC clock, device_seq and
 * the audit chain head are read from the database inside every write (core/ops.ts, core/audit.ts),
 * and only the device id (which never changes) is cached.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { threadId, Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import type { Ctx } from '../../core/context';
import { requireActor } from '../../core/write';
import { startImportJob } from '../../core/import-job';
import { writeGate } from '../../../db/write-gate';
import { AppError } from '../../../../shared/result';
import type { ImportJobStatus, ImportResult } from '../../../../shared/api/assets';
import { importFile, type ImportInput } from './index';
import type { WorkerJob, WorkerMessage, WorkerRequest } from './worker';
import type { ImportProgress } from './commit';

interface Job {
  status: ImportJobStatus;
  cancel: Int32Array;
}

/** The running (or last finished) import per store, for the status poll and cancel. */
const jobs = new WeakMap<Database.Database, Job>();

export interface RunImportOptions {
  /** Called on every progress step and at the end (the transport's event channel). */
  onStatus?(status: ImportJobStatus): void;
  /** Tests only: make the worker fail after this many rows are written. */
  faultAfterRows?: number;
}

export function importStatus(sqlite: Database.Database): ImportJobStatus | null {
  const j = jobs.get(sqlite);
  return j ? { ...j.status } : null;
}

/** Asks the running import to stop; it rolls back everything. Returns its status (null if none runs). */
export function cancelImport(ctx: Ctx, id?: string): ImportJobStatus | null {
  const actor = requireActor(ctx);
  const j = jobs.get(ctx.store.sqlite);
  if (!j || j.status.state !== 'running' || (id && j.status.id !== id)) return null;
  if (j.status.byId !== actor.id && actor.role !== 'admin') throw new AppError('forbidden', 'Only the person who started this import (or an administrator) can cancel it.');
  Atomics.store(j.cancel, 0, 1);
  j.status.cancelRequested = true;
  return { ...j.status };
}

/**
 * workerPreviewBytes: previews of files below this size run on the main thread (a worker's
 * start-up would cost more); bigger ones are planned in a worker that keeps the plan for the
 * commit. Tests shrink it to reach the worker path with small files.
 */
export const IMPORT_TUNING = { workerPreviewBytes: 2 * 1024 * 1024 };

export function runImport(ctx: Ctx, input: ImportInput, opts: RunImportOptions = {}): ImportResult | Promise<ImportResult> {
  const actor = requireActor(ctx);
  if (input.dryRun) {
    // A preview writes nothing, so it needs no gate; a big file is still planned off the main
    // thread so other users' calls keep answering meanwhile.
    const size = (input.content?.length ?? 0) + (input.contentBase64?.length ?? 0) + (input.filePath ? fs.statSync(input.filePath).size : 0);
    if (size < IMPORT_TUNING.workerPreviewBytes) {
      // The commit usually follows a preview: have its worker ready.
      prewarmImportWorker(ctx);
      return importFile(ctx, input);
    }
    // Planned in a worker that then stays up, holding the plan, for the commit (see worker.ts). Its
    // reading and checking are reported on the event channel (a large file takes a while), but it
    // is not the job importStatus and importCancel name: those are the commit's.
    const preview = opts.onStatus ? startImportJob(ctx, input.format, actor.id, opts.onStatus) : null;
    const planned = inWorkerOrHere(ctx, input, new Int32Array(new SharedArrayBuffer(4)), undefined, preview ? preview.progress : () => undefined);
    if (!preview) return planned;
    return planned.then(
      (result) => {
        preview.finish('done', null);
        return result;
      },
      (e: unknown) => {
        preview.finish('failed', e instanceof AppError ? e.message : 'The file could not be read.');
        throw e;
      },
    );
  }
  const sqlite = ctx.store.sqlite;
  return writeGate(sqlite).hold(async () => {
    const cancel = new Int32Array(new SharedArrayBuffer(4));
    const job = startImportJob(ctx, input.format, actor.id, opts.onStatus);
    const { status, finish } = job;
    jobs.set(sqlite, { status, cancel });
    try {
      const result = await inWorkerOrHere(ctx, input, cancel, opts.faultAfterRows, job.progress);
      if (result.errors.length) finish('failed', `${result.errors.length} row error(s); nothing was written.`);
      else finish('done', null);
      return result;
    } catch (e) {
      const cancelled = Atomics.load(cancel, 0) === 1 && e instanceof AppError && e.code === 'conflict';
      finish(cancelled ? 'cancelled' : 'failed', e instanceof AppError ? e.message : 'The import failed; nothing was written.');
      throw e;
    }
  });
}

function inWorkerOrHere(ctx: Ctx, input: ImportInput, cancel: Int32Array, faultAfterRows: number | undefined, onProgress: (p: ImportProgress) => void): Promise<ImportResult> {
  const file = ctx.store.path;
  if (!file || file === ':memory:') {
    // An in-memory store has no file a second connection could open: commit here (blocking).
    return Promise.resolve(importFile(ctx, input, { progress: onProgress, cancelled: () => Atomics.load(cancel, 0) === 1 }));
  }
  const job: WorkerJob = {
    dbPath: file,
    dbKey: ctx.store.key ? ctx.store.key.toString('hex') : null,
    input,
    actor: ctx.actor!,
    call: ctx.call ?? 'assets.import',
    clockOffsetMs: ctx.clock.now().getTime() - Date.now(),
    cancel: cancel.buffer as SharedArrayBuffer,
    faultAfterRows,
  };
  return takeWorker(file).then((worker) => {
    const settled = settleWorker(worker, onProgress);
    worker.postMessage({ type: 'job', job } satisfies WorkerRequest);
    // After a preview the worker waits for the commit: it becomes the warm one.
    if (input.dryRun) void settled.then(() => keepWarm(file, Promise.resolve(worker)), () => keepWarm(file, Promise.resolve(worker)));
    return settled;
  });
}

// ---------------------------------------------------------------------------------------------
// A warm worker: starting one (loading the import code into a new thread) takes about half a
// second, so the import wizard starts one when a file is inspected or previewed, and the commit
// that follows takes it. An unused warm worker is stopped after WARM_FOR_MS; one per store file.

const WARM_FOR_MS = 120_000;

interface Warm {
  worker: Promise<Worker>;
  alive: boolean;
  timer: NodeJS.Timeout;
}

const warm = new Map<string, Warm>();

/** Starts a worker for the next import of this store, unless one is already waiting. */
export function prewarmImportWorker(ctx: Ctx): void {
  const file = ctx.store.path;
  if (!file || file === ':memory:') return;
  const have = warm.get(file);
  if (have?.alive) {
    have.timer.refresh();
    return;
  }
  keepWarm(file, startWorker({ kind: 'outpost-import' }));
}

/** Makes `worker` the one waiting for this store's next import (stopping any other). */
function keepWarm(file: string, worker: Promise<Worker>): void {
  const before = warm.get(file);
  if (before) {
    warm.delete(file);
    clearTimeout(before.timer);
    void before.worker.then((w) => w.terminate(), () => undefined);
  }
  const entry: Warm = {
    worker,
    alive: true,
    timer: setTimeout(() => {
      if (warm.get(file) === entry) warm.delete(file);
      void entry.worker.then((w) => w.terminate(), () => undefined);
    }, WARM_FOR_MS),
  };
  entry.timer.unref();
  warm.set(file, entry);
  const dead = () => {
    entry.alive = false;
    if (warm.get(file) === entry) warm.delete(file);
  };
  entry.worker.then((w) => {
    // A waiting worker must not keep the process alive; the import that takes it refs it again.
    w.unref();
    w.once('exit', dead);
    w.once('error', dead);
  }, dead);
}

/** The warm worker for this store if one is up, else a new one. */
async function takeWorker(file: string): Promise<Worker> {
  const have = warm.get(file);
  if (have) {
    warm.delete(file);
    clearTimeout(have.timer);
    const w = await have.worker.catch(() => null);
    // threadId is -1 once a worker has stopped (even if its exit went unnoticed).
    if (w && have.alive && w.threadId >= 0) {
      w.ref();
      return w;
    }
  }
  return startWorker({ kind: 'outpost-import' });
}

function settleWorker(worker: Worker, onProgress: (p: ImportProgress) => void): Promise<ImportResult> {
  return new Promise<ImportResult>((resolve, reject) => {
    // A worker may run a preview and then a commit: each job's listeners go when it settles.
    const settle = (fn: () => void) => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
      fn();
    };
    const onMessage = (m: WorkerMessage) => {
      if (m.type === 'progress') onProgress(m.progress);
      else if (m.type === 'done') settle(() => resolve(m.result));
      else if (m.error.code === 'internal') {
        const err = new Error(m.error.message);
        if ('stack' in m.error && m.error.stack) err.stack = m.error.stack;
        settle(() => reject(err));
      } else {
        const err = new AppError(m.error.code, m.error.message, 'issues' in m.error ? m.error.issues : undefined);
        settle(() => reject(err));
      }
    };
    const onError = (e: Error) => settle(() => reject(e));
    const onExit = (code: number) => settle(() => reject(new Error(`The import worker stopped (exit code ${code}) before answering.`)));
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
  });
}

/**
 * The worker file: the Electron bundle ships it as import-worker.cjs beside main.cjs (import.meta.url
 * is the bundle's there). Run from source (browser host, tests, benchmarks), worker.ts is bundled
 * the same way with esbuild once per process, which starts a worker in about a third of the time
 * that loading the sources through tsx's hooks takes; if esbuild is missing, tsx's hooks are used.
 */
async function startWorker(workerData: unknown): Promise<Worker> {
  const bundled = fileURLToPath(new URL('./import-worker.cjs', import.meta.url));
  // Packaged, the bundle sits inside app.asar; electron-builder.yml unpacks the worker beside it,
  // because a worker thread loads its file with plain Node file access, which cannot read an archive.
  const unpacked = bundled.replace(/([\\/])app\.asar([\\/])/, '$1app.asar.unpacked$2');
  if (unpacked !== bundled && fs.existsSync(unpacked)) return new Worker(unpacked, { workerData });
  if (fs.existsSync(bundled)) return new Worker(bundled, { workerData });
  const built = await sourceBundle();
  if (built) return new Worker(built, { workerData });
  const source = new URL('./worker.ts', import.meta.url);
  const tsxApi = pathToFileURL(createRequire(import.meta.url).resolve('tsx').replace(/loader\.mjs$/, 'esm/api/index.mjs')).href;
  const boot = `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(source.href)}); });`;
  return new Worker(boot, { eval: true, workerData, execArgv: [] });
}

let sourceBuild: Promise<string | null> | null = null;

/**
 * Makes sure the worker's file is ready without starting a worker: a no-op where the bundle ships
 * (the app), the one-off esbuild bundling when run from source. Benchmarks call it so a cold
 * import is timed as the installed app runs it.
 */
export async function prepareImportWorker(): Promise<void> {
  if (!fs.existsSync(fileURLToPath(new URL('./import-worker.cjs', import.meta.url)))) await sourceBundle();
}

/**
 * Bundles worker.ts (from source only) into node_modules/.cache, where better-sqlite3 resolves.
 * The file is named by its content's hash, so processes share it, a changed source gets a new
 * one, and nothing needs removing at exit; bundles of older sources are pruned after a day.
 */
function sourceBundle(): Promise<string | null> {
  sourceBuild ??= (async () => {
    const require = createRequire(import.meta.url);
    let esbuild: typeof import('esbuild');
    try {
      esbuild = require('esbuild') as typeof import('esbuild');
    } catch {
      return null;
    }
    const entry = fileURLToPath(new URL('./worker.ts', import.meta.url));
    const root = path.resolve(path.dirname(entry), '../../../../..');
    const dir = path.join(root, 'node_modules', '.cache', 'outpost');
    const built = await esbuild.build({
      entryPoints: [entry],
      outfile: path.join(dir, 'import-worker.cjs'),
      write: false,
      bundle: true,
      format: 'cjs',
      platform: 'node',
      target: 'node20',
      external: ['electron', 'better-sqlite3', 'better-sqlite3-multiple-ciphers'],
      define: { 'import.meta.url': '__outpostImportMetaUrl' },
      banner: { js: "const __outpostImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
      logLevel: 'error',
    });
    const code = built.outputFiles[0]!.contents;
    const name = `import-worker-${createHash('sha256').update(code).digest('hex').slice(0, 16)}.cjs`;
    const outfile = path.join(dir, name);
    if (!fs.existsSync(outfile)) {
      fs.mkdirSync(dir, { recursive: true });
      // Written aside, then renamed: another process starting the same bundle never reads half a file.
      const tmp = `${outfile}.${process.pid}-${threadId}.tmp`;
      fs.writeFileSync(tmp, code);
      fs.renameSync(tmp, outfile);
    }
    for (const f of fs.readdirSync(dir)) {
      const old = path.join(dir, f);
      try {
        if (f !== name && f.startsWith('import-worker-') && Date.now() - fs.statSync(old).mtimeMs > 86_400_000) fs.rmSync(old, { force: true });
      } catch {
        // Another process pruned it first.
      }
    }
    return outfile;
  })().catch(() => null);
  return sourceBuild;
}
