import type { Locator, Page } from "@playwright/test";
import { readRow } from "./table";

export interface StockRow {
  onHand: number;
  reserved: number;
  allocated: number;
  available: number;
}

/** The admin stock dashboard: a table of every product's levels that refreshes itself every couple of seconds. */
export class AdminDashboardPage {
  readonly heading: Locator;
  readonly table: Locator;

  constructor(readonly page: Page) {
    this.heading = page.getByRole("heading", { name: "Stock", exact: true });
    this.table = page.getByRole("table");
  }

  async goto(): Promise<void> {
    await this.page.goto("/admin");
  }

  row(productName: string): Locator {
    return this.table.getByRole("row").filter({ has: this.page.getByText(productName, { exact: true }) });
  }

  /** The product's levels as the table shows them now (null while it has no row), for `expect.poll`. */
  async levelsOf(productName: string): Promise<StockRow | null> {
    const row = this.row(productName);
    if ((await row.count()) !== 1) return null;
    const cells = await readRow(this.table, row);
    const number = (heading: string) => Number.parseInt(cells[heading] ?? "", 10);
    return {
      onHand: number("On hand"),
      reserved: number("Reserved"),
      allocated: number("Allocated"),
      available: number("Available"),
    };
  }
}
