/**
 * What held the device's event loop during a benchmark: a timer every 5 ms notes each turn that
 * came late (a stall), and the store's connection is wrapped to time every transaction (its COMMIT
 * apart) and every checkpoint run on the main thread; checkpoints the store's checkpoint worker ran
 * are reported by it. `report()` names the longest stalls and what overlapped them. Benchmarks only.
 */
import type Database from 'better-sqlite3';
import type { Store } from '../src/main/db/open';
import { checkpointsOf } from '../src/main/db/checkpointer';

interface Span {
  kind: 'transaction' | 'checkpoint' | 'worker-checkpoint';
  start: number;
  ms: number;
  /** For a transaction: the time its COMMIT took (an inline checkpoint shows up here). */
  commitMs?: number;
  /** For a checkpoint: the log's pages and how many were copied back. */
  log?: number;
  copied?: number;
}

interface Stall {
  start: number;
  ms: number;
  /** CPU the process used meanwhile (all its threads): far below `ms`, the loop was waiting, not working. */
  cpuMs: number;
}

const TICK_MS = 5;
/** Late turns shorter than this are not worth naming. */
const NOTE_MS = 25;

export interface StallTrace {
  /** The longest stalls (longest first), each with what overlapped it. */
  report(top?: number): { stallMs: number; cpuMs: number; atMs: number; during: string[] }[];
  /** Where checkpoints ran; counts: stalls over 60 ms, checkpoints on each thread and their longest, COMMITs over 50 ms and the longest. */
  summary(): Record<string, number | string>;
  stop(): void;
}

export function traceStalls(store: Store): StallTrace {
  const t0 = performance.now();
  const spans: Span[] = [];
  const stalls: Stall[] = [];
  const sqlite = store.sqlite as Database.Database & Record<string, unknown>;
  const pragma = sqlite.pragma.bind(sqlite);
  const transaction = sqlite.transaction.bind(sqlite);
  sqlite.pragma = ((source: string, options?: Database.PragmaOptions) => {
    if (!/checkpoint\s*\(/i.test(source)) return pragma(source, options);
    const start = performance.now();
    const out = pragma(source, options) as { busy: number; log: number; checkpointed: number }[];
    spans.push({ kind: 'checkpoint', start, ms: performance.now() - start, log: out[0]?.log, copied: out[0]?.checkpointed });
    return out;
  }) as typeof sqlite.pragma;
  sqlite.transaction = ((fn: (...a: unknown[]) => unknown) => {
    let bodyEnd = 0;
    const inner = transaction((...a: unknown[]) => {
      const r = fn(...a);
      bodyEnd = performance.now();
      return r;
    });
    const wrap = (run: (...a: unknown[]) => unknown) => (...a: unknown[]) => {
      const start = performance.now();
      try {
        return run(...a);
      } finally {
        const end = performance.now();
        spans.push({ kind: 'transaction', start, ms: end - start, commitMs: bodyEnd >= start ? end - bodyEnd : undefined });
      }
    };
    return Object.assign(wrap(inner), { deferred: wrap(inner.deferred), immediate: wrap(inner.immediate), exclusive: wrap(inner.exclusive), default: wrap(inner.default) });
  }) as typeof sqlite.transaction;
  const where = checkpointsOf(store.sqlite)?.where() ?? 'none';
  const stopWorkerTrace = where !== 'worker' ? undefined : checkpointsOf(store.sqlite)?.trace((c) => spans.push({ kind: 'worker-checkpoint', start: c.startedAt - performance.timeOrigin, ms: c.ms, log: c.log, copied: c.copied }));
  const cpu = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  let last = performance.now();
  let lastCpu = cpu();
  const timer = setInterval(() => {
    const now = performance.now();
    const nowCpu = cpu();
    const late = now - last - TICK_MS;
    if (late >= NOTE_MS) stalls.push({ start: last + TICK_MS, ms: late, cpuMs: nowCpu - lastCpu });
    last = now;
    lastCpu = nowCpu;
  }, TICK_MS);
  const fmt = (s: Span) => {
    const at = `${(s.start - t0).toFixed(0)} ms`;
    if (s.kind === 'transaction') return `transaction at ${at}: ${s.ms.toFixed(1)} ms (COMMIT ${s.commitMs?.toFixed(1) ?? '?'} ms)`;
    return `${s.kind} at ${at}: ${s.ms.toFixed(1)} ms (${s.copied ?? '?'} of ${s.log ?? '?'} log pages copied)`;
  };
  return {
    report(top = 3) {
      return [...stalls]
        .sort((a, b) => b.ms - a.ms)
        .slice(0, top)
        .map((st) => ({
          stallMs: +st.ms.toFixed(1),
          cpuMs: +st.cpuMs.toFixed(1),
          atMs: Math.round(st.start - t0),
          during: spans.filter((s) => s.start < st.start + st.ms && s.start + s.ms > st.start && (s.ms >= 5 || s.kind !== 'transaction')).map(fmt),
        }));
    },
    summary() {
      const of = (k: Span['kind']) => spans.filter((s) => s.kind === k);
      const max = (xs: number[]) => +Math.max(0, ...xs).toFixed(1);
      const commits = of('transaction').map((s) => s.commitMs ?? 0);
      return {
        checkpointsOn: where,
        stallsOver60ms: stalls.filter((s) => s.ms > 60).length,
        mainThreadCheckpoints: of('checkpoint').length,
        maxMainThreadCheckpointMs: max(of('checkpoint').map((s) => s.ms)),
        workerCheckpoints: of('worker-checkpoint').length,
        maxWorkerCheckpointMs: max(of('worker-checkpoint').map((s) => s.ms)),
        transactions: commits.length,
        commitsOver50ms: commits.filter((c) => c > 50).length,
        maxCommitMs: max(commits),
      };
    },
    stop() {
      clearInterval(timer);
      stopWorkerTrace?.();
      sqlite.pragma = pragma as typeof sqlite.pragma;
      sqlite.transaction = transaction as typeof sqlite.transaction;
    },
  };
}
