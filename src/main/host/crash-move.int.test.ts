/**
 * The host SIGKILLed while it moves a store between machines, as a real process (`npm run serve`'s
 * entry): while it writes an export of everything (the download the browser host offers), while it
 * imports everything into a new machine's empty store (reading and checking the export, then putting
 * the store and its evidence files in place), while `npm run restore` puts an export in place of a
 * store in use, and while it writes an evidence file. Each is killed at its known steps (fault points,
 * src/main/db/fault-point.ts) and once at a seeded random time. After each kill the host starts again
 * on the same data folder: the store opens, passes SQLite's integrity check and the audit chain, holds
 * all of the import or none of it with every evidence file it names, no partial file is left where it
 * could be offered or imported as whole, and the work runs again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../testing';
import { call, readableFiles, serve, stop, type Running } from '../testing/serve-process';
import { CRASH_ENV as TEST_ENV, filesMatching, killAt, passphraseFile, seededRandom, seedStore, signInAdmin as login, storeOnDisk, type StoreOnDisk } from '../testing/crash';
import { isPlainStore, passphraseKey, type StoreKey } from '../db/store-key';
import { openBlobStore } from '../services/evidence/blobs';
import { exportEverything, importEverything, IMPORT_STAGING } from '../services/transfer/move';
import { startRuntime, verifyCopy } from '../runtime';
import { createLogger } from '../log';
import type { ExportSummary } from '../../shared/api/store';

/** The new machine's own passphrase, and the one chosen at export. */
const PASSPHRASE = 'new machine crash passphrase';
const EXPORT_PASSPHRASE = 'moving day crash passphrase';
const MARKER = 'plover-saffron';
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
/** Enough tickets (each ~8 kB of text and a comment) that reading and checking the export takes a while. */
const TICKETS = 400;
const BLOBS = 6;
/** The seed of the random kill times; printed so a failing run can be replayed. */
const SEED = Number(process.env.OUTPOST_CRASH_SEED ?? 20261206);
/** A 1×1 PNG, the smallest picture an article takes. */
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';

let t: ReturnType<typeof tempDir>;
let source: string;
let exportFile: string;
let shas: string[];
let seeded: StoreOnDisk;
beforeAll(() => {
  t = tempDir('outpost-crash-move-');
  source = path.join(t.dir, 'source');
  seedStore(source, { tickets: TICKETS, marker: MARKER });
  const blobs = openBlobStore(path.join(source, 'blobs'), null);
  shas = Array.from({ length: BLOBS }, (_, i) => blobs.write(Buffer.from(`${MARKER} scanned delivery note ${i} `.repeat(4000))).sha256);
  seeded = storeOnDisk(source, null);
  exportFile = path.join(t.dir, 'moving-day.outpost');
  const rt = startRuntime({ dataDir: source, log: createLogger({ level: 'silent' }) });
  try {
    exportEverything({ sqlite: rt.store.sqlite, storeFile: rt.store.path, storeKey: null, blobsDir: path.join(source, 'blobs'), out: exportFile, passphrase: EXPORT_PASSPHRASE, now: new Date() });
  } finally {
    rt.close();
  }
  console.log(`crash tests: seed ${SEED}, export ${(fs.statSync(exportFile).size / 1e6).toFixed(1)} MB`);
}, 300_000);
afterAll(() => t?.cleanup());

const passFile = () => passphraseFile(t.dir, PASSPHRASE);

/** Resolves once the host's log in the data folder holds `text` (it is written a moment after the line is logged). */
async function logged(data: string, text: string): Promise<void> {
  const file = path.join(data, 'logs', 'outpost.log');
  const end = Date.now() + 10_000;
  while (!(fs.existsSync(file) && fs.readFileSync(file, 'utf8').includes(text))) {
    if (Date.now() > end) throw new Error(`the host's log does not say "${text}"`);
    await new Promise((r) => setTimeout(r, 50));
  }
}


/** Evidence files named by their hash in a data folder's blobs/. */
const blobFiles = (data: string) => filesMatching(path.join(data, 'blobs'), /^[0-9a-f]{64}$/);

/** The store holds what the exported one held, whole, and every evidence file of the export reads back. */
function expectImported(data: string, key: StoreKey) {
  const s = storeOnDisk(data, key);
  expect(s.integrity).toBe('ok');
  expect(s.chain.valid).toBe(true);
  expect(s.chain.count).toBeGreaterThanOrEqual(seeded.chain.count);
  expect(s.tickets).toBe(seeded.tickets);
  expect(s.comments).toBe(seeded.comments);
  expect(isPlainStore(path.join(data, 'outpost.db'))).toBe(false);
  const blobs = openBlobStore(path.join(data, 'blobs'), key);
  for (const sha of shas) expect(blobs.verify(sha), sha).toBe('ok');
  expect(fs.existsSync(path.join(data, IMPORT_STAGING))).toBe(false);
  // Nothing of the moved store is left readable: the store and the evidence files are sealed with this machine's key.
  expect(readableFiles(data, [MARKER])).toEqual([]);
}

