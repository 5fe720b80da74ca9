/**
 * Keyboard reach: views and settings pages in the palette, `g` then a letter, `r` to the comment box,
 * focus back on the list after menus and dialogs, one digit per status, Enter/Esc out of search boxes
 * (queue and Assets), quick shortcut keys never mistaken for a scanner, and every Tab stop visible.
 */
import { expect, test, type Page } from '@playwright/test';
import { apiCall, startHost, type RunningHost } from './support/host';
import { SignInPage } from './pages/setup';
import { QueuePage } from './pages/queue';
import { Palette, TicketPane, queueQuery } from './pages/ticket';
import { AssetsPage } from './pages/assets';

test.describe.configure({ mode: 'serial' });

let host: RunningHost;
let page: Page;
let q: QueuePage;
let pane: TicketPane;
let admin: string;

test.beforeAll(async ({ browser }) => {
  host = await startHost();
  admin = (
    await apiCall<{ token: string; user: { id: string } }>(host, 'setup.init', {
      admin: { username: 'ada', displayName: 'Ada Admin', password: 'password123' },
      site: { name: 'HQ' },
    })
  ).token;
  const me = await apiCall<{ id: string }>(host, 'session.me', {}, admin);
  await apiCall(host, 'tickets.create', { type: 'incident', title: 'Core switch down in the server room', impact: 1, urgency: 1 }, admin); // INC0000001 new
  await apiCall(
    host,
    'tickets.create',
    { type: 'incident', title: 'Laptop fan is loud', impact: 2, urgency: 2, assigneeId: me.id }, // INC0000002 assigned
    admin,
  );
  for (const n of [1, 2, 3, 4])
    await apiCall(host, 'assets.create', { tag: `AST-00020${n}`, name: `Desk phone ${n}`, type: 'other' }, admin);
  page = await browser.newPage();
  await page.goto(host.url);
  await new SignInPage(page).signIn('ada', 'password123');
  q = new QueuePage(page);
  pane = new TicketPane(page);
  await q.view('all_open');
  await expect(q.rows()).toHaveCount(2);
});

test.afterAll(async () => {
  await page?.close();
  await host?.stop();
});

test('the palette finds the views and every settings page', async () => {
  const palette = new Palette(page);
  await palette.open();
  await palette.input().fill('unassigned');
  await page.getByTestId('palette-view-unassigned').click();
  await expect(page.getByTestId('view-unassigned')).toHaveAttribute('data-active', 'true');
  await expect.poll(async () => (await queueQuery(page)).get('view')).toBe('unassigned');
  await expect(q.rows()).toHaveCount(1);

  await palette.open();
  await palette.input().fill('settings');
  // An administrator has fourteen settings pages (the service catalogue the latest); each is one entry.
  await expect(page.locator('[data-testid^="palette-settings-"]')).toHaveCount(14);
  await expect(page.getByTestId('palette-settings-catalogue')).toBeVisible();
  await palette.input().fill('priority matrix');
  await page.getByTestId('palette-settings-priority').click();
  await expect(page.getByRole('tab', { name: 'Priority matrix' })).toHaveAttribute('aria-selected', 'true');
  expect(await page.evaluate(() => location.hash)).toContain('/settings/priority');
});

