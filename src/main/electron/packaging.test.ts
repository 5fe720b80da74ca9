// Checks electron-builder.yml against electron-builder's own JSON schema and the choices issue 2
// asks for, since packaging itself needs the Electron binary and network and cannot run here.
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { Ajv } from 'ajv';
import { parse } from 'yaml';

const root = path.resolve(import.meta.dirname, '../../..');
const require = createRequire(import.meta.url);
const config = parse(fs.readFileSync(path.join(root, 'electron-builder.yml'), 'utf8')) as Record<string, unknown>;

describe('electron-builder.yml', () => {
  it('is valid for electron-builder', () => {
    const schema = JSON.parse(fs.readFileSync(path.join(root, 'node_modules/app-builder-lib/scheme.json'), 'utf8')) as object;
    const validate = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true }).compile(schema);
    expect(validate(config), JSON.stringify(validate.errors)).toBe(true);
  });

  it('packages the app as issue 2 asks', () => {
    expect(config).toMatchObject({ appId: 'org.outpost.console', productName: 'Outpost', npmRebuild: false, beforePack: 'build/before-pack.cjs' });
    expect(config.directories).toMatchObject({ output: 'release' });
    expect(config.files).toEqual(expect.arrayContaining(['dist/**', 'package.json', 'migrations/**']));
    expect(config.extraResources).toEqual([expect.objectContaining({ from: 'migrations/desktop', to: 'migrations/desktop' })]);
    expect(config.asarUnpack).toContain('**/node_modules/better-sqlite3/**');
    expect(config.asarUnpack).toContain('**/node_modules/better-sqlite3-multiple-ciphers/**');
    expect(config.linux).toMatchObject({ target: ['AppImage', 'deb'] });
    expect(config.win).toMatchObject({ target: ['nsis'] });
    expect(config.mac).toMatchObject({ target: ['dmg'] });
    expect(config.publish).toMatchObject({ provider: 'generic', url: '${env.OUTPOST_UPDATE_URL}' });
  });

  it('points at resources that exist', () => {
    for (const f of ['build/icon.png', 'build/entitlements.mac.plist', 'build/before-pack.cjs']) expect(fs.existsSync(path.join(root, f)), f).toBe(true);
    const png = fs.readFileSync(path.join(root, 'build/icon.png'));
    expect(png.subarray(1, 4).toString('ascii')).toBe('PNG');
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([512, 512]);
  });

  it('has a beforePack hook that targets the pinned Electron and the packaging arch', () => {
    const hook = require(path.join(root, 'build/before-pack.cjs')) as ((ctx: unknown) => Promise<void>) & {
      electronVersionOf(dir: string): string;
      archName(arch: number | string): string;
    };
    expect(typeof hook).toBe('function');
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { devDependencies: Record<string, string>; main: string };
    expect(hook.electronVersionOf(root)).toBe(pkg.devDependencies.electron);
    expect([0, 1, 2, 3].map(hook.archName)).toEqual(['ia32', 'x64', 'armv7l', 'arm64']);
    expect(pkg.main).toBe('dist/electron/main.cjs');
    // Compiled from the sources npm install changed (scripts/sqlite3mc-wal.mjs), never a downloaded prebuild.
    expect(fs.readFileSync(path.join(root, 'build/before-pack.cjs'), 'utf8')).toMatch(/^\s+buildFromSource: true,$/m);
    expect((pkg as unknown as { scripts: Record<string, string> }).scripts.postinstall).toBe('node scripts/sqlite3mc-wal.mjs');
  });
});
