import type { Locator, Page } from "@playwright/test";
import { readRow } from "./table";

/** Active holds with their shopper, product, quantity and time left; each can be released. */
export class AdminHoldsPage {
  readonly heading: Locator;
  readonly table: Locator;

  constructor(readonly page: Page) {
    this.heading = page.getByRole("heading", { name: "Holds", exact: true });
    this.table = page.getByRole("table");
  }

  async goto(): Promise<void> {
    await this.page.goto("/admin/holds");
  }

  hold(productName: string): Locator {
    return this.table.getByRole("row").filter({ has: this.page.getByText(productName, { exact: true }) });
  }

  /** The hold's row as { heading → text }: Shopper, Product, Quantity, Time left, … */
  async read(productName: string): Promise<Record<string, string>> {
    const row = this.hold(productName);
    await row.waitFor();
    return readRow(this.table, row);
  }

  async release(productName: string): Promise<void> {
    const row = this.hold(productName);
    await row.getByRole("button", { name: "Release" }).click();
    await row.getByRole("button", { name: "Yes, release" }).click();
  }
}
