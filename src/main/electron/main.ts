/**
 * The Electron shell: one locked-down window over the same runtime and dispatch table as the
 * browser host. Bundled by scripts/build-electron.mjs to dist/electron/main.cjs. The policy
 * decisions live in ./policy.ts (pure, unit-tested); this file only wires them to Electron.
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  Menu,
  protocol,
  safeStorage,
  session,
  shell,
  type IpcMainInvokeEvent,
  type MenuItemConstructorOptions,
  type SaveDialogOptions,
  type Session,
  type WebContents,
} from 'electron';
import { startRuntime, type StartedRuntime } from '../runtime';
import { safeStorageBox, safeStorageKeySealer } from './secret-box';
import { sealedKey } from '../db/store-key';
import { dispatchAsync } from '../api/dispatch';
import { CSP } from '../host/server';
import { getSettings } from '../services/settings/settings';
import { pickImportFile } from './pick-file';
import { IPC_CALL_CHANNEL, IPC_EVENT_CHANNEL, IPC_PICK_CHANNEL } from '../../shared/api/bridge';
import type { AppEvent } from '../../shared/api/events';
import type { Result } from '../../shared/result';
import {
  APP_ENTRY_URL,
  APP_ORIGIN,
  APP_SCHEME,
  UPDATE_INTERVAL_MS,
  externalLinkAllowed,
  isAppUrl,
  mimeFor,
  parseShellArgs,
  planUpdates,
  resolveAppAsset,
  senderAllowed,
} from './policy';

// Must happen before `ready`: app:// behaves like https (own origin, secure context, fetch).
protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true } },
]);
// Every renderer is sandboxed, including any created by mistake.
app.enableSandbox();

const windows = new Set<BrowserWindow>();
let runtime: StartedRuntime | null = null;
let updateTimer: NodeJS.Timeout | null = null;

/** Where the app's own files are: the project root in development, app.asar when packaged. */
const appRoot = () => app.getAppPath();
const rendererDir = () => path.join(appRoot(), 'dist', 'renderer');
const migrationsDir = () =>
  app.isPackaged ? path.join(process.resourcesPath, 'migrations', 'desktop') : path.join(appRoot(), 'migrations', 'desktop');

/** Start-up failures are shown in a dialog (there is no console for a desktop user), then the app quits. */
function fatal(title: string, e: unknown): void {
  dialog.showErrorBox(title, e instanceof Error ? e.message : String(e));
  app.exit(1);
}

function refuse(code: 'forbidden' | 'unknown_call' | 'internal', message: string): Result<never> {
  return { ok: false, error: { code, message } };
}

function isFile(file: string): boolean {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** Serves dist/renderer under app://outpost/ with the same CSP as the browser host. */
function registerAppProtocol(): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const headers = {
      'content-security-policy': CSP,
      'x-content-type-options': 'nosniff',
      'cross-origin-opener-policy': 'same-origin',
      'referrer-policy': 'no-referrer',
    };
    const hit = resolveAppAsset(rendererDir(), request.url, isFile);
    if (!hit) return new Response('Not found', { status: 404, headers });
    if (hit.fallback && !isFile(hit.file)) {
      return new Response('The Outpost console has not been built. Run `npm run build`, then start Outpost again.', {
        status: 503,
        headers: { ...headers, 'content-type': 'text/plain; charset=utf-8' },
      });
    }
    const body = await fs.promises.readFile(hit.file);
    return new Response(new Uint8Array(body), {
      status: 200,
      headers: { ...headers, 'content-type': mimeFor(hit.file), 'cache-control': 'no-store' },
    });
  });
}

/** No camera, microphone, location, notifications, USB, HID, serial… for any page. */
function hardenSession(ses: Session): void {
  ses.setPermissionRequestHandler((_wc, permission, callback, details) => {
    // Copy buttons (ticket numbers) write plain text to the clipboard; nothing else is granted.
    callback(permission === 'clipboard-sanitized-write' && isAppUrl(details.requestingUrl));
  });
  ses.setPermissionCheckHandler((_wc, permission, requestingOrigin) => permission === 'clipboard-sanitized-write' && requestingOrigin === APP_ORIGIN);
  ses.setDevicePermissionHandler(() => false);
}