describe('SIGKILL mid-import of everything into a new machine', () => {
  /**
   * A new machine's data folder (its store protected with its own passphrase), the host started with
   * `fault`, "import everything" asked at first run, the host killed where it stopped.
   */
  async function killDuringImport(name: string, fault: string): Promise<{ data: string; key: StoreKey }> {
    const data = path.join(t.dir, name);
    const delay = fault.startsWith('mark:') ? Math.floor(seededRandom(SEED + 5)() * 2500) : 0;
    if (delay) console.log(`crash tests: import of everything killed ${delay} ms after it began (seed ${SEED})`);
    const answered = await killAt(data, passFile(), fault, (host) => call(host, 'store.import', { path: exportFile, passphrase: EXPORT_PASSPHRASE }), delay);
    if (!fault.startsWith('mark:')) expect(answered).toBe('cut off');
    return { data, key: passphraseKey(data, PASSPHRASE) };
  }

  /** Started again: the import is finished (true) or was dropped (false), as the host says and the store shows. */
  async function startAgain(data: string): Promise<{ host: Running; initialized: boolean }> {
    const host = await serve(data, passFile(), TEST_ENV);
    const status = await call<{ initialized: boolean }>(host, 'setup.status', {});
    await logged(data, status.initialized ? 'an interrupted import of everything was finished' : 'an import of everything cut short before it checked out was dropped');
    return { host, initialized: status.initialized };
  }

  /** The import finished at the start after the kill: the same people sign in, the trail holds, it is not offered again. */
  async function expectFinished(host: Running, data: string, key: StoreKey) {
    const token = await login(host);
    expect((await call<{ valid: boolean }>(host, 'audit.verify', {}, token)).valid).toBe(true);
    await expect(call(host, 'store.import', { path: exportFile, passphrase: EXPORT_PASSPHRASE })).rejects.toThrow('already set up');
    await stop(host);
    expectImported(data, key);
  }

  /** The import was dropped at the start after the kill: the new store is as it was, and importing again succeeds. */
  async function expectDroppedThenRedone(host: Running, data: string, key: StoreKey) {
    expect(fs.existsSync(path.join(data, IMPORT_STAGING))).toBe(false);
    expect(blobFiles(data)).toEqual([]);
    expect(readableFiles(data, [MARKER])).toEqual([]);
    const r = await call<{ blobs: number }>(host, 'store.import', { path: exportFile, passphrase: EXPORT_PASSPHRASE });
    expect(r.blobs).toBe(BLOBS);
    await login(host);
    await stop(host);
    expectImported(data, key);
  }

  it('killed after the export was read and checked, before it was marked ready: dropped at the next start, and imported again', async () => {
    const { data, key } = await killDuringImport('import-staged', 'import.staged');
    // The checked copy waits in the staging folder; the new machine's own store is untouched.
    expect(fs.existsSync(path.join(data, IMPORT_STAGING, 'outpost.db'))).toBe(true);
    expect(storeOnDisk(data, key).tickets).toBe(0);
    const { host, initialized } = await startAgain(data);
    expect(initialized).toBe(false);
    await expectDroppedThenRedone(host, data, key);
  }, 300_000);

  it('killed just after it was marked ready: the next start puts the store and every evidence file in place', async () => {
    const { data, key } = await killDuringImport('import-ready', 'import.ready');
    expect(blobFiles(data)).toEqual([]);
    const { host, initialized } = await startAgain(data);
    expect(initialized).toBe(true);
    await expectFinished(host, data, key);
  }, 300_000);

  it('killed with three of the evidence files moved and the new store not yet replaced: the next start finishes, nothing missing', async () => {
    const { data, key } = await killDuringImport('import-blob', 'import.blob#3');
    expect(blobFiles(data)).toHaveLength(3);
    expect(storeOnDisk(data, key).tickets).toBe(0);
    const { host, initialized } = await startAgain(data);
    expect(initialized).toBe(true);
    await expectFinished(host, data, key);
  }, 300_000);

  it('killed with the empty store removed and the imported one not yet in its place: the next start finishes instead of making an empty store', async () => {
    const { data, key } = await killDuringImport('import-replacing', 'import.replacing');
    expect(fs.existsSync(path.join(data, 'outpost.db'))).toBe(false);
    expect(blobFiles(data)).toHaveLength(BLOBS);
    const { host, initialized } = await startAgain(data);
    expect(initialized).toBe(true);
    await expectFinished(host, data, key);
  }, 300_000);

  it('killed with the store in place and the staging folder not yet removed: the next start clears it', async () => {
    const { data, key } = await killDuringImport('import-placed', 'import.placed');
    expect(fs.existsSync(path.join(data, IMPORT_STAGING))).toBe(true);
    const { host, initialized } = await startAgain(data);
    expect(initialized).toBe(true);
    await expectFinished(host, data, key);
  }, 300_000);

  it('killed at a seeded random time during the import: all of it with its evidence files, or none of it and imported again', async () => {
    const { data, key } = await killDuringImport('import-random', 'mark:import.start');
    const host = await serve(data, passFile(), TEST_ENV);
    const { initialized } = await call<{ initialized: boolean }>(host, 'setup.status', {});
    // Killed before it checked out (dropped at this start), after (finished at this start), or after it had ended.
    if (initialized) await expectFinished(host, data, key);
    else await expectDroppedThenRedone(host, data, key);
  }, 300_000);
});

