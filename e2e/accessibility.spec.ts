/**
 * Accessibility: axe checks every screen, in light and in dark, and finds nothing serious or
 * critical (contrast, names for buttons and fields, landmarks, ARIA that matches the markup).
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { startHost, type RunningHost } from './support/host';
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

/** Serious and critical findings, one line each, so a failure names the rule and the elements. */
async function violations(page: Page): Promise<string[]> {
  const r = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  return r.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => `${n.target.join(' ')} ${n.html.slice(0, 160)} ${(n.failureSummary ?? '').slice(0, 200)}`).slice(0, 5).join(' | ')}`);
}

for (const scheme of ['light', 'dark'] as const) {
  test(`every screen in ${scheme}: no serious or critical accessibility violation`, async ({ page }) => {
    test.setTimeout(300_000);
    await page.emulateMedia({ colorScheme: scheme, reducedMotion: 'reduce' });
    await page.goto(host.url);
    await expect(page.getByTestId('sign-in')).toBeVisible();
    const found: Record<string, string[]> = {};
    const atSignIn = await violations(page);
    if (atSignIn.length) found['sign-in'] = atSignIn;
    await new SignInPage(page).signIn('admin', 'password123');
    await expect(page.getByTestId('nav-queue')).toBeVisible();
    for (const s of screens) {
      await page.goto(`${host.url}/#${s.path}`);
      await s.ready(page);
      const v = await violations(page);
      if (v.length) found[s.name] = v;
    }
    // The active navigation link under the mouse sits on a darker tint than at rest.
    await page.goto(`${host.url}/#/assets`);
    await expect(page.getByTestId('asset-row').first()).toBeVisible();
    await page.getByTestId('nav-assets').hover();
    const hovered = await violations(page);
    if (hovered.length) found['active navigation link under the mouse'] = hovered;
    expect(found).toEqual({});
  });
}

test('the first-run wizard has no serious or critical accessibility violation', async ({ page }) => {
  const fresh = await startHost();
  try {
    await page.goto(fresh.url);
    await expect(page.getByTestId('setup-wizard')).toBeVisible();
    const found: Record<string, string[]> = {};
    const check = async (name: string) => {
      const v = await violations(page);
      if (v.length) found[name] = v;
    };
    await expect(page.getByTestId('setup-protect')).toBeVisible();
    await page.getByRole('textbox', { name: 'Passphrase', exact: true }).fill('short');
    await page.getByTestId('setup-protect-submit').click();
    await expect(page.getByText('The passphrase must be at least 8 characters.')).toBeVisible();
    await check('protect with a passphrase');
    await page.getByTestId('setup-skip-passphrase').click();
    await expect(page.getByTestId('setup-new-team')).toBeVisible();
    await check('choose');
    await page.getByTestId('setup-join-team').click();
    await expect(page.getByTestId('join-team')).toBeVisible();
    await check('join a team');
    await page.getByRole('button', { name: 'Back' }).click();
    await page.getByTestId('setup-new-team').click();
    await expect(page.getByLabel('First site')).toBeVisible();
    await check('start a new team');
    expect(found).toEqual({});
  } finally {
    await fresh.stop();
  }
});
