/**
 * The rig the server-portal specs share: a sync server and a technician's console (a browser host)
 * started before the spec's tests and stopped after them; the console set up by its first user; a
 * requester account made on the server; and the requester's own browser signed in at its /portal.
 */
import { expect, test, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { apiCall, startHost, type RunningHost } from './host';
import { sessionToken } from './two-devices';
import { SERVER_ADMIN, startSyncServer, type SyncServer } from './sync-server';
import { SetupPage } from '../pages/setup';
import { SyncSettingsPage } from '../pages/sync';
import { PortalPage } from '../pages/portal';

export interface PortalRig {
  server: SyncServer;
  host: RunningHost;
}

/** The requester who reports through the server's portal, without the app. */
export const RITA = { username: 'rita', password: 'rita-password-1' };

/** Registers beforeAll/afterAll hooks; the returned object is filled in before the first test. */
export function usePortalRig(): PortalRig {
  const rig = {} as PortalRig;
  test.beforeAll(async () => {
    rig.server = await startSyncServer();
    rig.host = await startHost();
  });
  test.afterAll(async () => {
    await rig.host?.stop();
    await rig.server?.dispose();
  });
  return rig;
}

/** POSTs to the sync server's own routes (sign-in, users), throwing with its message when refused. */
export async function serverPost<T>(server: SyncServer, path: string, body: unknown, token?: string): Promise<T> {
  const res = await fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) });
  const out = (await res.json()) as { ok: boolean; value?: T; error?: { message: string } };
  if (!out.ok) throw new Error(`${path}: ${out.error?.message}`);
  return out.value as T;
}

/** First run of the technician's console (Tess, site HQ): her session token and the HQ site's id. */
export async function setUpConsole(page: Page, host: RunningHost): Promise<{ tess: string; hq: string }> {
  await page.goto(host.url);
  await new SetupPage(page).complete({ organisation: 'Northwind IT', site: 'HQ', displayName: 'Tess Tech', username: 'tess', password: 'correct-horse-1' });
  await expect(page.getByTestId('nav-queue')).toBeVisible();
  const tess = await sessionToken(page);
  const hq = (await apiCall<{ items: { id: string; name: string }[] }>(host, 'sites.list', {}, tess)).items.find((s) => s.name === 'HQ')!.id;
  return { tess, hq };
}

/** Joins the console to the server from its sync settings, as the server's administrator, and syncs. */
export async function joinConsole(page: Page, rig: PortalRig, tess: string): Promise<void> {
  await new SyncSettingsPage(page).join(rig.server.url, SERVER_ADMIN.username, SERVER_ADMIN.password);
  await apiCall(rig.host, 'sync.now', {}, tess);
}

/** The server's administrator makes Rita's requester account at `siteId` (`deviceId` names the administrator's sign-in). */
export async function addRequesterOnServer(server: SyncServer, siteId: string, deviceId: string): Promise<void> {
  const adminToken = (await serverPost<{ accessToken: string }>(server, '/auth/login', { ...SERVER_ADMIN, deviceId, deviceName: 'console' })).accessToken;
  await serverPost(server, '/auth/users', { ...RITA, role: 'requester', sites: [siteId] }, adminToken);
}

/** Rita's own browser at the server's /portal; `beforeSignIn` looks at the sign-in screen first. */
export async function openPortal(browser: Browser, server: SyncServer, beforeSignIn?: (p: Page) => Promise<void>): Promise<{ ctx: BrowserContext; rp: Page; portal: PortalPage }> {
  const ctx = await browser.newContext();
  const rp = await ctx.newPage();
  const portal = new PortalPage(rp);
  await rp.goto(`${server.url}/portal`);
  await beforeSignIn?.(rp);
  await portal.signInOnServer(RITA.username, RITA.password);
  return { ctx, rp, portal };
}