test('g then a letter goes to a view or a screen, and ? lists the sequences', async () => {
  // Leave the settings tab the palette opened (a click on the page could land on a control).
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  await expect.poll(() => page.evaluate(() => document.activeElement === document.body)).toBe(true);
  // Keys wait while an overlay is open: the palette must have finished closing.
  await expect(page.locator('[aria-modal="true"], [role="dialog"], [role="menu"]')).toHaveCount(0);
  await page.keyboard.press('g');
  await page.keyboard.press('o');
  await expect(page.getByTestId('view-all_open')).toHaveAttribute('data-active', 'true');
  await expect(q.rows()).toHaveCount(2);
  await page.keyboard.press('g');
  await page.keyboard.press('m');
  await expect(page.getByTestId('view-my_work')).toHaveAttribute('data-active', 'true');
  await expect(q.rows()).toHaveCount(1);
  await page.keyboard.press('g');
  await page.keyboard.press('u');
  await expect(page.getByTestId('view-unassigned')).toHaveAttribute('data-active', 'true');
  await expect(q.row('INC0000001')).toBeVisible();
  // `g a` is Assets: the `a` is not also taken as "assign to me" on the highlighted ticket.
  await page.keyboard.press('g');
  await page.keyboard.press('a');
  await expect(page.getByTestId('asset-search')).toBeVisible();
  await page.keyboard.press('g');
  await page.keyboard.press('t');
  await expect(page.getByTestId('view-all')).toHaveAttribute('data-active', 'true');
  await expect(q.row('INC0000001').getByTestId('row-assignee')).toHaveText('Unassigned');

  await page.keyboard.press('?');
  const sheet = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
  await expect(sheet).toContainText('Go to');
  const sequences: [string, string][] = [
    ['My work', 'm'],
    ['Unassigned', 'u'],
    ['All open', 'o'],
    ['Recently resolved', 'r'],
    ['All tickets', 't'],
    ['Assets', 'a'],
  ];
  for (const [label, key] of sequences) await expect(sheet.getByTestId(`shortcut-g-${key}`)).toContainText(label);
  await expect(sheet).toContainText('Write a comment on the open ticket');
  await page.keyboard.press('Escape');
  await q.overlaysGone();
});

test('the same digit means the same status on every ticket; unreachable ones show disabled', async () => {
  await q.view('all_open');
  await q.row('INC0000001').click();
  await q.key('s');
  let d = q.statusDialog();
  await expect(d).toHaveAccessibleName('Change status of INC0000001');
  await expect(d.getByTestId('status-option-new')).toBeDisabled(); // its status now
  await expect(d.getByTestId('status-option-closed')).toBeDisabled();
  await expect(d.getByTestId('status-option-in_progress')).toBeEnabled();
  await expect(d.getByTestId('status-option-in_progress')).toContainText('3');
  await page.keyboard.press('Escape');
  await q.overlaysGone();
  // The dialog hands the keyboard back to the list.
  await expect(page.getByTestId('ticket-list')).toBeFocused();

  await q.key('j');
  await expect(q.cursorRow()).toHaveAttribute('data-number', 'INC0000002');
  await q.key('s');
  d = q.statusDialog();
  await expect(d).toHaveAccessibleName('Change status of INC0000002');
  await expect(d.getByTestId('status-option-assigned')).toBeDisabled();
  await expect(d.getByTestId('status-option-new')).toBeEnabled();
  await expect(d.getByTestId('status-option-new')).toContainText('1');
  await expect(d.getByTestId('status-option-in_progress')).toContainText('3');
  await page.keyboard.press('3');
  await expect(d).toBeHidden();
  await expect(q.row('INC0000002').getByTestId('row-status')).toHaveText('In progress');
  await q.overlaysGone();
  await expect(page.getByTestId('ticket-list')).toBeFocused();
});

test('focus returns to the list after the theme menu; r goes to the comment box and Esc back', async () => {
  await page.getByTestId('user-menu').click();
  await page.getByRole('menuitem', { name: 'Dark' }).click();
  await q.overlaysGone();
  await expect(page.getByTestId('ticket-list')).toBeFocused();
  await expect(page.locator('html')).toHaveAttribute('data-mantine-color-scheme', 'dark');
  await q.key('k');
  await expect(q.cursorRow()).toHaveAttribute('data-number', 'INC0000001');

  await q.key('Enter');
  await pane.expectOpen('INC0000001');
  await q.key('r');
  await expect(pane.root().getByTestId('comment-input')).toBeFocused();
  await page.keyboard.type('On my way');
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('ticket-list')).toBeFocused();
  await expect(pane.root().getByTestId('comment-input')).toHaveValue('On my way');

  await page.getByTestId('user-menu').click();
  await page.getByRole('menuitem', { name: 'Light' }).click();
  await q.overlaysGone();
  await expect(page.getByTestId('ticket-list')).toBeFocused();
});

