/**
 * The write gate: one per store, held by a long job that writes through another connection (an
 * import running in a worker thread holds SQLite's write lock for seconds). While it is held,
 * every other writer on the main thread waits here, asynchronously, instead of blocking the main
 * thread inside SQLite's busy handler (and then failing with SQLITE_BUSY). Reads never wait: WAL
 * readers see the last committed data.
 *
 * It lives in db/ (not api/) because the writers that must respect it sit in several layers:
 * dispatch, the sync client, the inventory agent endpoint, the WAL checkpoint timer.
 */
import type Database from 'better-sqlite3';

export class WriteGate {
  private held = false;
  private released: Promise<void> = Promise.resolve();
  private release: () => void = () => undefined;
  private waiting = 0;

  /** True while a long job holds the gate or one is queued for it. */
  busy(): boolean {
    return this.held || this.waiting > 0;
  }

  /**
   * Runs `fn` (synchronous writes on the main connection) as soon as the gate is free. It runs in
   * the same turn as the check, so no job can take the gate between the check and the writes.
   */
  async exclusive<T>(fn: () => T): Promise<T> {
    while (this.held) await this.released;
    return fn();
  }

  /** Holds the gate for the whole of `job` (which writes elsewhere, e.g. in a worker), in arrival order. */
  async hold<T>(job: () => Promise<T>): Promise<T> {
    this.waiting++;
    try {
      while (this.held) await this.released;
    } finally {
      this.waiting--;
    }
    this.held = true;
    this.released = new Promise<void>((r) => (this.release = r));
    try {
      return await job();
    } finally {
      this.held = false;
      this.release();
    }
  }
}

const gates = new WeakMap<Database.Database, WriteGate>();

export function writeGate(sqlite: Database.Database): WriteGate {
  let g = gates.get(sqlite);
  if (!g) gates.set(sqlite, (g = new WriteGate()));
  return g;
}

/** For timers and per-call housekeeping writes that may simply be skipped while a job runs. */
export function writeGateBusy(sqlite: Database.Database): boolean {
  return gates.get(sqlite)?.busy() ?? false;
}
