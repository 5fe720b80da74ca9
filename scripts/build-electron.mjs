// `npm run build:electron`: bundles the Electron main process and the sandboxed preload with
// esbuild into dist/electron/{main,preload}.cjs. electron and better-sqlite3(-multiple-ciphers) (native) stay external.
import { build } from 'esbuild';
import { readFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const defaultOutdir = path.join(root, 'dist', 'electron');

/** The contract's call names, read from src/shared/api by bundling it once (zod stays out of the preload). */
async function contractCallNames() {
  const dir = mkdtempSync(path.join(tmpdir(), 'outpost-names-'));
  try {
    const file = path.join(dir, 'contract.cjs');
    await build({ entryPoints: [path.join(root, 'src/shared/api/index.ts')], outfile: file, bundle: true, format: 'cjs', platform: 'node', logLevel: 'error', absWorkingDir: root });
    const names = createRequire(file)(file).CALL_NAMES;
    if (!Array.isArray(names) || names.length === 0 || !names.every((n) => typeof n === 'string')) throw new Error('src/shared/api exports no CALL_NAMES');
    return names;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Builds both bundles; returns their sizes in bytes. Throws on any error or a forbidden require. */
export async function buildElectron({ minify = false, quiet = false, outdir = defaultOutdir } = {}) {
  mkdirSync(outdir, { recursive: true });
  const names = await contractCallNames();
  const common = { bundle: true, format: 'cjs', sourcemap: 'linked', minify, logLevel: quiet ? 'error' : 'warning', absWorkingDir: root };
  await build({
    ...common,
    entryPoints: [path.join(root, 'src/main/electron/main.ts')],
    outfile: path.join(outdir, 'main.cjs'),
    platform: 'node',
    // Electron 45 ships Node 22; node20 keeps the output valid for both.
    target: 'node20',
    external: ['electron', 'better-sqlite3', 'better-sqlite3-multiple-ciphers', 'esbuild'],
    // Modules written as ESM read import.meta.url (e.g. the migrations lookup); give them the bundle's own URL.
    define: { 'import.meta.url': '__outpostImportMetaUrl' },
    banner: { js: "const __outpostImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
  });
  // The import worker runs in its own thread and loads its own file: a separate entry beside main.cjs
  // (src/main/services/assets/import/run.ts looks for import-worker.cjs next to the bundle).
  await build({
    ...common,
    entryPoints: [path.join(root, 'src/main/services/assets/import/worker.ts')],
    outfile: path.join(outdir, 'import-worker.cjs'),
    platform: 'node',
    target: 'node20',
    external: ['electron', 'better-sqlite3', 'better-sqlite3-multiple-ciphers', 'esbuild'],
    define: { 'import.meta.url': '__outpostImportMetaUrl' },
    banner: { js: "const __outpostImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
  });
  await build({
    ...common,
    entryPoints: [path.join(root, 'src/preload/index.ts')],
    outfile: path.join(outdir, 'preload.cjs'),
    // A sandboxed preload has no Node: bundle for the browser so any Node import fails the build.
    platform: 'browser',
    target: 'chrome120',
    external: ['electron'],
    define: { __OUTPOST_CALL_NAMES__: JSON.stringify(names) },
  });
  const preload = readFileSync(path.join(outdir, 'preload.cjs'), 'utf8');
  const requires = [...preload.matchAll(/\brequire\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1]);
  const foreign = requires.filter((r) => r !== 'electron');
  if (foreign.length) throw new Error(`The preload requires ${foreign.join(', ')}; a sandboxed preload may require only 'electron'.`);
  const size = (f) => readFileSync(path.join(outdir, f)).length;
  return { main: size('main.cjs'), preload: size('preload.cjs'), calls: names.length };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const quiet = process.argv.includes('--quiet');
  buildElectron({ minify: process.argv.includes('--minify'), quiet }).then(
    (s) => {
      if (!quiet) console.log(`Electron bundle: dist/electron/main.cjs (${Math.round(s.main / 1024)} KB), preload.cjs (${Math.round(s.preload / 1024)} KB, ${s.calls} calls)`);
    },
    (e) => {
      console.error(`Could not bundle the Electron shell: ${e instanceof Error ? e.message : String(e)}`);
      process.exit(1);
    },
  );
}
