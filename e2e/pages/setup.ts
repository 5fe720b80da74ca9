/** Page model: the first-run wizard and the sign-in form. */
import { expect, type Page } from '@playwright/test';

export class SetupPage {
  constructor(private readonly page: Page) {}

  /** The browser host offers a passphrase first: encrypt the store with it, or (null) go on without one. */
  async passphrase(passphrase: string | null) {
    const p = this.page;
    await expect(p.getByTestId('setup-protect')).toBeVisible();
    if (passphrase === null) return p.getByTestId('setup-skip-passphrase').click();
    await p.getByRole('textbox', { name: 'Passphrase', exact: true }).fill(passphrase);
    await p.getByRole('textbox', { name: 'Repeat passphrase' }).fill(passphrase);
    await p.getByTestId('setup-protect-submit').click();
  }

  /** Past the passphrase screen, if it is showing, without a passphrase. */
  private async skipPassphrase() {
    const p = this.page;
    await expect(p.getByTestId('setup-protect').or(p.getByTestId('setup-new-team'))).toBeVisible();
    if (await p.getByTestId('setup-protect').isVisible()) await this.passphrase(null);
  }

  async complete(o: { organisation: string; site: string; displayName: string; username: string; password: string; sampleData?: boolean }) {
    const p = this.page;
    await expect(p.getByTestId('setup-wizard')).toBeVisible();
    await this.skipPassphrase();
    await p.getByTestId('setup-new-team').click();
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

  /** "Join a team" at first run: the team's server and the person's own account there. */
  async joinTeam(serverUrl: string, username: string, password: string) {
    const p = this.page;
    await expect(p.getByTestId('setup-wizard')).toBeVisible();
    await this.skipPassphrase();
    await p.getByTestId('setup-join-team').click();
    await p.getByLabel('Server address').fill(serverUrl);
    await p.getByLabel('Username').fill(username);
    await p.getByRole('textbox', { name: 'Password' }).fill(password);
    await p.getByTestId('join-team-submit').click();
  }

  joinError() {
    return this.page.getByTestId('join-team-error');
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
