// The pure parts of `npm start` / `npm run serve` (scripts/launch-lib.mjs) and `npm run seed` (scripts/seed.ts).
import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { fallbackMessage, locateElectron, parseServeArgs, parseStartArgs, rendererNeedsBuild } from '../../../scripts/launch-lib.mjs';
import { parseServeArgs as parseHostArgs } from '../host/cli';
import { DEFAULT_ADMIN_PASSWORD, DEFAULT_TICKETS, parseSeedArgs } from '../../../scripts/seed';

describe('parseStartArgs', () => {
  it('defaults to the desktop app with a build', () => {
    expect(parseStartArgs([])).toEqual({ dataDir: null, port: null, browser: false, build: true, cipher: null });
  });
  it('reads every option in both spellings', () => {
    expect(parseStartArgs(['--data-dir', 'd', '--port=5000', '--browser', '--no-build', '--cipher', 'sqlcipher-4'])).toEqual({
      dataDir: path.resolve('d'),
      port: 5000,
      browser: true,
      build: false,
      cipher: 'sqlcipher-4',
    });
    expect(parseStartArgs(['--data-dir=/x', '--port', '0'])).toMatchObject({ dataDir: path.resolve('/x'), port: 0 });
  });
  it('refuses bad ports, missing values and unknown options with the usage line', () => {
    expect(() => parseStartArgs(['--port', 'abc'])).toThrow(/--port must be a number.*Usage: npm start/);
    expect(() => parseStartArgs(['--port', '70000'])).toThrow(/--port must be a number/);
    expect(() => parseStartArgs(['--data-dir'])).toThrow(/--data-dir needs a value/);
    expect(() => parseStartArgs(['--data-dir', '--browser'])).toThrow(/--data-dir needs a value/);
    expect(() => parseStartArgs(['--data-dir='])).toThrow(/--data-dir needs a folder/);
    expect(() => parseStartArgs(['--prot', '1'])).toThrow(/Unknown option --prot/);
  });
});

describe('parseServeArgs', () => {
  it('hands the host its options with folders made absolute', () => {
    expect(parseServeArgs(['--port', '4999', '--data-dir', 'rel/d'])).toEqual({ hostArgs: ['--port', '4999', '--data-dir', path.resolve('rel/d')], build: true, port: 4999 });
    expect(parseServeArgs(['-p', '1', '--host=127.0.0.1', '--no-build'])).toEqual({ hostArgs: ['--port', '1', '--host', '127.0.0.1'], build: false, port: 1 });
    expect(parseServeArgs(['--cipher', 'sqlcipher-4']).hostArgs).toEqual(['--cipher', 'sqlcipher-4']);
  });
  it("the host itself reads --cipher and OUTPOST_CIPHER, and names the ciphers it offers when given another", () => {
    expect(parseHostArgs(['--cipher', 'sqlcipher-3']).cipher).toBe('sqlcipher-3');
    expect(parseHostArgs(['--cipher=sqlcipher-4']).cipher).toBe('sqlcipher-4');
    expect(parseHostArgs([]).cipher).toBeNull();
    expect(() => parseHostArgs(['--cipher', 'blowfish'])).toThrow('--cipher names the cipher "blowfish"; the ciphers Outpost offers are aegis-256x4, aegis-256, sqlcipher-4, sqlcipher-3.');
    process.env.OUTPOST_CIPHER = 'nope';
    try {
      expect(() => parseHostArgs([])).toThrow('OUTPOST_CIPHER names the cipher "nope"');
      process.env.OUTPOST_CIPHER = 'sqlcipher-4';
      expect(parseHostArgs([]).cipher).toBe('sqlcipher-4');
    } finally {
      delete process.env.OUTPOST_CIPHER;
    }
  });
  it('refuses typos before anything is built', () => {
    expect(() => parseServeArgs(['--port'])).toThrow(/--port needs a value.*Usage: npm run serve/);
    expect(() => parseServeArgs(['--port', 'x1'])).toThrow(/--port must be a number/);
    expect(() => parseServeArgs(['--datadir', 'x'])).toThrow(/Unknown option --datadir/);
    expect(() => parseServeArgs(['--data-dir'])).toThrow(/--data-dir needs a value/);
  });
});

describe('rendererNeedsBuild', () => {
  it('builds when never built or when a source is newer', () => {
    expect(rendererNeedsBuild(null, 0)).toBe(true);
    expect(rendererNeedsBuild(100, 200)).toBe(true);
    expect(rendererNeedsBuild(200, 100)).toBe(false);
    expect(rendererNeedsBuild(200, 200)).toBe(false);
  });
});