test('Enter and Esc leave the queue search box, so j moves in the list', async () => {
  await q.key('Escape');
  await expect(page.getByTestId('detail-pane')).toBeHidden();
  const search = page.getByTestId('queue-search');
  await q.key('/');
  await expect(search).toBeFocused();
  await page.keyboard.type('laptop');
  await page.keyboard.press('Enter');
  await expect(search).not.toBeFocused();
  await expect(page.getByTestId('ticket-list')).toBeFocused();
  await expect(q.rows()).toHaveCount(1);
  await q.key('j');
  await expect(search).toHaveValue('laptop');

  await q.key('/');
  await page.keyboard.press('Control+a');
  await page.keyboard.press('Backspace');
  await page.keyboard.press('Escape');
  await expect(search).not.toBeFocused();
  await expect(q.rows()).toHaveCount(2);
  await q.key('j');
  await expect(search).toHaveValue('');
  await expect(q.cursorRow()).toHaveAttribute('data-number', 'INC0000002');
});

test('on Assets, Enter and Esc leave the search box; j x j x j x typed quickly selects three assets', async () => {
  // Under test load keys are not always 35 ms apart: widen the scanner gap (Settings › Scanner) so every
  // fast run below is a burst for certain, as assets.spec.ts does. The run must still not be a scan.
  await page.evaluate(() => localStorage.setItem('outpost.scan.settings', JSON.stringify({ maxGapMs: 1000, minLength: 4 })));
  await page.reload();
  const assets = new AssetsPage(page);
  await assets.open();
  await expect(assets.rows()).toHaveCount(4);
  const search = page.getByTestId('asset-search');
  await search.click();
  await page.keyboard.type('AST-0002');
  await page.keyboard.press('Enter');
  await expect(search).not.toBeFocused();
  await page.keyboard.press('j');
  await expect(search).toHaveValue('AST-0002');
  await search.click();
  await page.keyboard.press('Escape');
  await expect(search).not.toBeFocused();
  await page.keyboard.press('k');
  await expect(search).toHaveValue('AST-0002');
  await expect(assets.rows()).toHaveCount(4);

  // Six shortcut keys in a fast run with no Enter: every one is a shortcut, none is a scan (before, the
  // catcher swallowed every key after the third and one asset ended up selected).
  await page.keyboard.type('jxjxjx');
  await expect(page.getByTestId('bulk-bar')).toContainText('3 selected');
  await expect(page.getByTestId('asset-page')).toHaveCount(0);

  // A real scanner burst (a tag at a few ms a key, then Enter) still opens the asset, and none of
  // its letters acted as a shortcut on the way.
  await assets.scanBurst('AST-000203');
  await assets.expectAssetPage('AST-000203');
});

