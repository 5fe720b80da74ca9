/**
 * Runs the real Electron shell module (main.ts) against a recording stand-in for the electron
 * API, since the Electron binary is not available everywhere: start-up order, the app://
 * protocol, the IPC sender check through to the real dispatch and SQLite store, navigation,
 * window.open and permission policies.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { IPC_CALL_CHANNEL, IPC_EVENT_CHANNEL } from '../../shared/api/bridge';
import type { Result } from '../../shared/result';

const fake = vi.hoisted(() => {
  const appListeners = new Map<string, ((...a: unknown[]) => unknown)[]>();
  const state = {
    appRoot: '',
    userData: '',
    schemes: [] as unknown[],
    protocol: null as null | ((req: { url: string }) => Promise<Response>),
    ipc: new Map<string, (...a: unknown[]) => unknown>(),
    windows: [] as FakeWindow[],
    opened: [] as string[],
    errors: [] as string[],
    dbExistedAtFirstWindow: null as boolean | null,
    permissionRequest: null as null | ((...a: unknown[]) => void),
    permissionCheck: null as null | ((...a: unknown[]) => boolean),
    updaterLoaded: false,
    updater: { feeds: [] as unknown[], checks: 0, listeners: new Map<string, (info: { version: string }) => void>() },
    emitApp(ev: string, ...a: unknown[]) {
      for (const l of appListeners.get(ev) ?? []) l(...a);
    },
  };
  class FakeContents {
    listeners = new Map<string, ((...a: unknown[]) => unknown)[]>();
    sent: { channel: string; payload: unknown }[] = [];
    openHandler: null | ((d: { url: string }) => { action: string }) = null;
    mainFrame = { processId: 7, routingId: 1, url: 'app://outpost/index.html', parent: null as unknown };
    on(ev: string, l: (...a: unknown[]) => unknown) {
      this.listeners.set(ev, [...(this.listeners.get(ev) ?? []), l]);
      return this;
    }
    emit(ev: string, ...a: unknown[]) {
      for (const l of this.listeners.get(ev) ?? []) l(...a);
    }
    send(channel: string, payload: unknown) {
      this.sent.push({ channel, payload });
    }
    setWindowOpenHandler(h: (d: { url: string }) => { action: string }) {
      this.openHandler = h;
    }
    closeDevTools() {}
  }
  class FakeWindow {
    webContents = new FakeContents();
    loaded: string | null = null;
    constructor(public opts: { webPreferences: Record<string, unknown> }) {
      // fs/path are the module's imports: this runs long after the hoisted block, at window creation.
      if (state.dbExistedAtFirstWindow === null) state.dbExistedAtFirstWindow = fs.existsSync(path.join(state.userData, 'outpost.db'));
      state.windows.push(this);
      state.emitApp('web-contents-created', {}, this.webContents);
    }
    static fromWebContents(wc: unknown) {
      return state.windows.find((w) => w.webContents === wc) ?? null;
    }
    once() {}
    on() {}
    show() {}
    focus() {}
    restore() {}
    isMinimized() {
      return false;
    }
    isDestroyed() {
      return false;
    }
    loadURL(url: string) {
      this.loaded = url;
      return Promise.resolve();
    }
  }
  const electron = {
    app: {
      isPackaged: false,
      enableSandbox() {},
      requestSingleInstanceLock: () => true,
      on(ev: string, l: (...a: unknown[]) => unknown) {
        appListeners.set(ev, [...(appListeners.get(ev) ?? []), l]);
      },
      whenReady: () => Promise.resolve(),
      getPath: () => state.userData,
      getAppPath: () => state.appRoot,
      getVersion: () => '0.1.0',
      quit() {},
      exit(code: number) {
        throw new Error(`app.exit(${code})`);
      },
    },
    protocol: {
      registerSchemesAsPrivileged(s: unknown[]) {
        state.schemes = s;
      },
      handle(_scheme: string, h: (req: { url: string }) => Promise<Response>) {
        state.protocol = h;
      },
    },
    ipcMain: {
      handle(channel: string, h: (...a: unknown[]) => unknown) {
        state.ipc.set(channel, h);
      },
    },
    session: {
      defaultSession: {
        setPermissionRequestHandler(h: (...a: unknown[]) => void) {
          state.permissionRequest = h;
        },
        setPermissionCheckHandler(h: (...a: unknown[]) => boolean) {
          state.permissionCheck = h;
        },
        setDevicePermissionHandler() {},
      },
    },
    // No keyring in the stand-in: the shell keeps sync tokens as the browser host does.
    safeStorage: { isEncryptionAvailable: () => false, encryptString: (s: string) => Buffer.from(s), decryptString: (b: Buffer) => b.toString() },
    shell: {
      openExternal(url: string) {
        state.opened.push(url);
        return Promise.resolve();
      },
    },
    dialog: {
      showErrorBox(title: string, message: string) {
        state.errors.push(`${title}: ${message}`);
      },
    },
    Menu: { buildFromTemplate: (t: unknown) => t, setApplicationMenu() {} },
    BrowserWindow: FakeWindow,
  };
  return { state, electron, FakeWindow, FakeContents };
});

vi.mock('electron', () => ({ ...fake.electron, default: fake.electron }));
vi.mock('electron-updater', () => {
  fake.state.updaterLoaded = true;
  const u = fake.state.updater;
  return {
    autoUpdater: {
      setFeedURL: (o: unknown) => u.feeds.push(o),
      checkForUpdates: () => {
        u.checks++;
        return Promise.resolve(null);
      },
      on: (ev: string, l: (info: { version: string }) => void) => u.listeners.set(ev, l),
    },
  };
});

const { state } = fake;
let savedEnv: string | undefined;

function ipcCall(sender: InstanceType<typeof fake.FakeContents>, frame: { url: string; processId: number; routingId: number; parent: unknown } | null, name: unknown, input: unknown, token: unknown) {
  const h = state.ipc.get(IPC_CALL_CHANNEL)!;
  return h({ sender, senderFrame: frame }, name, input, token) as Promise<Result<unknown>>;
}

beforeAll(async () => {
  savedEnv = process.env.OUTPOST_DATA_DIR;
  delete process.env.OUTPOST_DATA_DIR;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-shell-'));
  state.appRoot = path.join(tmp, 'app');
  state.userData = path.join(tmp, 'userData');
  fs.mkdirSync(path.join(state.appRoot, 'dist/renderer/assets'), { recursive: true });
  fs.writeFileSync(path.join(state.appRoot, 'dist/renderer/index.html'), '<!doctype html><title>Outpost</title>');
  fs.writeFileSync(path.join(state.appRoot, 'dist/renderer/assets/app.js'), 'console.log(1)');
  fs.symlinkSync(path.resolve('migrations'), path.join(state.appRoot, 'migrations'));
  await import('./main');
  for (let i = 0; i < 100 && state.windows.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
});

afterAll(() => {
  if (savedEnv !== undefined) process.env.OUTPOST_DATA_DIR = savedEnv;
  state.emitApp('will-quit');
});

describe('Electron shell start-up', () => {
  it('migrates the store before opening one locked-down window on app://', () => {
    expect(state.errors).toEqual([]);
    expect(state.windows).toHaveLength(1);
    expect(state.dbExistedAtFirstWindow).toBe(true);
    const w = state.windows[0]!;
    expect(w.loaded).toBe('app://outpost/index.html');
    expect(w.opts.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, webviewTag: false });
    expect(String(w.opts.webPreferences.preload)).toMatch(/preload\.cjs$/);
    expect(state.schemes).toEqual([expect.objectContaining({ scheme: 'app', privileges: expect.objectContaining({ standard: true, secure: true }) })]);
    expect(state.updaterLoaded).toBe(false);
  });
});

describe('app:// protocol', () => {
  it('serves the renderer with the strict CSP', async () => {
    const res = await state.protocol!({ url: 'app://outpost/index.html' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(await res.text()).toContain('<title>Outpost</title>');
    const js = await state.protocol!({ url: 'app://outpost/assets/app.js' });
    expect(js.headers.get('content-type')).toMatch(/javascript/);
  });
  it('refuses paths outside the renderer and other hosts', async () => {
    expect((await state.protocol!({ url: 'app://outpost/..%2f..%2fmigrations/desktop/0000_init.sql' })).status).toBe(404);
    expect((await state.protocol!({ url: 'app://elsewhere/index.html' })).status).toBe(404);
  });
});

describe('IPC', () => {
  const frame = () => ({ ...state.windows[0]!.webContents.mainFrame });
  it('runs contract calls from our top frame through the real dispatch', async () => {
    const wc = state.windows[0]!.webContents;
    expect(await ipcCall(wc, frame(), 'setup.status', {}, null)).toMatchObject({ ok: true, value: { initialized: false } });
    const init = await ipcCall(wc, frame(), 'setup.init', { admin: { username: 'admin', displayName: 'Admin', password: 'password123' }, site: { name: 'HQ' } }, null);
    expect(init.ok).toBe(true);
    const token = init.ok ? (init.value as { token: string }).token : '';
    expect(await ipcCall(wc, frame(), 'session.me', {}, token)).toMatchObject({ ok: true, value: { username: 'admin', role: 'admin' } });
    expect(await ipcCall(wc, frame(), 'session.me', {}, null)).toMatchObject({ ok: false, error: { code: 'unauthenticated' } });
    expect(await ipcCall(wc, frame(), 'setup.init', { admin: {} }, null)).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    expect(await ipcCall(wc, frame(), 'tickets.drop', {}, token)).toMatchObject({ ok: false, error: { code: 'unknown_call' } });
    // The change made by setup.init reached the window as an event.
    expect(wc.sent.some((s) => s.channel === IPC_EVENT_CHANNEL && (s.payload as { type: string }).type === 'changed')).toBe(true);
  });
  it('refuses iframes, foreign pages, destroyed frames and unknown windows', async () => {
    const wc = state.windows[0]!.webContents;
    const refused = { ok: false, error: { code: 'forbidden' } };
    expect(await ipcCall(wc, { ...frame(), routingId: 99, parent: frame() }, 'setup.status', {}, null)).toMatchObject(refused);
    expect(await ipcCall(wc, { ...frame(), url: 'https://evil.example/' }, 'setup.status', {}, null)).toMatchObject(refused);
    expect(await ipcCall(wc, null, 'setup.status', {}, null)).toMatchObject(refused);
    expect(await ipcCall(new fake.FakeContents(), frame(), 'setup.status', {}, null)).toMatchObject(refused);
  });
});

describe('navigation, new windows and permissions', () => {
  it('keeps the window on app:// and opens only https links outside', () => {
    const wc = state.windows[0]!.webContents;
    const nav = (url: string) => {
      let prevented = false;
      wc.emit('will-navigate', { preventDefault: () => (prevented = true) }, url);
      return prevented;
    };
    expect(nav('app://outpost/tickets')).toBe(false);
    expect(nav('https://docs.example.org/')).toBe(true);
    expect(nav('file:///etc/passwd')).toBe(true);
    expect(wc.openHandler!({ url: 'https://kb.example.org/1' })).toEqual({ action: 'deny' });
    expect(wc.openHandler!({ url: 'javascript:alert(1)' })).toEqual({ action: 'deny' });
    expect(state.opened).toEqual(['https://docs.example.org/', 'https://kb.example.org/1']);
    let webviewPrevented = false;
    wc.emit('will-attach-webview', { preventDefault: () => (webviewPrevented = true) });
    expect(webviewPrevented).toBe(true);
  });
  it('denies permission requests', () => {
    const answers: boolean[] = [];
    for (const p of ['media', 'geolocation', 'notifications', 'openExternal']) state.permissionRequest!(null, p, (ok: boolean) => answers.push(ok), { requestingUrl: 'app://outpost/index.html' });
    expect(answers).toEqual([false, false, false, false]);
    expect(state.permissionCheck!(null, 'media', 'app://outpost', {})).toBe(false);
    state.permissionRequest!(null, 'clipboard-sanitized-write', (ok: boolean) => answers.push(ok), { requestingUrl: 'https://evil.example/' });
    expect(answers.at(-1)).toBe(false);
  });
});

describe('automatic updates', () => {
  it('start only when packaged and an admin turns them on, and tell the window about a new version', async () => {
    const wc = state.windows[0]!.webContents;
    const frame = { ...wc.mainFrame };
    const login = await ipcCall(wc, frame, 'session.login', { username: 'admin', password: 'password123' }, null);
    const token = login.ok ? (login.value as { token: string }).token : null;
    const saved = { CI: process.env.CI, OUTPOST_TEST: process.env.OUTPOST_TEST };
    delete process.env.CI;
    delete process.env.OUTPOST_TEST;
    fake.electron.app.isPackaged = true;
    try {
      const url = 'https://updates.example.org/outpost/';
      expect(await ipcCall(wc, frame, 'settings.update', { updates: { enabled: true, url } }, token)).toMatchObject({ ok: true });
      for (let i = 0; i < 50 && state.updater.checks === 0; i++) await new Promise((r) => setTimeout(r, 10));
      expect(state.updaterLoaded).toBe(true);
      expect(state.updater.feeds.at(-1)).toEqual({ provider: 'generic', url });
      expect(state.updater.checks).toBe(1);
      state.updater.listeners.get('update-available')!({ version: '0.2.0' });
      expect(wc.sent.at(-1)).toEqual({ channel: IPC_EVENT_CHANNEL, payload: { type: 'changed', domain: 'updates', ids: ['available:0.2.0'] } });
      // Turning them off again stops further checks (no new feed is configured).
      const feeds = state.updater.feeds.length;
      expect(await ipcCall(wc, frame, 'settings.update', { updates: { enabled: false, url } }, token)).toMatchObject({ ok: true });
      await new Promise((r) => setTimeout(r, 30));
      expect(state.updater.feeds.length).toBe(feeds);
    } finally {
      fake.electron.app.isPackaged = false;
      if (saved.CI !== undefined) process.env.CI = saved.CI;
      if (saved.OUTPOST_TEST !== undefined) process.env.OUTPOST_TEST = saved.OUTPOST_TEST;
    }
  });
});