describe('locateElectron', () => {
  const pkgDir = '/p/node_modules/electron';
  const files = (entries: Record<string, string>) => ({
    exists: (p: string) => p in entries,
    readText: (p: string) => entries[p] ?? '',
  });
  it('finds the downloaded binary without requiring the package (which would start a download)', () => {
    const fs = files({ [path.join(pkgDir, 'path.txt')]: 'electron\n', [path.join(pkgDir, 'dist/electron')]: '' });
    expect(locateElectron({ pkgDir, env: { DISPLAY: ':0' }, platform: 'linux', ...fs })).toEqual({ path: path.join(pkgDir, 'dist/electron') });
  });
  it('explains in plain words why it is not available', () => {
    expect(locateElectron({ pkgDir: null, env: {}, platform: 'linux', ...files({}) })).toEqual({ reason: 'the electron package is not installed' });
    expect(locateElectron({ pkgDir, env: {}, platform: 'linux', ...files({}) })).toEqual({ reason: 'its binary was never downloaded' });
    expect(locateElectron({ pkgDir, env: {}, platform: 'linux', ...files({ [path.join(pkgDir, 'path.txt')]: 'electron' }) })).toEqual({ reason: 'its binary is missing' });
    const fs = files({ [path.join(pkgDir, 'path.txt')]: 'electron', [path.join(pkgDir, 'dist/electron')]: '' });
    expect(locateElectron({ pkgDir, env: {}, platform: 'linux', ...fs })).toEqual({ reason: 'there is no graphical display' });
    expect(locateElectron({ pkgDir, env: { WAYLAND_DISPLAY: 'wayland-0' }, platform: 'linux', ...fs })).toHaveProperty('path');
    expect(locateElectron({ pkgDir, env: {}, platform: 'win32', ...fs })).toHaveProperty('path');
  });
  it('honours ELECTRON_OVERRIDE_DIST_PATH like the electron package does', () => {
    const fs = files({ '/opt/el/electron': '' });
    expect(locateElectron({ pkgDir, env: { ELECTRON_OVERRIDE_DIST_PATH: '/opt/el' }, platform: 'linux', ...fs })).toEqual({ path: '/opt/el/electron' });
    expect(locateElectron({ pkgDir, env: { ELECTRON_OVERRIDE_DIST_PATH: '/nowhere' }, platform: 'linux', ...fs })).toEqual({ reason: 'no Electron binary at /nowhere/electron' });
  });
  it('falls back with one line', () => {
    const line = fallbackMessage('its binary was never downloaded');
    expect(line).toBe('Electron runtime not available here (its binary was never downloaded); serving the Outpost console in your browser instead.');
    expect(line).not.toContain('\n');
  });
});

describe('parseSeedArgs (npm run seed)', () => {
  it('defaults to 3000 tickets and the documented admin password', () => {
    expect(parseSeedArgs(['--data-dir', 'd'], {})).toEqual({ dataDir: path.resolve('d'), tickets: DEFAULT_TICKETS, adminPassword: DEFAULT_ADMIN_PASSWORD, seed: 42 });
    expect(DEFAULT_TICKETS).toBe(3000);
  });
  it('reads every option in both spellings and OUTPOST_DATA_DIR', () => {
    expect(parseSeedArgs(['--tickets=10', '--admin-password', 'longenough', '--seed', '7'], { OUTPOST_DATA_DIR: '/env/d' })).toEqual({
      dataDir: path.resolve('/env/d'),
      tickets: 10,
      adminPassword: 'longenough',
      seed: 7,
    });
  });
  it('names the bad option', () => {
    expect(() => parseSeedArgs(['--tickets', '-5'], {})).toThrow(/--tickets cannot be negative\. Usage/);
    expect(() => parseSeedArgs(['--tickets', '1.5'], {})).toThrow(/--tickets must be a whole number/);
    expect(() => parseSeedArgs(['--tickets', 'many'], {})).toThrow(/--tickets must be a whole number/);
    expect(() => parseSeedArgs(['--admin-password', 'short'], {})).toThrow(/^--admin-password: Password must be at least 8 characters\. Usage/);
    expect(() => parseSeedArgs(['--data-dir'], {})).toThrow(/--data-dir needs a value/);
    expect(() => parseSeedArgs(['--tickts', '5'], {})).toThrow(/Unknown option --tickts/);
  });
});
