// Shared by scripts/start.mjs and scripts/serve.mjs: argument parsing, the "is the renderer
// built?" check, locating the Electron binary without triggering its download, and running a
// child process with signals forwarded. The pure parts are unit-tested (src/main/electron/launch.test.ts).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_PORT = 4173;

const START_USAGE = 'Usage: npm start -- [--data-dir D] [--port P] [--browser] [--cipher aegis-256x4|aegis-256|sqlcipher-4|sqlcipher-3]';
const SERVE_USAGE = 'Usage: npm run serve -- --port P --data-dir D [--host 127.0.0.1] [--passphrase-file F] [--cipher aegis-256x4|aegis-256|sqlcipher-4|sqlcipher-3] [--no-build]';

function parsePort(raw, usage) {
  if (raw === undefined || !/^\d{1,5}$/.test(raw) || Number(raw) > 65535) throw new Error(`--port must be a number from 0 to 65535. ${usage}`);
  return Number(raw);
}

/** Reads `--name value` or `--name=value`; returns [value, nextIndex]. */
function valueOf(argv, i, name, usage) {
  const a = argv[i];
  if (a.startsWith(`${name}=`)) return [a.slice(name.length + 1), i];
  const v = argv[i + 1];
  if (v === undefined || v.startsWith('--')) throw new Error(`${name} needs a value. ${usage}`);
  return [v, i + 1];
}

/** `npm start -- [--data-dir D] [--port P] [--browser] [--no-build]` */
export function parseStartArgs(argv) {
  const o = { dataDir: null, port: null, browser: false, build: true, cipher: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--browser') o.browser = true;
    else if (a === '--no-build') o.build = false;
    else if (a === '--data-dir' || a.startsWith('--data-dir=')) {
      const [v, j] = valueOf(argv, i, '--data-dir', START_USAGE);
      if (!v) throw new Error(`--data-dir needs a folder. ${START_USAGE}`);
      o.dataDir = path.resolve(v);
      i = j;
    } else if (a === '--port' || a.startsWith('--port=')) {
      const [v, j] = valueOf(argv, i, '--port', START_USAGE);
      o.port = parsePort(v, START_USAGE);
      i = j;
    } else if (a === '--cipher' || a.startsWith('--cipher=')) {
      // Checked by the app itself (it names the ciphers it offers); passed on as given.
      const [v, j] = valueOf(argv, i, '--cipher', START_USAGE);
      if (!v) throw new Error(`--cipher needs a value. ${START_USAGE}`);
      o.cipher = v;
      i = j;
    } else if (a === '--help' || a === '-h') o.help = true;
    else throw new Error(`Unknown option ${a}. ${START_USAGE}`);
  }
  return o;
}

/**
 * `npm run serve -- --port P --data-dir D [--host H] [--no-build]`: checks the options the host
 * understands and returns the arguments to hand it, so a typo fails before anything is built.
 */
export function parseServeArgs(argv) {
  const hostArgs = [];
  let build = true;
  let port = null;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--no-build') build = false;
    else if (a === '--port' || a === '-p' || a.startsWith('--port=')) {
      const [v, j] = a === '-p' ? valueOf(argv, i, '-p', SERVE_USAGE) : valueOf(argv, i, '--port', SERVE_USAGE);
      port = parsePort(v, SERVE_USAGE);
      hostArgs.push('--port', String(port));
      i = j;
    } else if (a === '--data-dir' || a.startsWith('--data-dir=') || a === '--host' || a.startsWith('--host=') || a === '--static-dir' || a === '--passphrase-file' || a.startsWith('--passphrase-file=') || a === '--cipher' || a.startsWith('--cipher=')) {
      const name = a.split('=')[0];
      const [v, j] = valueOf(argv, i, name, SERVE_USAGE);
      if (!v) throw new Error(`${name} needs a value. ${SERVE_USAGE}`);
      hostArgs.push(name, name === '--host' || name === '--cipher' ? v : path.resolve(v));
      i = j;
    } else throw new Error(`Unknown option ${a}. ${SERVE_USAGE}`);
  }
  return { hostArgs, build, port };
}

/** The renderer needs a build when it was never built or a source file is newer than the build. */
export function rendererNeedsBuild(builtAt, newestSourceAt) {
  return builtAt === null || newestSourceAt > builtAt;
}

/**
 * Finds the Electron executable the way the `electron` package does, but without its side
 * effect: requiring `electron` from Node starts a download when the binary is missing.
 * Returns { path } or { reason } in plain words.
 */
