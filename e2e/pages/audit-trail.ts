/** Page model: the Audit trail screen (the change history; not Audits, the physical inventory audits). */
import { expect, type Download, type Locator, type Page } from '@playwright/test';

export class AuditTrailPage {
  constructor(private readonly page: Page) {}

  async open() {
    await this.page.getByTestId('nav-audit-trail').click();
    await expect(this.page.getByRole('heading', { name: 'Audit trail' })).toBeVisible();
  }

  rows(): Locator {
    return this.page.getByTestId('trail-row');
  }

  /** Picks a value in one of the filter selects (Who, What, Call) by its visible label. */
  async pick(filter: 'who' | 'what' | 'call', option: string) {
    await this.page.getByTestId(`trail-filter-${filter}`).click();
    await this.page.getByRole('option', { name: option, exact: true }).click();
  }

  async filterRecord(text: string) {
    const box = this.page.getByTestId('trail-filter-record');
    await box.fill(text);
    await box.press('Enter');
  }

  async period(from: string, to: string) {
    await this.page.getByTestId('trail-filter-from').fill(from);
    await this.page.getByTestId('trail-filter-to').fill(to);
  }

  async clear() {
    await this.page.getByTestId('trail-clear').click();
  }

  /** Opens the event on the given row and returns the drawer. */
  async openRow(row: Locator): Promise<Locator> {
    await row.click();
    const drawer = this.page.getByTestId('trail-event-detail');
    await expect(drawer).toBeVisible();
    return drawer;
  }

  /** The diff as "field: before → after" lines. */
  async diff(): Promise<string[]> {
    const rows = this.page.getByTestId('trail-diff-row');
    const out: string[] = [];
    for (const r of await rows.all()) {
      const cells = await r.getByRole('cell').allInnerTexts();
      out.push(`${cells[0]}: ${cells[1]} → ${cells[2]}`);
    }
    return out;
  }

  async closeEvent() {
    await this.page.keyboard.press('Escape');
    await expect(this.page.getByTestId('trail-event-detail')).toBeHidden();
  }

  async export(format: 'csv' | 'pdf'): Promise<Download> {
    const [dl] = await Promise.all([this.page.waitForEvent('download'), this.page.getByTestId(`trail-export-${format}`).click()]);
    return dl;
  }

  async verify(): Promise<string> {
    await this.page.getByTestId('trail-verify').click();
    const result = this.page.getByTestId('trail-chain-result');
    await expect(result).toBeVisible();
    return result.innerText();
  }
}