test('every Tab stop on the queue shows a focus ring, and the views, list, status and comment box are among them', async () => {
  await page.goto(`${host.url}/#/queue/INC0000001?view=all_open`);
  await pane.expectOpen('INC0000001');
  // Walk the screen once it has settled: the pane can open before the list has loaded, and a list that
  // arrives mid-walk is either passed by or takes focus as it mounts (app/focusHome.ts).
  await expect(q.rows()).toHaveCount(2);
  await expect(pane.root().getByTestId('comment-input')).toBeVisible();
  await expect(page.getByTestId('loading').filter({ visible: true })).toHaveCount(0);
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  const primary = await page.evaluate(() => {
    const probe = document.createElement('div');
    probe.style.color = 'var(--mantine-primary-color-filled)';
    document.body.append(probe);
    const c = getComputedStyle(probe).color;
    probe.remove();
    return c;
  });
  const seen: { name: string; ring: boolean }[] = [];
  let first: string | null = null;
  for (let i = 0; i < 200; i++) {
    await page.keyboard.press('Tab');
    const stop = await page.evaluate(async (primaryColor) => {
      const el = document.activeElement as HTMLElement | null;
      if (!el || el === document.body) return null;
      // A field inside a pill box (tags) lights the box drawn around it.
      const boxEl = el.closest('.mantine-Input-input') ?? el;
      // Read the focused look once it has settled: Mantine fades a field's border to the primary colour
      // (a 100 ms transition), and on a busy machine it is still on its way after any fixed wait.
      // getAnimations() starts the transitions focus has just triggered; endless ones are not waited for.
      const settling = [...new Set([...el.getAnimations(), ...boxEl.getAnimations()])].filter((a) => a.effect?.getComputedTiming().endTime !== Infinity);
      await Promise.all(settling.map((a) => a.finished.catch(() => undefined)));
      const cs = getComputedStyle(el);
      const outline = cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 1;
      const box = getComputedStyle(boxEl);
      const border = [box.borderTopColor, box.borderBottomColor].includes(primaryColor) && parseFloat(box.borderTopWidth) >= 1;
      const shadow = cs.boxShadow !== 'none';
      const name =
        el.getAttribute('data-testid') ||
        el.getAttribute('aria-label') ||
        el.getAttribute('title') ||
        (el.textContent ?? '').trim().slice(0, 40) ||
        (el as HTMLInputElement).placeholder ||
        el.tagName;
      return { name: `${el.tagName.toLowerCase()}: ${name}`, ring: outline || border || shadow, key: el.outerHTML.slice(0, 200) };
    }, primary);
    if (!stop) continue;
    if (stop.key === first) break;
    first ??= stop.key;
    seen.push({ name: stop.name, ring: stop.ring });
  }
  // The header, nav, views, filter bar, list and the open ticket's controls: a real walk, not a few stops.
  expect(seen.length).toBeGreaterThan(30);
  const names = seen.map((s) => s.name);
  for (const want of ['view-my_work', 'view-unassigned', 'ticket-list', 'Change status', 'comment-input']) {
    expect(
      names.some((n) => n.includes(want)),
      `${want} is reachable by Tab`,
    ).toBe(true);
  }
  expect(seen.filter((s) => !s.ring).map((s) => s.name)).toEqual([]);
});

test('on Assets, focus returns to the list after a menu closes, and the list shows a focus ring', async () => {
  const assets = new AssetsPage(page);
  await assets.open();
  await expect(assets.rows()).toHaveCount(4);
  const overlay = page.locator('[role="dialog"], [role="menu"]');
  await page.getByTestId('asset-more-filters').click();
  await expect(overlay.first()).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(overlay).toHaveCount(0);
  const list = page.getByTestId('asset-list');
  await expect(list).toBeFocused();
  // Keyboard focus (not a click) shows the ring.
  await page.keyboard.press('Shift+Tab');
  await page.keyboard.press('Tab');
  await expect(list).toBeFocused();
  expect(await list.evaluate((el) => getComputedStyle(el).outlineStyle)).toBe('solid');
});

test('a view or settings page named in the palette comes before tickets that mention the same words: Enter opens it', async () => {
  await apiCall(host, 'tickets.create', { type: 'incident', title: 'My work printer jams on every job', impact: 3, urgency: 3 }, admin);
  const palette = new Palette(page);
  await palette.open();
  await palette.input().fill('my work');
  // The ticket search has answered, and the view is still the first entry.
  await expect(palette.hits().filter({ hasText: 'My work printer jams' })).toBeVisible();
  await page.keyboard.press('Enter');
  await expect(palette.input()).toBeHidden();
  await expect.poll(async () => (await queueQuery(page)).get('view')).toBe('my_work');
  await palette.open();
  await palette.input().fill('scanner');
  await expect(page.getByTestId('palette-settings-scanner')).toBeVisible();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('tab', { name: 'Scanner' })).toHaveAttribute('aria-selected', 'true');
});
