/**
 * Tab walk: on every screen, pressing Tab from the top reaches every visible button, link and field
 * that is in the Tab order, and each one shows a focus ring when it has focus (an outline, a box
 * shadow, or the primary-coloured border Mantine draws around a field). Controls out of the Tab
 * order on purpose (the other tabs of a tab list, the other options of a radio group, rows of a
 * virtualised list: arrow keys or j/k move there) are not expected as stops; any other control
 * with tabindex="-1" is reported as unreachable.
 */
import { expect, test, type Page } from '@playwright/test';
import type { RunningHost } from './support/host';
import { furnishedHost, type Screen } from './support/screens';
import { SignInPage } from './pages/setup';

let host: RunningHost;
let screens: Screen[];

test.beforeAll(async () => {
  ({ host, screens } = await furnishedHost());
});

test.afterAll(async () => {
  await host?.stop();
});

interface Stop {
  id: string;
  name: string;
  ring: boolean;
}

/** Marks every visible control that should be a Tab stop, and lists controls kept out of the Tab order. */
async function candidates(page: Page): Promise<{ want: { id: string; name: string }[]; outOfOrder: string[] }> {
  return page.evaluate(() => {
    const name = (el: Element) =>
      `${el.tagName.toLowerCase()}: ${
        el.getAttribute('data-testid') || el.getAttribute('aria-label') || el.getAttribute('title') || (el.textContent ?? '').trim().slice(0, 40) || (el as HTMLInputElement).placeholder || (el as HTMLInputElement).name || ''
      }`;
    const visible = (el: Element) => {
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.height === 0) return false;
      const cs = getComputedStyle(el);
      return cs.visibility !== 'hidden' && cs.display !== 'none' && !el.closest('[aria-hidden="true"], [inert]');
    };
    const selector = 'a[href], button, input:not([type="hidden"]), select, textarea, [tabindex], [contenteditable="true"]';
    const want: { id: string; name: string }[] = [];
    const outOfOrder: string[] = [];
    const radios = new Set<string>();
    let n = 0;
    for (const el of Array.from(document.querySelectorAll(selector))) {
      if (!visible(el)) continue;
      if ((el as HTMLButtonElement).disabled || el.getAttribute('aria-disabled') === 'true') continue;
      const tabindex = el.getAttribute('tabindex');
      const role = el.getAttribute('role') ?? '';
      if (tabindex === '-1') {
        // Roving focus inside a composite widget: arrow keys move there, Tab enters the widget once.
        if (/^(tab|radio|menuitem|menuitemradio|menuitemcheckbox|option|row|gridcell|treeitem)$/.test(role) || el.closest('[role="tablist"], [role="radiogroup"], [role="listbox"], [role="grid"], [role="tree"], [role="menu"]')) continue;
        // Not a control at all (a focus target for scripts, such as a page heading or a list container).
        if (!el.matches('a[href], button, input, select, textarea, [role="button"], [role="link"], [role="checkbox"], [role="switch"]')) continue;
        outOfOrder.push(name(el));
        continue;
      }
      // A radio group is one Tab stop.
      if (el instanceof HTMLInputElement && el.type === 'radio') {
        if (radios.has(el.name)) continue;
        radios.add(el.name);
      }
      const id = `tw-${n++}`;
      el.setAttribute('data-tabwalk', id);
      want.push({ id, name: name(el) });
    }
    return { want, outOfOrder };
  });
}

/** Presses Tab until focus comes back round, recording each stop and whether it shows a ring. */
async function walk(page: Page, max = 400): Promise<Stop[]> {
  const primary = await page.evaluate(() => {
    const probe = document.createElement('div');
    probe.style.color = 'var(--mantine-primary-color-filled)';
    document.body.append(probe);
    const c = getComputedStyle(probe).color;
    probe.remove();
    return c;
  });
  const stops: Stop[] = [];
  let first: string | null = null;
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const stop = await page.evaluate((primaryColor) => {
      const el = document.activeElement as HTMLElement | null;
      if (!el || el === document.body) return null;
      const cs = getComputedStyle(el);
      const outline = cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 1;
      const box = getComputedStyle(el.closest('.mantine-Input-input') ?? el);
      const border = [box.borderTopColor, box.borderBottomColor].includes(primaryColor) && parseFloat(box.borderTopWidth) >= 1;
      const shadow = cs.boxShadow !== 'none';
      // A radio or checkbox input draws its ring on its visible sibling.
      const key = el.getAttribute('data-tabwalk') ?? el.closest('[data-tabwalk]')?.getAttribute('data-tabwalk') ?? el.outerHTML.slice(0, 160);
      const name =
        el.getAttribute('data-testid') || el.getAttribute('aria-label') || el.getAttribute('title') || (el.textContent ?? '').trim().slice(0, 40) || (el as HTMLInputElement).placeholder || el.tagName;
      return { id: key, name: `${el.tagName.toLowerCase()}: ${name}`, ring: outline || border || shadow };
    }, primary);
    if (!stop) continue;
    if (stop.id === first) break;
    first ??= stop.id;
    stops.push(stop);
  }
  return stops;
}

test('every screen: Tab reaches every visible control, and each shows a focus ring', async ({ page }) => {
  test.setTimeout(900_000);
  await page.emulateMedia({ reducedMotion: 'reduce' });
  await page.goto(host.url);
  await new SignInPage(page).signIn('admin', 'password123');
  await expect(page.getByTestId('nav-queue')).toBeVisible();
  const problems: Record<string, { unreached: string[]; noRing: string[]; outOfOrder: string[] }> = {};
  const reached: Record<string, number> = {};
  for (const s of screens) {
    await page.goto(`${host.url}/#${s.path}`);
    await s.ready(page);
    // Transitions off, so the focused look is read as it ends up, not half-way.
    await page.addStyleTag({ content: '*, *::before, *::after { transition: none !important; animation: none !important; }' });
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    const { want, outOfOrder } = await candidates(page);
    const stops = await walk(page);
    const seen = new Set(stops.map((st) => st.id));
    const unreached = want.filter((w) => !seen.has(w.id)).map((w) => w.name);
    const noRing = stops.filter((st) => !st.ring).map((st) => st.name);
    reached[s.name] = stops.length;
    if (unreached.length || noRing.length || outOfOrder.length) problems[s.name] = { unreached, noRing, outOfOrder };
  }
  // A real walk on every screen: the header and navigation alone are more than ten stops.
  for (const [name, n] of Object.entries(reached)) expect(n, name).toBeGreaterThan(10);
  expect(problems).toEqual({});
});
