/** Page model: the triage queue, its keyboard, the create form and the status dialog. */
import { expect, type Locator, type Page } from '@playwright/test';

export class QueuePage {
  constructor(private readonly page: Page) {}

  rows(): Locator {
    return this.page.getByTestId('ticket-row');
  }

  row(number: string): Locator {
    return this.page.locator(`[data-testid="ticket-row"][data-number="${number}"]`);
  }

  /** Ticks a row for bulk actions with the mouse (the row carries the ticked state as aria-checked). */
  async tick(number: string) {
    await this.row(number).locator('.qr-check').click();
    await expect(this.row(number)).toHaveAttribute('aria-checked', 'true');
  }

  /** The row the keyboard cursor is on. */
  cursorRow(): Locator {
    return this.page.locator('[data-testid="ticket-row"][aria-selected="true"]');
  }

  async key(k: string) {
    await this.page.keyboard.press(k);
  }

  async view(name: 'my_work' | 'unassigned' | 'all_open' | 'breaching_soon' | 'recently_resolved' | 'all') {
    await this.page.getByTestId(`view-${name}`).click();
  }

  async create(o: { title: string; description?: string; impact?: string; urgency?: string }) {
    const p = this.page;
    const dialog = p.getByRole('dialog', { name: 'New ticket' });
    await expect(dialog).toBeVisible();
    await dialog.getByLabel('Title').fill(o.title);
    if (o.description) await dialog.getByLabel('Description').fill(o.description);
    if (o.impact) await this.pick(dialog.getByRole('combobox', { name: 'Impact' }), o.impact);
    if (o.urgency) await this.pick(dialog.getByRole('combobox', { name: 'Urgency' }), o.urgency);
    await dialog.getByTestId('create-submit').click();
    await expect(dialog).toBeHidden();
  }

  async pick(select: Locator, option: string) {
    await select.click();
    await this.page.getByRole('option', { name: option }).click();
  }

  /** A toast (Mantine notification) with exactly this text. */
  toast(text: string): Locator {
    return this.page.getByRole('alert').getByText(text, { exact: true });
  }

  /** Waits until no dialog or menu is left in the page (single-letter keys are quiet until then). */
  async overlaysGone() {
    await expect(this.page.locator('[role="dialog"], [role="menu"]')).toHaveCount(0);
  }

  statusDialog(): Locator {
    return this.page.getByRole('dialog', { name: /Change status/ });
  }

  async chooseStatus(label: string) {
    await this.statusDialog().getByRole('button', { name: label }).click();
  }

  async resolve(code: string, notes: string) {
    const d = this.statusDialog();
    await this.pick(d.getByRole('combobox', { name: 'Resolution code' }), code);
    await d.getByLabel('Resolution notes').fill(notes);
    await d.getByRole('button', { name: 'Resolve' }).click();
    await expect(d).toBeHidden();
  }
}

/** The `A` and `l` pickers: a search field over a list, Enter chooses the highlighted entry. */
export class Picker {
  constructor(
    private readonly page: Page,
    private readonly testId: 'assign-picker' | 'asset-picker',
  ) {}

  root(): Locator {
    const title = this.testId === 'assign-picker' ? /^Assign .* to…$/ : /^Link an asset to /;
    return this.page.getByRole('dialog', { name: title });
  }

  input(): Locator {
    return this.root().getByRole('textbox');
  }

  options(): Locator {
    return this.root().getByTestId('picker-option');
  }

  async choose(text: string) {
    await this.input().fill(text);
    await expect(this.options().first()).toContainText(text);
    await this.input().press('Enter');
    await expect(this.root()).toBeHidden();
    // Single-key shortcuts stay quiet while any dialog is still in the page (its closing transition).
    await expect(this.page.locator('[role="dialog"]')).toHaveCount(0);
  }
}
