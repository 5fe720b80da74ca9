/**
 * Named steps of the long work that rewrites or copies the store (backups, encryption, imports),
 * where the crash tests stop a real host process at a known point and SIGKILL it there. Inert unless
 * the process runs in test mode (`OUTPOST_TEST=1`) and `OUTPOST_FAULT_AT` names the step:
 * - `name` or `name#N` (the Nth time the step is reached): the process prints `fault point <name>` on
 *   stderr and stops dead there (its thread blocked), until the test kills it;
 * - `mark:name`: it prints `fault mark <name>` and carries on, so a test can kill it a (seeded) random
 *   time after the step began.
 */
import fs from 'node:fs';

const reached = new Map<string, number>();

export function faultPoint(name: string): void {
  const wanted = process.env.OUTPOST_FAULT_AT;
  if (!wanted || process.env.OUTPOST_TEST !== '1') return;
  const n = (reached.get(name) ?? 0) + 1;
  reached.set(name, n);
  for (const spec of wanted.split(',')) {
    if (spec === `mark:${name}`) {
      fs.writeSync(2, `fault mark ${name}\n`);
      continue;
    }
    const [point, nth] = spec.split('#');
    if (point !== name || (nth !== undefined && Number(nth) !== n)) continue;
    fs.writeSync(2, `fault point ${name}\n`);
    const cell = new Int32Array(new SharedArrayBuffer(4));
    for (;;) Atomics.wait(cell, 0, 0);
  }
}

/**
 * Whether this process would stop at `name` (its first time), for a step that runs where
 * faultPoint cannot be called (a worker thread's eval script): the worker then stops the same way.
 */
export function faultWanted(name: string): boolean {
  const wanted = process.env.OUTPOST_FAULT_AT;
  return !!wanted && process.env.OUTPOST_TEST === '1' && wanted.split(',').some((spec) => spec === name || spec === `${name}#1`);
}
