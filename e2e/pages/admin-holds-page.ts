import type { Locator, Page } from "@playwright/test";

/** Active holds with their shopper, product, quantity and time left; each can be released. */
export class AdminHoldsPage {
  constructor(readonly page: Page) {}

  async goto(): Promise<void> {
    await this.page.goto("/admin/holds");
  }

  hold(productName: string): Locator {
    return this.page.getByRole("row").filter({ has: this.page.getByText(productName, { exact: true }) });
  }

  async release(productName: string): Promise<void> {
    await this.hold(productName).getByRole("button", { name: "Release" }).click();
  }
}
