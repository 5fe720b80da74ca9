import { describe, expect, it } from 'vitest';
import path from 'node:path';
import {
  APP_ENTRY_URL,
  externalLinkAllowed,
  isAppUrl,
  mimeFor,
  parseShellArgs,
  planUpdates,
  resolveAppAsset,
  senderAllowed,
} from './policy';

describe('isAppUrl', () => {
  it('accepts only our app://outpost origin', () => {
    expect(isAppUrl(APP_ENTRY_URL)).toBe(true);
    expect(isAppUrl('app://outpost/assets/index-abc.js')).toBe(true);
    expect(isAppUrl('app://evil/index.html')).toBe(false);
    expect(isAppUrl('app://user:pw@outpost/index.html')).toBe(false);
    expect(isAppUrl('https://outpost/index.html')).toBe(false);
    expect(isAppUrl('file:///index.html')).toBe(false);
    expect(isAppUrl('not a url')).toBe(false);
  });
});

describe('senderAllowed', () => {
  const ok = { frameUrl: 'app://outpost/index.html', isMainFrame: true, isOurWindow: true };
  it('serves the top frame of our window showing the console', () => {
    expect(senderAllowed(ok)).toBe(true);
  });
  it('refuses iframes, foreign windows, foreign pages and destroyed frames', () => {
    expect(senderAllowed({ ...ok, isMainFrame: false })).toBe(false);
    expect(senderAllowed({ ...ok, isOurWindow: false })).toBe(false);
    expect(senderAllowed({ ...ok, frameUrl: 'https://example.org/' })).toBe(false);
    expect(senderAllowed({ ...ok, frameUrl: null })).toBe(false);
  });
});

describe('externalLinkAllowed', () => {
  it('opens plain https links', () => {
    expect(externalLinkAllowed('https://docs.example.org/kb/42?x=1')).toBe(true);
  });
  it('refuses every other scheme, credentials and oversized links', () => {
    for (const url of [
      'http://example.org/',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'smb://server/share',
      'ms-msdt:/id PCWDiagnostic',
      'https://user:pw@example.org/',
      `https://example.org/${'a'.repeat(3000)}`,
      'garbage',
    ]) {
      expect(externalLinkAllowed(url), url).toBe(false);
    }
  });
});

describe('resolveAppAsset', () => {
  const root = path.resolve('/srv/renderer');
  const files = new Set([path.join(root, 'index.html'), path.join(root, 'assets/app.js')]);
  const exists = (f: string) => files.has(f);
  it('maps app URLs to files in the renderer folder', () => {
    expect(resolveAppAsset(root, 'app://outpost/assets/app.js', exists)).toEqual({ file: path.join(root, 'assets/app.js'), fallback: false });
    expect(resolveAppAsset(root, 'app://outpost/', exists)).toEqual({ file: path.join(root, 'index.html'), fallback: false });
  });
  it('falls back to index.html for client routes', () => {
    expect(resolveAppAsset(root, 'app://outpost/tickets/INC0000001', exists)).toEqual({ file: path.join(root, 'index.html'), fallback: true });
  });
  it('never leaves the renderer folder', () => {
    expect(resolveAppAsset(root, 'app://outpost/%2e%2e/%2e%2e/etc/passwd', exists)?.file).toBe(path.join(root, 'index.html'));
    expect(resolveAppAsset(root, 'app://outpost/..%2f..%2fetc/passwd', exists)).toBeNull();
    expect(resolveAppAsset(root, 'app://outpost/a%00b', exists)).toBeNull();
    expect(resolveAppAsset(root, 'app://outpost/%E0%A4%A', exists)).toBeNull();
    expect(resolveAppAsset(root, 'app://other/index.html', exists)).toBeNull();
  });
  it('names content types', () => {
    expect(mimeFor('a/b.JS')).toBe('text/javascript; charset=utf-8');
    expect(mimeFor('x.unknown')).toBe('application/octet-stream');
  });
});

