/**
 * Builds the real Electron bundles (scripts/build-electron.mjs) and runs dist-style main.cjs under
 * plain Node with a stand-in for the electron module: proves the bundle loads, migrates the store
 * before its window, and answers contract calls over the IPC handler. The preload bundle must
 * require nothing but electron and carry every call name of the contract.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildElectron } from '../../../scripts/build-electron.mjs';
import { CALL_NAMES } from '../../shared/api/index';

const root = path.resolve(import.meta.dirname, '../../..');
// Inside the project so the bundle's external require('better-sqlite3') resolves to node_modules.
const cacheDir = path.join(root, 'node_modules', '.cache');
let outdir = '';

const HOOK = String.raw`
const Module = require('module');
const ipc = new Map(); let proto = null; const wins = []; const out = (o) => console.log('@@' + JSON.stringify(o));
const app = { isPackaged: false, enableSandbox(){}, requestSingleInstanceLock: () => true, on(){},
  whenReady: () => Promise.resolve(), getPath: () => process.env.FAKE_USER_DATA, getAppPath: () => process.env.FAKE_APP_ROOT,
  getVersion: () => '0.0.0', quit(){}, exit(c){ out({ exit: c }); process.exit(c); } };
class WC { constructor(){ this.mainFrame = { processId: 1, routingId: 1, url: 'app://outpost/index.html', parent: null }; } on(){} send(c, p){ out({ event: p }); } setWindowOpenHandler(){} }
class BW { constructor(o){ this.webContents = new WC(); wins.push(this);
    out({ window: o.webPreferences, dbExists: require('fs').existsSync(require('path').join(process.env.FAKE_USER_DATA, 'outpost.db')) }); }
  static fromWebContents(wc){ return wins.find((w) => w.webContents === wc) || null; } once(){} on(){} loadURL(u){ out({ load: u }); return Promise.resolve(); } isDestroyed(){ return false; } }
const fake = { app, BrowserWindow: BW, protocol: { registerSchemesAsPrivileged(s){ out({ schemes: s }); }, handle(s, h){ proto = h; } },
  ipcMain: { handle(c, h){ ipc.set(c, h); } },
  session: { defaultSession: { setPermissionRequestHandler(){}, setPermissionCheckHandler(){}, setDevicePermissionHandler(){} } },
  safeStorage: { isEncryptionAvailable: () => false, encryptString: (s) => Buffer.from(s), decryptString: (b) => b.toString() },
  shell: {}, dialog: { showErrorBox(t, m){ out({ error: t + ': ' + m }); } }, Menu: { buildFromTemplate: (t) => t, setApplicationMenu(){} } };
const load = Module._load;
Module._load = function (req, ...rest) { return req === 'electron' ? fake : load.call(this, req, ...rest); };
const started = Date.now();
const poll = setInterval(async () => {
  if (!wins.length) { if (Date.now() - started > 20000) { out({ timeout: true }); process.exit(3); } return; }
  clearInterval(poll);
  const wc = wins[0].webContents; const h = ipc.get('outpost:call');
  out({ status: await h({ sender: wc, senderFrame: wc.mainFrame }, 'setup.status', {}, null) });
  out({ foreign: await h({ sender: wc, senderFrame: { ...wc.mainFrame, url: 'https://evil.example/' } }, 'setup.status', {}, null) });
  const pick = ipc.get('outpost:pick-file');
  out({ pickForeign: await pick({ sender: wc, senderFrame: { ...wc.mainFrame, url: 'https://evil.example/' } }, 'assets', null) });
  out({ pickPath: await pick({ sender: wc, senderFrame: wc.mainFrame }, '/etc/passwd', null) });
  const r = await proto({ url: 'app://outpost/index.html' });
  out({ proto: r.status, csp: r.headers.get('content-security-policy') });
  process.exit(0);
}, 50);
`;

beforeAll(async () => {
  fs.mkdirSync(cacheDir, { recursive: true });
  outdir = fs.mkdtempSync(path.join(cacheDir, 'outpost-bundle-'));
  await buildElectron({ outdir, quiet: true });
  fs.writeFileSync(path.join(outdir, 'fake-electron.cjs'), HOOK);
}, 120_000);

const cleanup: string[] = [];
afterAll(() => {
  for (const d of [outdir, ...cleanup]) if (d) fs.rmSync(d, { recursive: true, force: true });
});

describe('Electron bundles', () => {
  it('the preload requires only electron and knows every call of the contract, and the file pick', () => {
    const preload = fs.readFileSync(path.join(outdir, 'preload.cjs'), 'utf8');
    expect([...preload.matchAll(/\brequire\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1])).toEqual(['electron']);
    for (const name of CALL_NAMES) expect(preload, name).toContain(JSON.stringify(name));
    expect(preload).not.toMatch(/zod/i);
    expect(preload).toContain('outpost:pick-file');
  });

  it('main.cjs starts under a stand-in electron: migrations first, then the window and IPC', () => {
    const userData = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-bundle-data-'));
    cleanup.push(userData);
    const hook = path.join(outdir, 'fake-electron.cjs');
    const r = spawnSync(process.execPath, ['-r', hook, path.join(outdir, 'main.cjs')], {
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, FAKE_USER_DATA: userData, FAKE_APP_ROOT: root, OUTPOST_DATA_DIR: '', OUTPOST_NO_SYNC: '1' },
    });
    const lines = r.stdout
      .split('\n')
      .filter((l) => l.startsWith('@@'))
      .map((l) => JSON.parse(l.slice(2)) as Record<string, unknown>);
    const find = (k: string) => lines.find((l) => k in l);
    expect(r.status, r.stderr + r.stdout).toBe(0);
    expect(find('error')).toBeUndefined();
    expect(find('schemes')?.schemes).toEqual([expect.objectContaining({ scheme: 'app' })]);
    expect(find('window')).toMatchObject({ dbExists: true, window: { contextIsolation: true, sandbox: true, nodeIntegration: false } });
    // Real paths: node_modules may be a link to another checkout's.
    expect(fs.realpathSync((find('window')?.window as { preload: string }).preload)).toBe(fs.realpathSync(path.join(outdir, 'preload.cjs')));
    expect(find('load')).toEqual({ load: 'app://outpost/index.html' });
    expect(find('status')).toMatchObject({ status: { ok: true, value: { initialized: false } } });
    expect(find('foreign')).toMatchObject({ foreign: { ok: false, error: { code: 'forbidden' } } });
    // The file pick: refused to a foreign frame, and to a page naming a path (no dialog: the stand-in has none).
    expect(find('pickForeign')).toMatchObject({ pickForeign: { ok: false, error: { code: 'forbidden' } } });
    expect(find('pickPath')).toMatchObject({ pickPath: { ok: false, error: { code: 'invalid_input' } } });
    // 200 when the renderer is built, 503 with a plain explanation when it is not; CSP either way.
    expect([200, 503]).toContain(find('proto')?.proto);
    expect(String(find('proto')?.csp)).toContain("default-src 'self'");
  });

  it('explains in a dialog and quits when the store cannot be opened, before any window', () => {
    const userData = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-bundle-data-'));
    const emptyRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-bundle-root-'));
    cleanup.push(userData, emptyRoot);
    const r = spawnSync(process.execPath, ['-r', path.join(outdir, 'fake-electron.cjs'), path.join(outdir, 'main.cjs')], {
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, FAKE_USER_DATA: userData, FAKE_APP_ROOT: emptyRoot, OUTPOST_DATA_DIR: '', OUTPOST_NO_SYNC: '1' },
    });
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('Outpost cannot start: Outpost could not open or upgrade its database in');
    expect(r.stdout).not.toContain('"window"');
  });
});
