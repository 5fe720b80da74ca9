/** The requester portal, in the app or at the server's /portal. */
import { expect, type Page } from '@playwright/test';

export class PortalPage {
  constructor(private readonly page: Page) {}

  async signInOnServer(username: string, password: string) {
    const p = this.page;
    await p.getByLabel('Username').fill(username);
    await p.getByRole('textbox', { name: 'Password' }).fill(password);
    await p.getByRole('button', { name: 'Sign in' }).click();
    await expect(p.getByRole('heading', { name: 'How can we help?' })).toBeVisible();
  }

  item(name: string) {
    return this.page.getByTestId(`catalogue-item-${name}`);
  }

  async send() {
    await this.page.getByTestId('portal-submit').click();
  }

  ticket() {
    return this.page.getByTestId('portal-ticket');
  }

  comments() {
    return this.page.getByTestId('portal-comment');
  }
}
