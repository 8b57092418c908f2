import type { Locator, Page } from "@playwright/test";

/** The order confirmation a shopper lands on after paying. */
export class OrderPage {
  readonly confirmation: Locator;
  readonly lines: Locator;

  constructor(readonly page: Page) {
    this.confirmation = page.getByRole("status").filter({ hasText: "your order is confirmed" });
    this.lines = page.getByRole("table");
  }

  line(name: string): Locator {
    return this.lines.getByRole("row").filter({ has: this.page.getByRole("link", { name, exact: true }) });
  }
}
