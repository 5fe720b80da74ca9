/** Page model: the ticket detail pane and the command palette. */
import { expect, type Locator, type Page } from '@playwright/test';

export class TicketPane {
  constructor(private readonly page: Page) {}

  root(): Locator {
    return this.page.getByTestId('ticket-detail');
  }

  async expectOpen(number: string) {
    await expect(this.root()).toHaveAttribute('data-number', number);
  }

  status(): Locator {
    return this.root().getByTestId('detail-status');
  }

  async comment(text: string) {
    const box = this.root().getByTestId('comment-input');
    await box.fill(text);
    await box.press('Control+Enter');
    await expect(box).toHaveValue('');
  }

  comments(): Locator {
    return this.root().getByTestId('timeline-comment');
  }
}

export class Palette {
  constructor(private readonly page: Page) {}

  async open() {
    await this.page.keyboard.press('Control+k');
    await expect(this.input()).toBeVisible();
  }

  input(): Locator {
    return this.page.getByPlaceholder('Go to a screen, type a ticket number, or search…');
  }

  hits(): Locator {
    return this.page.getByTestId('palette-hit');
  }

  /** Opens a ticket by typing its number, as a user jumping to it would. */
  async openNumber(number: string) {
    await this.open();
    await this.input().fill(number);
    await this.page.getByTestId('palette-open-number').click();
    await expect(this.input()).toBeHidden();
  }
}

/** Reads the queue's part of the address bar (`#/queue?view=…`). */
export async function queueQuery(page: Page): Promise<URLSearchParams> {
  const hash = await page.evaluate(() => location.hash);
  return new URLSearchParams(hash.split('?')[1] ?? '');
}
