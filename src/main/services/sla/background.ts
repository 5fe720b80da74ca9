/**
 * Carries an SLA recompute (recompute-job.ts) on in the background: a chunk at a time, each its own
 * short transaction taken when no long job holds the store (the write gate), sized to take about
 * `CHUNK_TARGET_MS` (`ChunkSizer`), with the event loop free between chunks so calls and screens answer meanwhile.
 * Started with the app; a recompute found asked for at start (the app stopped half-way) is finished.
 */
import type Database from 'better-sqlite3';
import { writeGate, writeGateBusy } from '../../db/write-gate';
import { ChunkSizer, setSlaRecomputeCarrier, slaRecomputePending, slaRecomputePhase, slaRecomputeStep } from './recompute-job';

export interface SlaRecomputeRun {
  chunks: number;
  longestChunkMs: number;
  ms: number;
}

export function startSlaRecomputes(
  store: () => Database.Database,
  opts: { onDone: (run: SlaRecomputeRun) => void; onError?: (e: Error) => void; checkEveryMs?: number },
): () => void {
  let running = false;
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  const pause = () => new Promise<void>((r) => setImmediate(r));

  const carry = async () => {
    if (running || stopped) return;
    running = true;
    const run: SlaRecomputeRun = { chunks: 0, longestChunkMs: 0, ms: 0 };
    const sizer = new ChunkSizer();
    const began = performance.now();
    try {
      for (;;) {
        const sqlite = store();
        if (stopped || !sqlite.open) return;
        if (sqlite.inTransaction || writeGateBusy(sqlite)) {
          await new Promise((r) => setTimeout(r, 50));
          continue;
        }
        const phase = slaRecomputePhase(sqlite);
        if (!phase) break;
        const size = sizer.size(phase);
        const t = performance.now();
        const r = await writeGate(sqlite).exclusive(() => (sqlite.open && !sqlite.inTransaction ? slaRecomputeStep(sqlite, size) : undefined));
        if (r === undefined) continue;
        if (r === null) break;
        const ms = performance.now() - t;
        run.chunks++;
        run.longestChunkMs = Math.max(run.longestChunkMs, ms);
        sizer.took(phase, r.read, ms);
        if (r.done && !slaRecomputePending(sqlite)) {
          run.ms = performance.now() - began;
          opts.onDone(run);
          break;
        }
        await pause();
      }
    } catch (e) {
      opts.onError?.(e as Error);
    } finally {
      running = false;
    }
  };

  /** Registers the carrier for the store in use (it changes after a restore) and starts any recompute asked for. */
  const check = () => {
    try {
      const sqlite = store();
      if (!sqlite.open) return;
      // Asked inside the change's transaction: the first chunk waits for it to end.
      setSlaRecomputeCarrier(sqlite, () => void setImmediate(() => void carry()));
      if (!running && slaRecomputePending(sqlite)) void carry();
    } catch {
      // a closing store is looked at again next time
    }
  };
  check();
  const every = opts.checkEveryMs ?? 1_000;
  const tick = () => {
    check();
    timer = setTimeout(tick, every);
    timer.unref();
  };
  timer = setTimeout(tick, every);
  timer.unref();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    timer = null;
    try {
      setSlaRecomputeCarrier(store(), null);
    } catch {
      // closed
    }
  };
}
