/**
 * The Electron shell's security and start-up decisions as pure functions, so they are unit-tested
 * without the Electron runtime (which cannot be downloaded on every machine). main.ts wires them up.
 */
import path from 'node:path';
import { parseCipher, STORE_CIPHERS, type StoreCipher } from '../../shared/api/store';

/** The renderer is served from app://outpost/ (a privileged standard + secure scheme), never file://. */
export const APP_SCHEME = 'app';
export const APP_HOST = 'outpost';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

export const UPDATE_INTERVAL_MS = 6 * 60 * 60 * 1000;

function parseUrl(raw: string): URL | null {
  try {
    return new URL(raw);
  } catch {
    return null;
  }
}

/** True only for URLs of our own bundled renderer. */
export function isAppUrl(raw: string): boolean {
  const u = parseUrl(raw);
  return !!u && u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST && u.username === '' && u.password === '';
}

/**
 * An IPC call is served only when it comes from the top frame of one of our windows while that
 * frame shows our own renderer: an iframe, a navigated-away page or a foreign origin is refused.
 */
export function senderAllowed(sender: { frameUrl: string | null; isMainFrame: boolean; isOurWindow: boolean }): boolean {
  return sender.isOurWindow && sender.isMainFrame && sender.frameUrl !== null && isAppUrl(sender.frameUrl);
}

/**
 * Links the console may open in the user's browser: plain https to a named host, no embedded
 * credentials, nothing long enough to smuggle data. Everything else (file:, javascript:, custom
 * protocol handlers that launch programs) is refused.
 */
export function externalLinkAllowed(raw: string): boolean {
  if (raw.length > 2048) return false;
  const u = parseUrl(raw);
  if (!u || u.protocol !== 'https:') return false;
  if (u.username !== '' || u.password !== '') return false;
  return u.hostname.length > 0;
}

/**
 * Maps an app:// request to a file inside the renderer folder. Paths that escape the folder are
 * refused (null); unknown paths fall back to index.html so client-side routes survive a reload.
 */
export function resolveAppAsset(root: string, requestUrl: string, exists: (file: string) => boolean): { file: string; fallback: boolean } | null {
  const u = parseUrl(requestUrl);
  if (!u || !isAppUrl(requestUrl)) return null;
  let pathname: string;
  try {
    pathname = decodeURIComponent(u.pathname);
  } catch {
    return null;
  }
  if (pathname.includes('\0')) return null;
  const base = path.resolve(root);
  const file = path.resolve(base, '.' + (pathname === '/' ? '/index.html' : pathname));
  if (file !== base && !file.startsWith(base + path.sep)) return null;
  if (file !== base && exists(file)) return { file, fallback: false };
  return { file: path.join(base, 'index.html'), fallback: true };
}

export const MIME: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.wav': 'audio/wav',
  '.mp3': 'audio/mpeg',
};

export function mimeFor(file: string): string {
  return MIME[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

export interface ShellArgs {
  /** null means "use Electron's userData folder". */
  dataDir: string | null;
  /** `--cipher C` or OUTPOST_CIPHER: the cipher to encrypt the store with (null: as recorded for it, else AEGIS-256X4). */
  cipher: StoreCipher | null;
}

/**
 * Reads --data-dir from the command line (Electron passes its own and Chromium's switches too,
 * so unknown options are ignored here), then OUTPOST_DATA_DIR.
 */
export function parseShellArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): ShellArgs {
  let dataDir: string | null = null;
  let cipher: StoreCipher | null = env.OUTPOST_CIPHER ? parseCipher(env.OUTPOST_CIPHER, 'OUTPOST_CIPHER') : null;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--data-dir') {
      const v = argv[i + 1];
      if (v === undefined || v.startsWith('--')) throw new Error('--data-dir needs a folder, for example --data-dir ./outpost-data');
      dataDir = v;
      i++;
    } else if (a.startsWith('--data-dir=')) {
      const v = a.slice('--data-dir='.length);
      if (!v) throw new Error('--data-dir needs a folder, for example --data-dir=./outpost-data');
      dataDir = v;
    } else if (a === '--cipher') {
      const v = argv[i + 1];
      if (v === undefined || v.startsWith('--')) throw new Error(`--cipher needs one of ${STORE_CIPHERS.join(', ')}`);
      cipher = parseCipher(v, '--cipher');
      i++;
    } else if (a.startsWith('--cipher=')) cipher = parseCipher(a.slice('--cipher='.length), '--cipher');
  }
  if (dataDir === null && env.OUTPOST_DATA_DIR) dataDir = env.OUTPOST_DATA_DIR;
  return { dataDir: dataDir === null ? null : path.resolve(dataDir), cipher };
}

export type UpdatePlan = { enabled: true; url: string } | { enabled: false; reason: string };

/**
 * Whether the auto-updater may run: only in a packaged build, never under test or CI, and only
 * when an administrator has turned it on with an https (or loopback http) generic feed URL.
 */
export function planUpdates(o: {
  isPackaged: boolean;
  env: Readonly<Record<string, string | undefined>>;
  settings: { enabled: boolean; url: string | null };
}): UpdatePlan {
  if (!o.isPackaged) return { enabled: false, reason: 'not a packaged build' };
  if (o.env.OUTPOST_TEST || o.env.CI) return { enabled: false, reason: 'running under test' };
  if (!o.settings.enabled) return { enabled: false, reason: 'updates are turned off in settings' };
  const u = o.settings.url ? parseUrl(o.settings.url) : null;
  if (!u) return { enabled: false, reason: 'no update feed URL is set' };
  const loopback = u.hostname === '127.0.0.1' || u.hostname === 'localhost' || u.hostname === '[::1]';
  if (u.protocol !== 'https:' && !(u.protocol === 'http:' && loopback)) {
    return { enabled: false, reason: 'the update feed must use https' };
  }
  return { enabled: true, url: u.toString() };
}