export function locateElectron({ pkgDir, env, platform, exists, readText }) {
  if (!pkgDir) return { reason: 'the electron package is not installed' };
  const pathFile = path.join(pkgDir, 'path.txt');
  const rel = exists(pathFile) ? readText(pathFile).trim() : null;
  if (env.ELECTRON_OVERRIDE_DIST_PATH) {
    const p = path.join(env.ELECTRON_OVERRIDE_DIST_PATH, rel || (platform === 'win32' ? 'electron.exe' : 'electron'));
    return exists(p) ? { path: p } : { reason: `no Electron binary at ${p}` };
  }
  if (!rel) return { reason: 'its binary was never downloaded' };
  const p = path.join(pkgDir, 'dist', rel);
  if (!exists(p)) return { reason: 'its binary is missing' };
  if (platform === 'linux' && !env.DISPLAY && !env.WAYLAND_DISPLAY) return { reason: 'there is no graphical display' };
  return { path: p };
}

/** The one line `npm start` prints when it falls back to the browser host. */
export function fallbackMessage(reason) {
  return `Electron runtime not available here (${reason}); serving the Outpost console in your browser instead.`;
}

// ---- side effects below: used by start.mjs / serve.mjs, exercised by running them ----

export function electronPackageDir() {
  const dir = path.join(ROOT, 'node_modules', 'electron');
  return fs.existsSync(path.join(dir, 'package.json')) ? dir : null;
}

/** Checks the binary actually starts (wrong architecture, missing shared libraries…). */
export function electronRuns(bin) {
  const r = spawnSync(bin, ['--version'], { timeout: 20_000, encoding: 'utf8', env: { ...process.env, ELECTRON_RUN_AS_NODE: '' } });
  return r.status === 0 ? { ok: true } : { ok: false, reason: `it does not start (${(r.stderr || r.error?.message || `exit ${r.status}`).trim().split('\n')[0]})` };
}

function newestMtime(p) {
  let newest = 0;
  const stack = [p];
  while (stack.length) {
    const cur = stack.pop();
    let st;
    try {
      st = fs.statSync(cur);
    } catch {
      continue;
    }
    if (st.isDirectory()) {
      for (const e of fs.readdirSync(cur)) if (e !== 'node_modules' && !e.startsWith('.')) stack.push(path.join(cur, e));
    } else newest = Math.max(newest, st.mtimeMs);
  }
  return newest;
}

/** Builds dist/renderer with vite when missing (or stale, if `whenStale`). Never throws: a failed build still lets the API run. */
export function ensureRenderer({ whenStale }) {
  const index = path.join(ROOT, 'dist', 'renderer', 'index.html');
  const builtAt = fs.existsSync(index) ? fs.statSync(index).mtimeMs : null;
  const sources = ['src/renderer', 'src/shared', 'index.html', 'vite.config.ts'].map((p) => path.join(ROOT, p));
  const newest = whenStale ? Math.max(...sources.map(newestMtime)) : 0;
  if (!rendererNeedsBuild(builtAt, newest)) return true;
  console.log(builtAt === null ? 'Building the Outpost console (first run)…' : 'Console sources changed; rebuilding…');
  const r = spawnSync(process.execPath, [path.join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error('The console could not be built (see the vite errors above); the API still runs, but pages will not load until `npm run build:renderer` succeeds.');
    return false;
  }
  return true;
}

export function buildElectronBundle() {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts/build-electron.mjs'), '--quiet'], { cwd: ROOT, stdio: 'inherit' });
  return r.status === 0;
}

export function portIsFree(port, host = '127.0.0.1') {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, host, () => s.close(() => resolve(true)));
  });
}

/** Runs the browser host (src/main/host/cli.ts under tsx) in a child process. */
export function runHost(hostArgs) {
  return runChild(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/main/host/cli.ts'), ...hostArgs]);
}

/** Spawns a child with inherited stdio, forwards SIGINT/SIGTERM/SIGHUP, and exits with its code. */
export function runChild(cmd, args, env = process.env) {
  const child = spawn(cmd, args, { cwd: ROOT, stdio: 'inherit', env });
  const forward = (sig) => () => {
    if (child.exitCode === null && child.signalCode === null) child.kill(sig);
  };
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, forward(sig));
  child.on('error', (e) => {
    console.error(`Could not start ${path.basename(cmd)}: ${e.message}`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => process.exit(code ?? (signal === 'SIGINT' || signal === 'SIGTERM' ? 0 : 1)));
  return child;
}
