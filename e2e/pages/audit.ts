/** Page model: the Audits screen — start a session, scan, relocate, close with sign-off, download reports. */
import { expect, type Download, type Page } from '@playwright/test';

export type Counter = 'expected' | 'found' | 'missing' | 'unexpected' | 'unknown';

export class AuditPage {
  constructor(private readonly page: Page) {}

  async start(location: string) {
    const p = this.page;
    await p.getByTestId('nav-audits').click();
    await p.getByTestId('audit-location').click();
    await p
      .getByRole('option', { name: new RegExp(location) })
      .first()
      .click();
    await p.getByTestId('audit-start').click();
    await expect(p.getByTestId('audit-session')).toBeVisible();
    await expect(p.getByTestId('audit-scan-field')).toBeFocused();
  }

  async counter(name: Counter): Promise<number> {
    const t = await this.page.getByTestId(`count-${name}-value`).innerText();
    return Number(t.replace(/[^\d]/g, ''));
  }

  async expectCounter(name: Counter, value: number) {
    await expect(this.page.getByTestId(`count-${name}-value`)).toHaveText(value.toLocaleString('en-GB'));
  }

  /** A scanner burst into the focus-locked scan field; waits for the result to show. */
  async scan(tag: string, expected: 'found' | 'unexpected' | 'unknown' | 'duplicate') {
    const p = this.page;
    await expect(p.getByTestId('audit-scan-field')).toBeFocused();
    await p.keyboard.type(tag, { delay: 5 });
    await p.keyboard.press('Enter');
    await expect(p.getByTestId('audit-scan-row').first()).toHaveAttribute('data-result', expected);
    await expect(p.getByTestId('audit-scan-row').first()).toContainText(tag);
  }

  async relocateFirstUnexpected() {
    const row = this.page.locator('[data-testid="audit-scan-row"][data-result="unexpected"]').first();
    await row.getByTestId('audit-relocate').click();
    await expect(row).toContainText('Relocated');
  }

  async closeAndSignOff(name: string) {
    const p = this.page;
    await p.getByTestId('audit-close').click();
    await p.getByTestId('audit-signoff').fill(name);
    await p.getByTestId('audit-close-confirm').click();
    await expect(p.getByTestId('audit-closed')).toBeVisible();
  }

  async downloadReport(format: 'csv' | 'pdf'): Promise<Download> {
    const p = this.page;
    const [download] = await Promise.all([p.waitForEvent('download'), p.getByTestId(`audit-report-${format}`).click()]);
    return download;
  }
}
