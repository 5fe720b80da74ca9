/** Page model: the import wizard's checks of a file (encoding, repair, header notes, status labels) and its commit. */
import { expect, type Locator, type Page } from '@playwright/test';

export class ImportWizardPage {
  constructor(private readonly page: Page) {}

  async open() {
    await this.page.getByTestId('nav-assets').click();
    await this.page.getByTestId('asset-import').click();
    await expect(this.page.getByTestId('import-wizard')).toBeVisible();
  }

  async pick(file: string) {
    await this.page.getByTestId('import-file').setInputFiles(file);
    await expect(this.page.getByTestId('import-text')).toBeVisible();
  }

  encoding(): Locator {
    return this.page.getByTestId('import-encoding');
  }

  nonAscii(): Locator {
    return this.page.getByTestId('import-non-ascii');
  }

  mojibake(): Locator {
    return this.page.getByTestId('import-mojibake');
  }

  /** Picks an encoding in "Read the file as" by its label ("Latin-1 (ISO-8859-1)", or "Detected: …"). */
  async readAs(label: string | RegExp) {
    await this.page.getByTestId('import-encoding-select').click();
    await this.page.getByRole('option', { name: label }).click();
  }

  async repair() {
    await this.page.getByTestId('import-repair').click();
    await expect(this.mojibake()).toContainText('Repaired');
  }

  async preview() {
    await this.page.getByTestId('import-preview').click();
    await expect(this.page.getByTestId('import-preview-result')).toBeVisible();
  }

  /** The field a column is mapped to in the column mapping (columns counted from 1). */
  columnField(header: string, column: number): Locator {
    return this.page.getByRole('combobox', { name: `Field for ${header || '(blank header)'}, column ${column}` });
  }

  async mapColumn(header: string, column: number, fieldLabel: string) {
    await this.columnField(header, column).click();
    await this.page.getByRole('option', { name: fieldLabel, exact: true }).click();
    await expect(this.columnField(header, column)).toHaveValue(fieldLabel);
  }

  headerNotes(): Locator {
    return this.page.getByTestId('import-header-notes');
  }

  errorsBadge(): Locator {
    return this.page.getByTestId('preview-errors');
  }

  statusLabel(name: string): Locator {
    return this.page
      .getByTestId('import-status-label')
      .filter({ has: this.page.getByTestId('import-status-label-name').getByText(name, { exact: true }) });
  }

  /** Changes the type a new status label will get; the preview runs again with it. */
  async setLabelType(name: string, typeLabel: string) {
    const select = this.page.getByRole('combobox', { name: `Type for ${name}` });
    await select.click();
    await this.page.getByRole('option', { name: typeLabel }).click();
    await expect(select).toHaveValue(typeLabel);
    await expect(select).toBeEnabled();
  }

  async commit(): Promise<string> {
    await this.page.getByTestId('import-commit').click();
    await expect(this.page.getByTestId('import-done')).toBeVisible();
    return (await this.page.getByTestId('import-done').innerText()).replace(/\s+/g, ' ');
  }
}