describe('parseShellArgs', () => {
  it('reads --data-dir in both spellings, ignoring Chromium switches', () => {
    expect(parseShellArgs(['.', '--no-sandbox', '--data-dir', '/tmp/o'], {})).toEqual({ dataDir: path.resolve('/tmp/o'), cipher: null });
    expect(parseShellArgs(['--data-dir=/tmp/p', '--enable-logging'], {})).toEqual({ dataDir: path.resolve('/tmp/p'), cipher: null });
  });
  it('falls back to OUTPOST_DATA_DIR, then to userData (null)', () => {
    expect(parseShellArgs([], { OUTPOST_DATA_DIR: '/tmp/env' })).toEqual({ dataDir: path.resolve('/tmp/env'), cipher: null });
    expect(parseShellArgs(['--data-dir', '/tmp/flag'], { OUTPOST_DATA_DIR: '/tmp/env' })).toEqual({ dataDir: path.resolve('/tmp/flag'), cipher: null });
    expect(parseShellArgs([], {})).toEqual({ dataDir: null, cipher: null });
  });
  it('says what is missing when --data-dir has no value', () => {
    expect(() => parseShellArgs(['--data-dir'], {})).toThrow(/needs a folder/);
    expect(() => parseShellArgs(['--data-dir', '--other'], {})).toThrow(/needs a folder/);
    expect(() => parseShellArgs(['--data-dir='], {})).toThrow(/needs a folder/);
  });
  it('reads the store cipher from --cipher (both spellings) over OUTPOST_CIPHER, and names the allowed ones when it is wrong', () => {
    expect(parseShellArgs(['--cipher', 'sqlcipher-4'], {}).cipher).toBe('sqlcipher-4');
    expect(parseShellArgs(['--cipher=sqlcipher-3'], { OUTPOST_CIPHER: 'aegis-256' }).cipher).toBe('sqlcipher-3');
    expect(parseShellArgs([], { OUTPOST_CIPHER: 'SQLCipher-4' }).cipher).toBe('sqlcipher-4');
    expect(() => parseShellArgs(['--cipher', 'aes-cbc'], {})).toThrow('--cipher names the cipher "aes-cbc"; the ciphers Outpost offers are aegis-256x4, aegis-256, sqlcipher-4, sqlcipher-3.');
    expect(() => parseShellArgs([], { OUTPOST_CIPHER: 'rot13' })).toThrow('OUTPOST_CIPHER names the cipher "rot13"');
    expect(() => parseShellArgs(['--cipher'], {})).toThrow('--cipher needs one of aegis-256x4, aegis-256, sqlcipher-4, sqlcipher-3');
  });
});

describe('planUpdates', () => {
  const on = { enabled: true, url: 'https://updates.example.org/outpost/' };
  it('runs only in a packaged build, outside tests, when enabled with an https feed', () => {
    expect(planUpdates({ isPackaged: true, env: {}, settings: on })).toEqual({ enabled: true, url: on.url });
    expect(planUpdates({ isPackaged: false, env: {}, settings: on })).toMatchObject({ enabled: false, reason: 'not a packaged build' });
    expect(planUpdates({ isPackaged: true, env: { CI: 'true' }, settings: on })).toMatchObject({ enabled: false, reason: 'running under test' });
    expect(planUpdates({ isPackaged: true, env: { OUTPOST_TEST: '1' }, settings: on })).toMatchObject({ enabled: false });
    expect(planUpdates({ isPackaged: true, env: {}, settings: { ...on, enabled: false } })).toMatchObject({ enabled: false });
    expect(planUpdates({ isPackaged: true, env: {}, settings: { enabled: true, url: null } })).toMatchObject({ enabled: false, reason: 'no update feed URL is set' });
  });
  it('refuses plain http feeds except on loopback', () => {
    expect(planUpdates({ isPackaged: true, env: {}, settings: { enabled: true, url: 'http://updates.example.org/' } })).toMatchObject({ enabled: false, reason: 'the update feed must use https' });
    expect(planUpdates({ isPackaged: true, env: {}, settings: { enabled: true, url: 'http://127.0.0.1:8080/feed/' } })).toEqual({ enabled: true, url: 'http://127.0.0.1:8080/feed/' });
    expect(planUpdates({ isPackaged: true, env: {}, settings: { enabled: true, url: 'ftp://x/' } })).toMatchObject({ enabled: false });
  });
});
