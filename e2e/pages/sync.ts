/** Page models: Settings → Sync (join) and the Conflicts inbox. */
import { expect, type Page } from '@playwright/test';

export class SyncSettingsPage {
  constructor(private readonly page: Page) {}

  async join(serverUrl: string, username: string, password: string) {
    const p = this.page;
    await p.getByTestId('nav-settings').click();
    await p.getByTestId('settings-tab-sync').click();
    const form = p.getByTestId('sync-join-form');
    await expect(form).toBeVisible();
    await form.getByLabel('Server address').fill(serverUrl);
    await form.getByLabel('Username on the server').fill(username);
    await form.getByRole('textbox', { name: 'Password' }).fill(password);
    await form.getByRole('button', { name: 'Join server' }).click();
    await expect(p.getByTestId('sync-settings').getByText(serverUrl)).toBeVisible();
  }

  chip() {
    return this.page.getByTestId('sync-chip');
  }
}

export class ConflictsInbox {
  constructor(private readonly page: Page) {}

  async open() {
    await this.page.getByTestId('nav-conflicts').click();
    await expect(this.page.getByTestId('conflicts-page')).toBeVisible();
  }

  items() {
    return this.page.getByTestId('conflict-item');
  }

  async keepMine(index = 0) {
    await this.items().nth(index).getByTestId('keep-mine').click();
  }
}
