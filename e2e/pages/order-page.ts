import type { Locator, Page } from "@playwright/test";
import { readRow } from "./table";

/** The order confirmation a shopper lands on after paying. */
export class OrderPage {
  readonly confirmation: Locator;
  readonly table: Locator;

  constructor(readonly page: Page) {
    this.confirmation = page.getByRole("status").filter({ hasText: "your order is confirmed" });
    this.table = page.getByRole("table");
  }

  /** An order line as { heading → text }: Item, Quantity, Price. */
  async line(name: string): Promise<Record<string, string>> {
    const row = this.table.getByRole("row").filter({ has: this.page.getByRole("link", { name, exact: true }) });
    await row.waitFor();
    return readRow(this.table, row);
  }
}
