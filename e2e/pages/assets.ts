/** Page model: the asset list, the import wizard, an asset page and the global scan catcher. */
import { expect, type Page } from '@playwright/test';

export class AssetsPage {
  constructor(private readonly page: Page) {}

  async open() {
    await this.page.getByTestId('nav-assets').click();
    await expect(this.page.getByTestId('asset-search')).toBeVisible();
  }

  rows() {
    return this.page.getByTestId('asset-row');
  }

  count() {
    return this.page.getByTestId('asset-count');
  }

  /** Runs the import wizard on a file: pick, check the recognised format, dry run, commit. */
  async importFile(file: string, expectFormat: string) {
    const p = this.page;
    await p.getByTestId('asset-import').click();
    await expect(p.getByTestId('import-wizard')).toBeVisible();
    await p.getByTestId('import-file').setInputFiles(file);
    await expect(p.getByTestId('import-format')).toHaveValue(expectFormat);
    await p.getByTestId('import-preview').click();
    await expect(p.getByTestId('import-preview-result')).toBeVisible();
  }

  async commitImport() {
    await this.page.getByTestId('import-commit').click();
    await expect(this.page.getByTestId('import-done')).toBeVisible();
    return (await this.page.getByTestId('import-done').innerText()).replace(/\s+/g, ' ');
  }

  /**
   * Types like a keyboard-wedge scanner: the whole tag in a burst (5 ms a key) then Enter, with focus
   * outside any text field so the window-level catcher sees it.
   */
  async scanBurst(tag: string) {
    const p = this.page;
    await p.evaluate(() => {
      const a = document.activeElement;
      if (a instanceof HTMLElement) a.blur();
    });
    await p.keyboard.type(tag, { delay: 5 });
    await p.keyboard.press('Enter');
  }

  async expectAssetPage(tag: string) {
    await expect(this.page.getByTestId('asset-page')).toBeVisible();
    await expect(this.page.getByTestId('asset-tag')).toHaveText(tag);
  }

  /** Checks the open asset out to a person chosen by (part of) their display name. */
  async checkOutTo(person: string) {
    const p = this.page;
    await p.getByTestId('asset-checkout').click();
    const dialog = p.getByRole('dialog');
    await dialog.getByTestId('checkout-person').click();
    await p.getByRole('option', { name: new RegExp(person) }).click();
    await dialog.getByTestId('action-submit').click();
    await expect(dialog).toBeHidden();
  }
}
