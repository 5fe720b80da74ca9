/** Page models: Settings → Priority matrix and Settings → Categories (team-wide settings). */
import { expect, type Page } from '@playwright/test';

const IMPACT = { 1: 'High', 2: 'Medium', 3: 'Low' } as const;

export class TeamSettingsPage {
  constructor(private readonly page: Page) {}

  private async tab(key: string) {
    await this.page.getByTestId('nav-settings').click();
    await this.page.getByTestId(`settings-tab-${key}`).click();
  }

  async openPriority() {
    await this.tab('priority');
    await expect(this.page.getByTestId('priority-matrix')).toBeVisible();
  }

  cell(impact: 1 | 2 | 3, urgency: 1 | 2 | 3) {
    return this.page.getByRole('combobox', { name: `Priority for impact ${IMPACT[impact]} and urgency ${IMPACT[urgency]}` });
  }

  async setCell(impact: 1 | 2 | 3, urgency: 1 | 2 | 3, label: string) {
    await this.cell(impact, urgency).click();
    await this.page.getByRole('option', { name: label }).click();
    await expect(this.cell(impact, urgency)).toHaveValue(label);
  }

  async saveMatrix() {
    await this.page.getByRole('button', { name: 'Save matrix' }).click();
    await expect(this.page.getByText('Priority matrix saved.')).toBeVisible();
  }

  async openCategories() {
    await this.tab('categories');
    await expect(this.page.getByRole('button', { name: 'Save categories' })).toBeVisible();
  }

  async addCategory(name: string) {
    await this.page.getByRole('button', { name: 'Add category' }).click();
    await this.page.getByLabel('Category').last().fill(name);
    await this.page.getByRole('button', { name: 'Save categories' }).click();
    await expect(this.page.getByText('Categories saved.')).toBeVisible();
  }

  categoryInputs() {
    return this.page.getByLabel('Category');
  }
}
