/**
 * Worker-thread entry for an import commit: its own better-sqlite3 connection to the same file
 * (WAL), so parsing, planning and the one big transaction never block the main thread. The main
 * thread holds the store's write gate meanwhile (see run.ts), so nothing else there writes.
 * It may be started ahead of time (run.ts keeps one warm): it loads, then waits for one job message.
 * Messages out: progress (throttled), then exactly one of done / failed.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import * as schema from '../../../db/schema';
import type { Store } from '../../../db/open';
import { openConnection } from '../../../db/store-key';
import type { Actor, Ctx } from '../../core/context';
import { AppError } from '../../../../shared/result';
import { commitPrepared, importFile, prepareImport, type ImportInput, type PreparedImport } from './index';
import type { ImportHooks, ImportProgress } from './commit';

export interface WorkerJob {
  dbPath: string;
  /** The store's key, hex (null: a plain store). */
  dbKey: string | null;
  input: ImportInput;
  actor: Actor;
  call: string;
  /** The main runtime's clock minus the wall clock, so an injected clock carries over. */
  clockOffsetMs: number;
  /** Int32 flag set to 1 by the main thread to cancel. */
  cancel: SharedArrayBuffer;
  /** Tests only: fail as if the disk broke once this many rows are written. */
  faultAfterRows?: number;
}

/** The one message a (possibly pre-started) worker waits for. */
export type WorkerRequest = { type: 'job'; job: WorkerJob };

export type WorkerMessage =
  | { type: 'progress'; progress: ImportProgress }
  | { type: 'done'; result: ReturnType<typeof importFile> }
  | { type: 'failed'; error: { code: AppError['code']; message: string; issues?: AppError['issues'] } | { code: 'internal'; message: string; stack?: string } };

function openWorkerStore(file: string, keyHex: string | null): Store {
  const key = keyHex ? Buffer.from(keyHex, 'hex') : null;
  const sqlite = openConnection(file, key);
  // The same pragmas as openStore, without migrating (main did) or a checkpoint timer.
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('cache_size = -65536');
  sqlite.pragma('temp_store = MEMORY');
  // No checkpoint at commit: a large import leaves ~100 MB in the WAL, and copying it into the
  // database at commit would hold up the answer. The worker checkpoints after answering instead.
  sqlite.pragma('wal_autocheckpoint = 0');
  return { sqlite, db: drizzle(sqlite, { schema }), path: file, key, close: () => sqlite.close() };
}

/** A preview's plan, kept for the commit that usually follows it. */
interface KeptPlan {
  job: WorkerJob;
  prepared: PreparedImport;
  /** PRAGMA data_version before planning: any other connection's commit since changes it. */
  dataVersion: number;
}

const dataVersion = (store: Store) => store.sqlite.pragma('data_version', { simple: true }) as number;

/** The kept plan still describes this commit: same file, options and person, and nothing written since. */
function reusable(kept: KeptPlan | null, job: WorkerJob, store: Store): kept is KeptPlan {
  if (!kept || kept.prepared.result.errors.length) return false;
  const a = kept.job;
  const b = job;
  return (
    a.actor.id === b.actor.id &&
    a.actor.role === b.actor.role &&
    a.input.format === b.input.format &&
    a.input.siteId === b.input.siteId &&
    JSON.stringify(a.input.mapping ?? null) === JSON.stringify(b.input.mapping ?? null) &&
    JSON.stringify(a.input.columnFields ?? null) === JSON.stringify(b.input.columnFields ?? null) &&
    a.input.encoding === b.input.encoding &&
    !!a.input.repairMojibake === !!b.input.repairMojibake &&
    JSON.stringify(a.input.statusLabelTypes ?? null) === JSON.stringify(b.input.statusLabelTypes ?? null) &&
    a.input.content === b.input.content &&
    a.input.contentBase64 === b.input.contentBase64 &&
    a.input.filePath === b.input.filePath &&
    dataVersion(store) === kept.dataVersion
  );
}

function run(job: WorkerJob, store: Store, kept: KeptPlan | null, keep: (k: KeptPlan) => void): WorkerMessage {
  const flag = new Int32Array(job.cancel);
  const ctx: Ctx = { store, clock: { now: () => new Date(Date.now() + job.clockOffsetMs) }, actor: job.actor, call: job.call };
  // Progress is posted at most every 50 ms (and at every phase change): enough for a smooth bar.
  let lastAt = 0;
  let lastPhase = '';
  const hooks: ImportHooks = {
    cancelled: () => Atomics.load(flag, 0) === 1,
    progress: (p) => {
      if (job.faultAfterRows !== undefined && p.phase === 'writing' && p.done >= job.faultAfterRows) throw new Error('Injected fault while writing');
      const now = Date.now();
      if (p.phase === lastPhase && now - lastAt < 50 && p.done < p.total) return;
      lastAt = now;
      lastPhase = p.phase;
      parentPort!.postMessage({ type: 'progress', progress: p } satisfies WorkerMessage);
    },
  };
  try {
    if (job.input.dryRun) {
      const before = dataVersion(store);
      const prepared = prepareImport(ctx, job.input, hooks);
      keep({ job, prepared, dataVersion: before });
      return { type: 'done', result: prepared.result };
    }
    // The commit of a file just previewed here, with nothing written since: write the plan as is.
    const result = reusable(kept, job, store) ? commitPrepared(ctx, kept.prepared, hooks) : importFile(ctx, job.input, hooks);
    return { type: 'done', result };
  } catch (e) {
    if (e instanceof AppError) return { type: 'failed', error: { code: e.code, message: e.message, issues: e.issues } };
    return { type: 'failed', error: { code: 'internal', message: e instanceof Error ? e.message : String(e), stack: e instanceof Error ? e.stack : undefined } };
  }
}

if (parentPort && workerData && (workerData as { kind?: string }).kind === 'outpost-import') {
  const port = parentPort;
  let store: Store | null = null;
  let kept: KeptPlan | null = null;
  // Previews keep the thread (and their plan) for the commit; a commit is the thread's last job.
  const onJob = (m: WorkerRequest) => {
    store ??= openWorkerStore(m.job.dbPath, m.job.dbKey);
    const message = run(m.job, store, kept, (k) => (kept = k));
    if (m.job.input.dryRun) {
      port.postMessage(message);
      return;
    }
    port.off('message', onJob);
    kept = null;
    try {
      port.postMessage(message);
      // After answering (the main thread has its store back): move the import's pages from the WAL
      // into the database here, off the main thread. PASSIVE never blocks other connections' writes.
      if (message.type === 'done') store.sqlite.pragma('wal_checkpoint(PASSIVE)');
    } finally {
      // With its one listener gone, the thread ends once the close is done.
      store.close();
    }
  };
  port.on('message', onJob);
}
