/** Page models: the Assessments and Risks screens. */
import { expect, type Page } from '@playwright/test';

export class AssessmentsPageModel {
  constructor(private readonly page: Page) {}

  async importLibrary(file: string) {
    await this.page.getByTestId('import-library').setInputFiles(file);
  }

  async start(frameworkLabel: RegExp) {
    const p = this.page;
    await p.getByTestId('assessment-framework').click();
    await p.getByRole('option', { name: frameworkLabel }).click();
    await p.getByTestId('assessment-start').click();
    await expect(p.getByTestId('assessment-tree')).toBeVisible();
  }

  tree() {
    return this.page.getByTestId('assessment-tree');
  }

  progress() {
    return this.page.getByTestId('assessment-progress');
  }

  result(ref: string) {
    return this.page.getByTestId(`result-${ref}`);
  }

  /** Presses keys with the tree focused, waiting for the cursor row between moves. */
  async keys(...keys: string[]) {
    await this.tree().focus();
    for (const k of keys) await this.page.keyboard.press(k);
  }

  selected() {
    return this.tree().locator('[role="option"][aria-selected="true"]');
  }
}

export class RisksPageModel {
  constructor(private readonly page: Page) {}

  cell(stage: string, likelihood: number, impact: number) {
    return this.page.getByTestId(`cell-${stage}-${likelihood}-${impact}`);
  }

  total() {
    return this.page.getByTestId('risk-total');
  }

  rows() {
    return this.page.getByTestId('risk-list').getByRole('listitem');
  }

  async chooseRegister(site: string) {
    await this.page.getByTestId('risk-register').click();
    await this.page.getByRole('option', { name: site, exact: true }).click();
  }

  async chooseMatrix(name: string) {
    await this.page.getByTestId('risk-matrix').click();
    await this.page.getByRole('option', { name }).click();
  }
}
