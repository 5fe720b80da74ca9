/**
 * The host SIGKILLed while an import writes, as a real process (`npm run serve`'s entry): a large
 * ServiceNow event log (written on the main thread in one transaction, a chunk at a time) and a large
 * asset file (written by the import worker on its own connection), each killed once at a known chunk
 * (a fault point, src/main/db/fault-point.ts) and once at a seeded random time after progress showed
 * the writing had begun. After each kill the host starts again on the same data folder: the store
 * passes SQLite's integrity check and the audit chain, holds none of the import's rows or all of them,
 * and the same file imported again completes with the right counts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from '../testing';
import { call, serve, spawnServe, stop, type Running } from '../testing/serve-process';
import { CRASH_ADMIN, CRASH_ENV as TEST_ENV, seededRandom, signInAdmin as login, storeOnDisk } from '../testing/crash';
import { followEvents } from '../testing/event-stream';
import { passphraseKey, type StoreKey } from '../db/store-key';
import { fixture } from '../services/assets/test-fixtures';
import type { AppEvent } from '../../shared/api';

const SEED = Number(process.env.OUTPOST_CRASH_SEED ?? 20261206);
const sample = fixture('incidents/servicenow-incident-event-log-sample.csv');

let t: ReturnType<typeof tempDir>;
beforeAll(() => {
  t = tempDir('outpost-crash-import-');
  console.log(`crash tests: seed ${SEED}`);
});
afterAll(() => t?.cleanup());

async function upload(host: Running, token: string, file: string): Promise<string> {
  const res = await fetch(`${host.url}/api/upload`, {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream', authorization: `Bearer ${token}` },
    body: fs.readFileSync(file),
  });
  const body = (await res.json()) as { ok: boolean; value: { uploadId: string }; error?: { message: string } };
  if (!body.ok) throw new Error(`upload: ${body.error?.message}`);
  return body.value.uploadId;
}

/**
 * Starts the host (with `fault` when given), uploads `file` and starts `importCall` on it, waits until
 * progress shows rows being written, then kills the host: at the fault point, or a seeded random time
 * after the writing began.
 */
async function killDuringImport(data: string, pass: string | null, file: string, importCall: string, input: object, fault: string | null, seed: number) {
  const host = await spawnServe(data, pass, { ...TEST_ENV, ...(fault ? { OUTPOST_FAULT_AT: fault } : {}) });
  await host.waitFor(host.url);
  const token = await login(host);
  const stream = await followEvents(host.url, token);
  await stream.waitFor((e) => e.type === 'hello', 'the event stream');
  const uploadId = await upload(host, token, file);
  const answered = call(host, importCall, { ...input, uploadId }, token).then(
    () => 'answered',
    () => 'cut off',
  );
  const writing = (e: AppEvent) => e.type === 'import.progress' && e.job.phase === 'writing' && e.job.done > 0;
  if (fault) {
    await host.waitFor(`fault point ${fault.split('#')[0]}`, 300_000);
    // The step stops where it is; the progress it reported before stopping may still be on its way
    // to the event stream (an import worker's thread stops, the host's main thread goes on).
    await stream.waitFor(writing, 'the progress written before the fault point', 30_000);
  } else {
    await stream.waitFor(writing, 'the import to start writing', 300_000);
    const delay = Math.floor(seededRandom(seed)() * 4000);
    console.log(`crash tests: ${importCall} killed ${delay} ms after it began writing (seed ${SEED})`);
    await new Promise((r) => setTimeout(r, delay));
  }
  await stop(host, 'SIGKILL');
  stream.close();
  if (fault) expect(await answered).toBe('cut off');
}

/** Imports `file` to the end on a host started again; returns the call's answer. */
async function importAgain<T>(data: string, pass: string | null, file: string, importCall: string, input: object): Promise<T> {
  const host = await serve(data, pass, TEST_ENV);
  try {
    const token = await login(host);
    expect((await call<{ valid: boolean }>(host, 'audit.verify', {}, token)).valid).toBe(true);
    const uploadId = await upload(host, token, file);
    return await call<T>(host, importCall, { ...input, uploadId }, token);
  } finally {
    await stop(host);
  }
}

function expectWholeStore(data: string, key: StoreKey | null) {
  const s = storeOnDisk(data, key);
  expect(s.integrity).toBe('ok');
  expect(s.chain.valid).toBe(true);
  return s;
}

/** A fresh data folder, set up (the administrator, one site) through a host that is then stopped. */
async function setUp(name: string, pass: string | null): Promise<string> {
  const data = path.join(t.dir, name);
  const host = await serve(data, pass, TEST_ENV);
  await call(host, 'setup.init', { admin: CRASH_ADMIN, site: { name: 'Harbour depot' } });
  await stop(host);
  return data;
}

