/** Page model: the Knowledge screen, an article, its editor, and the suggestions beside a ticket. */
import { expect, type Locator, type Page } from '@playwright/test';

export class KnowledgePageModel {
  constructor(private readonly page: Page) {}

  async open() {
    await this.page.getByTestId('nav-knowledge').click();
    await expect(this.page.getByRole('heading', { name: 'Knowledge' })).toBeVisible();
  }

  rows(): Locator {
    return this.page.getByTestId('kb-row');
  }

  row(number: string): Locator {
    return this.page.locator(`[data-testid="kb-row"][data-number="${number}"]`);
  }

  async write(o: { title: string; body: string; category?: string; tags?: string[]; visibility?: 'internal' | 'public' }) {
    const p = this.page;
    const ed = p.getByTestId('kb-editor');
    await expect(ed).toBeVisible();
    await ed.getByTestId('kb-edit-title').fill(o.title);
    if (o.category) await ed.getByLabel('Category').fill(o.category);
    for (const t of o.tags ?? []) {
      await ed.getByLabel('Tags').fill(t);
      await ed.getByLabel('Tags').press('Enter');
    }
    if (o.visibility === 'public') await ed.getByText('Public (requesters too)').click();
    await ed.getByTestId('kb-edit-body').fill(o.body);
  }

  preview(): Locator {
    return this.page.getByTestId('kb-preview');
  }

  async save(): Promise<string> {
    await this.page.getByTestId('kb-save').click();
    await expect(this.page.getByTestId('kb-article')).toBeVisible();
    return (await this.page.getByTestId('kb-number').textContent())!.trim();
  }

  status(): Locator {
    return this.page.getByTestId('kb-article').getByTestId('kb-status');
  }

  async move(to: 'in_review' | 'published' | 'draft' | 'retired') {
    await this.page.getByTestId(`kb-move-${to}`).click();
  }
}