describe('SIGKILL mid-export of everything', () => {
  let data: string;
  beforeAll(() => {
    data = path.join(t.dir, 'export');
    fs.cpSync(source, data, { recursive: true });
  });

  /** Starts the host with `fault`, asks for an export (the browser host's download), kills the host where it stopped. */
  async function killDuringExport(fault: string): Promise<void> {
    const delay = fault.startsWith('mark:') ? Math.floor(seededRandom(SEED + 6)() * 1500) : 0;
    if (delay) console.log(`crash tests: export of everything killed ${delay} ms after it began (seed ${SEED})`);
    const answered = await killAt(data, null, fault, async (host) => call(host, 'store.export', { passphrase: EXPORT_PASSPHRASE }, await login(host)), delay);
    if (!fault.startsWith('mark:')) expect(answered).toBe('cut off');
  }

  /** Started again: leftovers removed, the store whole, and the export runs to the end and imports whole elsewhere. */
  async function expectRedone(): Promise<void> {
    const host = await serve(data, null, TEST_ENV);
    expect(fs.existsSync(path.join(data, 'exports')) ? fs.readdirSync(path.join(data, 'exports')) : []).toEqual([]);
    expect(filesMatching(data, /\.exporting/)).toEqual([]);
    const token = await login(host);
    expect((await call<{ valid: boolean }>(host, 'audit.verify', {}, token)).valid).toBe(true);
    const offer = await call<ExportSummary>(host, 'store.export', { passphrase: EXPORT_PASSPHRASE }, token);
    const res = await fetch(host.url + offer.download!.url);
    expect(res.status).toBe(200);
    const file = path.join(t.dir, `export-redone-${Date.now()}.outpost`);
    fs.writeFileSync(file, Buffer.from(await res.arrayBuffer()));
    await stop(host);
    const s = storeOnDisk(data, null);
    expect(s.integrity).toBe('ok');
    expect(s.chain.valid).toBe(true);
    expect(s.tickets).toBe(seeded.tickets);
    const staging = path.join(t.dir, `export-check-${Date.now()}`);
    const r = importEverything({ file, passphrase: EXPORT_PASSPHRASE, stagingDir: staging, newKey: null, verify: verifyCopy });
    expect(r.blobs).toBe(BLOBS);
    expect(r.counts.tickets).toBe(seeded.tickets);
    fs.rmSync(staging, { recursive: true, force: true });
  }

  /** What the kill left in the exports folder. */
  const exportsLeft = () => (fs.existsSync(path.join(data, 'exports')) ? fs.readdirSync(path.join(data, 'exports')) : []);

  it('killed after the snapshot was taken: the copy beside the store is removed at the next start, and the export redone', async () => {
    await killDuringExport('export.snapshot');
    expect(fs.existsSync(path.join(data, 'outpost.db.exporting'))).toBe(true);
    await expectRedone();
  }, 300_000);

  it('killed half-way through writing: the partial file is never offered or imported as whole, removed at the next start', async () => {
    await killDuringExport('export.blob#2');
    const left = exportsLeft();
    expect(left).toHaveLength(1);
    expect(left[0]).toMatch(/^\.download-.+\.outpost\.partial$/);
    // Read as an export it is refused as cut short: nothing of it is taken for a store.
    const staging = path.join(t.dir, 'partial-check');
    expect(() => importEverything({ file: path.join(data, 'exports', left[0]!), passphrase: EXPORT_PASSPHRASE, stagingDir: staging, newKey: null, verify: verifyCopy })).toThrow(/cut short/);
    expect(fs.existsSync(staging)).toBe(false);
    await expectRedone();
  }, 300_000);

  it('killed with the file written but not yet under its name: removed at the next start', async () => {
    await killDuringExport('export.written');
    expect(exportsLeft()).toEqual([expect.stringMatching(/\.partial$/)]);
    await expectRedone();
  }, 300_000);

  it('killed after the file took its name, before it was offered: no one can fetch it, and it is removed at the next start', async () => {
    await killDuringExport('export.renamed');
    expect(exportsLeft()).toEqual([expect.stringMatching(/^\.download-[^.]+\.outpost$/)]);
    await expectRedone();
  }, 300_000);

  it('killed at a seeded random time during the export: the next start leaves only a whole store, and the export is redone', async () => {
    await killDuringExport('mark:export.start');
    await expectRedone();
  }, 300_000);
});

