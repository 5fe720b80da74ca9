// electron-builder beforePack hook: rebuilds better-sqlite3 for Electron's ABI and the target
// arch, because electron-builder's own rebuild is off (npmRebuild: false in electron-builder.yml).
//
// Needs network on the packaging machine: @electron/rebuild fetches a better-sqlite3 prebuild for
// this Electron version, or Electron's headers to compile it. It rebuilds node_modules in place,
// so afterwards `npm rebuild better-sqlite3` is needed before running the tests or the browser host
// under plain Node again. Set OUTPOST_SKIP_NATIVE_REBUILD=1 to skip (only for a packaging dry run:
// the app will not open its database).
/* eslint-disable @typescript-eslint/no-require-imports -- electron-builder loads this hook with require(), so it is CommonJS */
'use strict';
const path = require('node:path');
const fs = require('node:fs');

// electron-builder's Arch enum (builder-util): ia32 = 0, x64 = 1, armv7l = 2, arm64 = 3, universal = 4.
const ARCH_NAMES = ['ia32', 'x64', 'armv7l', 'arm64', 'universal'];

/** The Electron version to build against: the exact devDependency in package.json. */
function electronVersionOf(projectDir) {
  const pkg = JSON.parse(fs.readFileSync(path.join(projectDir, 'package.json'), 'utf8'));
  const raw = (pkg.devDependencies && pkg.devDependencies.electron) || (pkg.dependencies && pkg.dependencies.electron);
  const version = raw && String(raw).replace(/^[\^~=v]/, '');
  if (!version || !/^\d+\.\d+\.\d+/.test(version)) throw new Error(`package.json must pin an exact electron version (found ${raw ?? 'none'})`);
  return version;
}

function archName(arch) {
  const name = typeof arch === 'number' ? ARCH_NAMES[arch] : String(arch);
  if (!name) throw new Error(`Unknown target architecture ${arch}`);
  return name;
}

async function beforePack(context) {
  const projectDir = (context.packager && context.packager.projectDir) || path.resolve(__dirname, '..');
  const electronVersion = electronVersionOf(projectDir);
  const platform = context.electronPlatformName === 'mas' ? 'darwin' : context.electronPlatformName;
  const arch = archName(context.arch);
  if (process.env.OUTPOST_SKIP_NATIVE_REBUILD === '1') {
    console.warn(`  • skipping the better-sqlite3 rebuild (OUTPOST_SKIP_NATIVE_REBUILD=1): this package will not open its database`);
    return;
  }
  if (arch === 'universal') {
    throw new Error('Universal macOS builds need better-sqlite3 built for x64 and arm64 separately; package each arch instead.');
  }
  console.log(`  • rebuilding better-sqlite3 for Electron ${electronVersion} (${platform}-${arch})`);
  // @electron/rebuild 4 is an ES module.
  const { rebuild } = await import('@electron/rebuild');
  await rebuild({
    buildPath: projectDir,
    electronVersion,
    platform,
    arch,
    // The device store opens through better-sqlite3-multiple-ciphers (encryption at rest); the
    // plain binding is kept for the embedded sync server, which the desktop app does not run.
    onlyModules: ['better-sqlite3', 'better-sqlite3-multiple-ciphers'],
    force: true,
    // Compiled here, never a downloaded prebuild: the store's SQLite carries Outpost's change
    // (scripts/sqlite3mc-wal.mjs, applied by npm install to the sources in node_modules).
    buildFromSource: true,
    mode: 'sequential',
  });
  console.log('  • better-sqlite3 now targets Electron; run `npm rebuild better-sqlite3 better-sqlite3-multiple-ciphers` before using Node (tests, browser host) again');
}

module.exports = beforePack;
module.exports.default = beforePack;
module.exports.electronVersionOf = electronVersionOf;
module.exports.archName = archName;
