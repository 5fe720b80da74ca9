/** Page model: the first-run wizard and the sign-in form. */
import { expect, type Page } from '@playwright/test';

export class SetupPage {
  constructor(private readonly page: Page) {}

  async complete(o: { organisation: string; site: string; displayName: string; username: string; password: string; sampleData?: boolean }) {
    const p = this.page;
    await expect(p.getByTestId('setup-wizard')).toBeVisible();
    await p.getByLabel('Organisation').fill(o.organisation);
    await p.getByLabel('First site').fill(o.site);
    await p.getByRole('button', { name: 'Next' }).click();
    await p.getByLabel('Display name').fill(o.displayName);
    await p.getByLabel('Username').fill(o.username);
    await p.getByRole('textbox', { name: 'Password', exact: true }).fill(o.password);
    await p.getByRole('textbox', { name: 'Repeat password' }).fill(o.password);
    await p.getByRole('button', { name: 'Next' }).click();
    if (o.sampleData) await p.getByLabel('Load sample data').check();
    await p.getByTestId('setup-finish').click();
  }
}

export class SignInPage {
  constructor(private readonly page: Page) {}

  async signIn(username: string, password: string) {
    const p = this.page;
    await expect(p.getByTestId('sign-in')).toBeVisible();
    await p.getByLabel('Username').fill(username);
    await p.getByRole('textbox', { name: 'Password' }).fill(password);
    await p.getByRole('button', { name: 'Sign in' }).click();
  }

  error() {
    return this.page.getByTestId('sign-in-error');
  }
}