describe('SIGKILL while an evidence file is written', () => {
  it('killed before the file took its name: no file named by its hash is half-written, the leftover goes at the next start, and it is added again', async () => {
    const data = path.join(t.dir, 'blob');
    fs.cpSync(source, data, { recursive: true });
    const before = blobFiles(data).length;
    const answered = await killAt(data, null, 'blob.written', async (host) => call(host, 'kb.addImage', { fileName: 'dock.png', contentBase64: PNG }, await login(host)));
    expect(answered).toBe('cut off');
    expect(filesMatching(path.join(data, 'blobs'), /\.tmp$/)).toHaveLength(1);
    expect(blobFiles(data)).toHaveLength(before);

    const again = await serve(data, null, TEST_ENV);
    expect(filesMatching(path.join(data, 'blobs'), /\.tmp$/)).toEqual([]);
    const added = await call<{ sha256: string }>(again, 'kb.addImage', { fileName: 'dock.png', contentBase64: PNG }, await login(again));
    await stop(again);
    expect(openBlobStore(path.join(data, 'blobs'), null).verify(added.sha256)).toBe('ok');
    expect(blobFiles(data)).toHaveLength(before + 1);
  }, 300_000);
});

describe('SIGKILL mid `npm run restore` of an export of everything', () => {
  it('killed with the store it replaces moved aside and the imported one not yet in place: the next start finishes, the old store kept aside', async () => {
    // A machine already in use (its own administrator and a ticket), restored from the export on the command line.
    const data = path.join(t.dir, 'cli');
    const host = await serve(data, null, TEST_ENV);
    const token = (await call<{ token: string }>(host, 'setup.init', { admin: { username: 'kept', displayName: 'Kept Admin', password: 'password123' }, site: { name: 'Old depot' } })).token;
    await call(host, 'tickets.create', { type: 'incident', title: 'On the machine before the restore' }, token);
    await stop(host);
    const exportPass = path.join(t.dir, 'export-passphrase');
    fs.writeFileSync(exportPass, `${EXPORT_PASSPHRASE}\n`);
    const child = spawn(process.execPath, [path.join(ROOT, 'node_modules/tsx/dist/cli.mjs'), 'src/main/host/restore.ts', exportFile, '--data-dir', data, '--export-passphrase-file', exportPass], {
      cwd: ROOT,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...TEST_ENV, OUTPOST_FAULT_AT: 'import.replacing' },
    });
    let out = '';
    child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise((r) => child.once('exit', r));
    const end = Date.now() + 120_000;
    while (!out.includes('fault point import.replacing')) {
      if (Date.now() > end || child.exitCode !== null) throw new Error(`npm run restore did not reach its fault point: ${out}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    process.kill(-child.pid!, 'SIGKILL');
    await exited;
    expect(fs.existsSync(path.join(data, 'outpost.db'))).toBe(false);
    expect(fs.existsSync(path.join(data, 'outpost.db.before-restore'))).toBe(true);

    const again = await serve(data, null, TEST_ENV);
    await logged(data, 'an interrupted import of everything was finished');
    expect((await call<{ valid: boolean }>(again, 'audit.verify', {}, await login(again))).valid).toBe(true);
    await stop(again);
    const s = storeOnDisk(data, null);
    expect(s.integrity).toBe('ok');
    expect(s.chain.valid).toBe(true);
    expect(s.tickets).toBe(seeded.tickets);
    for (const sha of shas) expect(openBlobStore(path.join(data, 'blobs'), null).verify(sha), sha).toBe('ok');
    const kept = storeOnDisk(data, null, 'outpost.db.before-restore');
    expect(kept.integrity).toBe('ok');
    expect(kept.tickets).toBe(1);
  }, 300_000);
});
