/**
 * The rig the sync specs share: one sync server and two devices (two browser hosts, each with its
 * own page), started before the spec's tests and stopped after them. Specs using it run serially,
 * since each test continues from the previous one's state.
 */
import { test, type Page } from '@playwright/test';
import { startHost, type RunningHost } from './host';
import { startSyncServer, type SyncServer } from './sync-server';

export interface TwoDevices {
  server: SyncServer;
  hostA: RunningHost;
  hostB: RunningHost;
  pageA: Page;
  pageB: Page;
}

/** Registers beforeAll/afterAll hooks; the returned object is filled in before the first test. */
export function useTwoDevices(): TwoDevices {
  const rig = {} as TwoDevices;
  test.describe.configure({ mode: 'serial' });
  test.beforeAll(async ({ browser }) => {
    rig.server = await startSyncServer();
    rig.hostA = await startHost();
    rig.hostB = await startHost();
    // Each device's page in a context of its own (its own storage), which axe can also scan.
    rig.pageA = await (await browser.newContext()).newPage();
    rig.pageB = await (await browser.newContext()).newPage();
  });
  test.afterAll(async () => {
    await rig.pageA?.context().close();
    await rig.pageB?.context().close();
    await rig.hostA?.stop();
    await rig.hostB?.stop();
    await rig.server?.dispose();
  });
  return rig;
}

/** The session token the console keeps for the signed-in user of this page. */
export async function sessionToken(p: Page): Promise<string> {
  return p.evaluate(() => (JSON.parse(localStorage.getItem('outpost.session') ?? '{}') as { token: string }).token);
}