/** Applied to every web contents the app ever creates, windows or otherwise. */
function hardenContents(contents: WebContents): void {
  const keepInApp = (event: { preventDefault(): void }, url: string) => {
    if (isAppUrl(url)) return;
    event.preventDefault();
    if (externalLinkAllowed(url)) void shell.openExternal(url);
  };
  contents.on('will-navigate', keepInApp);
  // A redirect is never something the user clicked: refuse it without opening anything.
  contents.on('will-redirect', (event, url) => {
    if (!isAppUrl(url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    if (externalLinkAllowed(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  if (app.isPackaged) contents.on('devtools-opened', () => contents.closeDevTools());
}

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1440,
    height: 900,
    minWidth: 960,
    minHeight: 600,
    title: 'Outpost',
    show: false,
    backgroundColor: '#1a1b1e',
    webPreferences: {
      preload: path.join(__dirname, 'preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInSubFrames: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      safeDialogs: true,
      spellcheck: true,
      devTools: !app.isPackaged,
    },
  });
  windows.add(win);
  win.once('ready-to-show', () => win.show());
  win.on('closed', () => windows.delete(win));
  void win.loadURL(APP_ENTRY_URL);
  return win;
}

/** Whether an IPC message comes from the top frame of one of our windows, showing app://. */
function fromConsole(rt: StartedRuntime, event: IpcMainInvokeEvent): boolean {
  const frame = event.senderFrame;
  const owner = BrowserWindow.fromWebContents(event.sender);
  const main = event.sender.mainFrame;
  const allowed = senderAllowed({
    frameUrl: frame ? frame.url : null,
    isMainFrame: !!frame && frame.parent === null && frame.processId === main.processId && frame.routingId === main.routingId,
    isOurWindow: owner !== null && windows.has(owner),
  });
  if (!allowed) rt.log.warn({ url: frame?.url ?? null }, 'refused an IPC call from a frame that is not the Outpost console');
  return allowed;
}

/** The IPC end of the contract, and the file pick for large imports: only our windows' top frames showing app:// may call. */
function registerIpc(rt: StartedRuntime): void {
  ipcMain.handle(IPC_CALL_CHANNEL, async (event: IpcMainInvokeEvent, name: unknown, input: unknown, token: unknown): Promise<Result<unknown>> => {
    if (!fromConsole(rt, event)) return refuse('forbidden', 'This page may not call Outpost.');
    if (typeof name !== 'string') return refuse('unknown_call', 'The call name must be text.');
    // Handlers may be asynchronous (sync talks to a server); the invoke promise carries the result.
    return dispatchAsync(rt, name, input, typeof token === 'string' ? token : null);
  });
  // The page names a kind of file; the path comes only from the dialog shown here (see pick-file.ts).
  ipcMain.handle(IPC_PICK_CHANNEL, async (event: IpcMainInvokeEvent, kind: unknown, token: unknown): Promise<Result<unknown>> => {
    if (!fromConsole(rt, event)) return refuse('forbidden', 'This page may not call Outpost.');
    const win = BrowserWindow.fromWebContents(event.sender);
    return pickImportFile(rt, (opts) => (win ? dialog.showOpenDialog(win, opts) : dialog.showOpenDialog(opts)), kind, token);
  });
}

/**
 * Export everything on the desktop: the person chooses where the file goes in the system's save dialog
 * (shown by the main process over the focused window); null when they cancel.
 */
async function saveExportAs(suggestedName: string): Promise<string | null> {
  const options: SaveDialogOptions = {
    title: 'Export everything',
    buttonLabel: 'Export',
    defaultPath: path.join(app.getPath('documents'), suggestedName),
    filters: [{ name: 'Outpost export', extensions: ['outpost'] }],
    properties: ['createDirectory', 'showOverwriteConfirmation'],
  };
  const win = BrowserWindow.getFocusedWindow() ?? [...windows][0];
  const chosen = win ? await dialog.showSaveDialog(win, options) : await dialog.showSaveDialog(options);
  if (chosen.canceled || !chosen.filePath) return null;
  return chosen.filePath.endsWith('.outpost') ? chosen.filePath : `${chosen.filePath}.outpost`;
}

function broadcast(event: AppEvent): void {
  for (const w of windows) if (!w.isDestroyed()) w.webContents.send(IPC_EVENT_CHANNEL, event);
}

function buildMenu(): void {
  const isMac = process.platform === 'darwin';
  const template: MenuItemConstructorOptions[] = [
    ...(isMac ? [{ role: 'appMenu' as const }] : []),
    { label: 'File', submenu: [isMac ? { role: 'close' } : { role: 'quit' }] },
    // The edit menu gives copy/paste shortcuts on macOS.
    { role: 'editMenu' },
    {
      label: 'View',
      submenu: [
        { role: 'reload' },
        ...(app.isPackaged ? [] : [{ role: 'toggleDevTools' as const }]),
        { type: 'separator' },
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
      ],
    },
    { role: 'windowMenu' },
    {
      role: 'help',
      submenu: [{ label: `Outpost ${app.getVersion()}`, enabled: false }],
    },
  ];
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}

/**
 * electron-updater, only when planUpdates allows it (packaged, not under test, an admin turned it
 * on with a generic feed URL). Re-planned whenever settings change.
 */
function startUpdater(rt: StartedRuntime): void {
  let listening = false;
  const stop = () => {
    if (updateTimer) clearInterval(updateTimer);
    updateTimer = null;
  };
  const apply = async () => {
    const plan = planUpdates({ isPackaged: app.isPackaged, env: process.env, settings: getSettings({ store: rt.store }).updates });
    stop();
    if (!plan.enabled) {
      rt.log.info({ reason: plan.reason }, 'automatic updates off');
      return;
    }
    const { autoUpdater } = await import('electron-updater');
    autoUpdater.logger = rt.log;
    autoUpdater.autoDownload = true;
    autoUpdater.autoInstallOnAppQuit = true;
    autoUpdater.setFeedURL({ provider: 'generic', url: plan.url });
    if (!listening) {
      listening = true;
      // No dedicated event type yet: the renderer sees a change in the "updates" domain with the version.
      autoUpdater.on('update-available', (info) => broadcast({ type: 'changed', domain: 'updates', ids: [`available:${info.version}`] }));
      autoUpdater.on('update-downloaded', (info) => broadcast({ type: 'changed', domain: 'updates', ids: [`downloaded:${info.version}`] }));
      autoUpdater.on('error', (err) => rt.log.warn({ err: err.message }, 'update check failed'));
    }
    const check = () => void autoUpdater.checkForUpdates().catch((err: unknown) => rt.log.warn({ err: String(err) }, 'update check failed'));
    check();
    updateTimer = setInterval(check, UPDATE_INTERVAL_MS);
  };
  rt.events.on('event', (e: AppEvent) => {
    if (e.type === 'changed' && e.domain === 'settings') void apply();
  });
  void apply();
}

async function start(): Promise<void> {
  const args = parseShellArgs(process.argv.slice(1), process.env);
  const dataDir = args.dataDir ?? app.getPath('userData');
  try {
    // Opens the store and applies every pending migration before any window exists.
    // The app is ready here, so safeStorage can reach the OS keychain for the sync tokens.
    // The store's key is random, sealed by the same keychain; a plain store is encrypted on this start.
    const sealer = safeStorageKeySealer(safeStorage);
    const key = sealer ? sealedKey(dataDir, sealer) : null;
    runtime = startRuntime({ dataDir, migrationsFolder: migrationsDir(), secretBox: safeStorageBox(safeStorage), key, cipher: args.cipher, saveExportAs });
  } catch (e) {
    throw new Error(`Outpost could not open or upgrade its database in ${dataDir}.\n\n${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  const rt = runtime;
  hardenSession(session.defaultSession);
  registerAppProtocol();
  registerIpc(rt);
  rt.events.on('event', broadcast);
  buildMenu();
  createWindow();
  startUpdater(rt);
}

function main(): void {
  if (!app.requestSingleInstanceLock()) {
    // Another Outpost owns the database; it is told to come forward (second-instance) and we leave.
    app.quit();
    return;
  }
  app.on('second-instance', () => {
    const [win] = windows;
    if (!win) return;
    if (win.isMinimized()) win.restore();
    win.focus();
  });
  app.on('session-created', hardenSession);
  app.on('web-contents-created', (_e, contents) => hardenContents(contents));
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('activate', () => {
    if (runtime && windows.size === 0) createWindow();
  });
  app.on('will-quit', () => {
    if (updateTimer) clearInterval(updateTimer);
    runtime?.close();
    runtime = null;
  });
  app
    .whenReady()
    .then(start)
    .catch((e: unknown) => fatal('Outpost cannot start', e));
}

main();
