// `npm start`: builds what is missing, then opens the Outpost desktop app. Where the Electron
// runtime cannot be obtained (no binary, no display) it says so in one line and serves the same
// console through the browser host instead, printing its URL.
import fs from 'node:fs';
import {
  DEFAULT_PORT,
  buildElectronBundle,
  electronPackageDir,
  electronRuns,
  ensureRenderer,
  fallbackMessage,
  locateElectron,
  parseStartArgs,
  portIsFree,
  runChild,
  runHost,
} from './launch-lib.mjs';

async function main() {
  const args = parseStartArgs(process.argv.slice(2));
  if (args.help) {
    console.log('Usage: npm start -- [--data-dir D] [--port P] [--browser] [--no-build]\n  --browser   serve the console in a browser even if Electron is available');
    return;
  }
  if (args.build) ensureRenderer({ whenStale: true });

  let electron = args.browser ? { reason: 'you asked for the browser' } : locateElectron({
    pkgDir: electronPackageDir(),
    env: process.env,
    platform: process.platform,
    exists: (p) => fs.existsSync(p),
    readText: (p) => fs.readFileSync(p, 'utf8'),
  });
  if ('path' in electron) {
    const runs = electronRuns(electron.path);
    if (!runs.ok) electron = { reason: runs.reason };
  }

  if ('path' in electron) {
    if (args.build && !buildElectronBundle()) throw new Error('the Electron bundle did not build (see above)');
    const shellArgs = ['.', ...(args.dataDir ? ['--data-dir', args.dataDir] : []), ...(args.cipher ? ['--cipher', args.cipher] : [])];
    const env = { ...process.env };
    delete env.ELECTRON_RUN_AS_NODE;
    console.log('Opening the Outpost desktop app…');
    runChild(electron.path, shellArgs, env);
    return;
  }

  console.log(fallbackMessage(electron.reason));
  let port = args.port ?? DEFAULT_PORT;
  // Only the default port falls back: a port the user asked for should fail loudly if taken.
  if (args.port === null && !(await portIsFree(port))) port = 0;
  runHost(['--port', String(port), ...(args.dataDir ? ['--data-dir', args.dataDir] : []), ...(args.cipher ? ['--cipher', args.cipher] : [])]);
}

main().catch((e) => {
  console.error(`Outpost could not start: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