describe.skipIf(!sample)('SIGKILL mid-import of a ServiceNow event log', () => {
  let big: { path: string; events: number; incidents: number };
  beforeAll(() => {
    // The sample's rows copied three times with their numbers moved (about 18,000 events).
    const lines = fs.readFileSync(sample!, 'utf8').split(/\r?\n/).filter(Boolean);
    const out = path.join(t.dir, 'servicenow.csv');
    const rows = [lines[0]!];
    const numbers = new Set<string>();
    for (let c = 0; c < 3; c++) {
      for (const l of lines.slice(1)) {
        const num = `INC${String(Number(l.slice(3, 10)) + c * 100_000).padStart(7, '0')}`;
        numbers.add(num);
        rows.push(num + l.slice(10));
      }
    }
    fs.writeFileSync(out, rows.join('\n') + '\n');
    big = { path: out, events: rows.length - 1, incidents: numbers.size };
  });

  const input = { format: 'servicenow-events', dryRun: false };

  it('killed inside its transaction after three chunks: no ticket of it kept; imported again, all of them', async () => {
    const data = await setUp('servicenow', null);
    await killDuringImport(data, null, big.path, 'tickets.import', input, 'import.chunk#3', SEED);
    const killed = expectWholeStore(data, null);
    expect(killed.imported).toBe(0);
    expect(killed.tickets).toBe(0);
    const r = await importAgain<{ incidents: number; created: number; updated: number; errors: unknown[] }>(data, null, big.path, 'tickets.import', input);
    expect(r).toMatchObject({ events: big.events, incidents: big.incidents, created: big.incidents, updated: 0, errors: [] });
    expect(expectWholeStore(data, null).imported).toBe(big.incidents);
  }, 600_000);

  it('killed at a seeded random time while it writes: all of it or none; imported again, every ticket once', async () => {
    const data = await setUp('servicenow-random', null);
    await killDuringImport(data, null, big.path, 'tickets.import', input, null, SEED + 2);
    const killed = expectWholeStore(data, null);
    expect([0, big.incidents]).toContain(killed.imported);
    const r = await importAgain<{ incidents: number; created: number; updated: number }>(data, null, big.path, 'tickets.import', input);
    expect(r).toMatchObject({ incidents: big.incidents, created: killed.imported ? 0 : big.incidents, updated: killed.imported });
    const s = expectWholeStore(data, null);
    expect(s.imported).toBe(big.incidents);
    expect(s.tickets).toBe(big.incidents);
  }, 600_000);
});

describe('SIGKILL mid-import of a large asset file (import worker, encrypted store)', () => {
  const ROWS = 20_000;
  let data: string;
  let pass: string;
  let key: StoreKey;
  let file: string;
  beforeAll(async () => {
    file = path.join(t.dir, 'assets.csv');
    const head = 'Asset Tag,Name,Category,Manufacturer,Model,Serial,Status,Location';
    const rows = Array.from({ length: ROWS }, (_, i) => `CR-${String(i).padStart(6, '0')},Desktop ${i},Desktops,HP,EliteDesk ${i % 9},SCR${i},Ready to Deploy,Floor ${i % 4}`);
    fs.writeFileSync(file, [head, ...rows].join('\n') + '\n');
    pass = path.join(t.dir, 'asset-pass');
    fs.writeFileSync(pass, 'asset import crash passphrase\n');
    data = await setUp('assets', pass);
    key = passphraseKey(data, 'asset import crash passphrase');
  }, 120_000);

  const input = { format: 'snipe-it-assets', dryRun: false };

  it('killed in the worker after 3,000 rows: no asset of it kept; imported again, all of them', async () => {
    await killDuringImport(data, pass, file, 'assets.import', input, 'import.chunk#3', SEED);
    expect(expectWholeStore(data, key).assets).toBe(0);
    const r = await importAgain<{ created: number; errors: unknown[] }>(data, pass, file, 'assets.import', input);
    expect(r).toMatchObject({ created: ROWS, errors: [] });
    expect(expectWholeStore(data, key).assets).toBe(ROWS);
  }, 600_000);

  it('killed at a seeded random time while the first import writes: all or none; imported again, every asset once', async () => {
    const other = await setUp('assets-random', pass);
    const otherKey = passphraseKey(other, 'asset import crash passphrase');
    await killDuringImport(other, pass, file, 'assets.import', input, null, SEED + 3);
    const after = expectWholeStore(other, otherKey).assets;
    expect([0, ROWS]).toContain(after);
    const r = await importAgain<{ created: number; updated: number; unchanged: number }>(other, pass, file, 'assets.import', input);
    expect(r.created + r.updated + r.unchanged).toBe(ROWS);
    expect(r.created).toBe(after === 0 ? ROWS : 0);
    expect(expectWholeStore(other, otherKey).assets).toBe(ROWS);
  }, 600_000);
});
