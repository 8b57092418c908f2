import type { Locator, Page } from "@playwright/test";
import { readRow } from "./table";

export interface StockRow {
  onHand: number;
  reserved: number;
  allocated: number;
  available: number;
}

/** The admin stock dashboard: a page of products' levels that refreshes itself every couple of seconds. */
export class AdminDashboardPage {
  readonly heading: Locator;
  readonly table: Locator;

  constructor(readonly page: Page) {
    this.heading = page.getByRole("heading", { name: "Stock", exact: true });
    this.table = page.getByRole("table");
  }

  /** The dashboard; with `search`, only the products matching it (a shop may have more than one page). */
  async goto(search?: string): Promise<void> {
    await this.page.goto(search ? `/admin?q=${encodeURIComponent(search)}` : "/admin");
  }

  /** The low / sold-out / held filters, by label ("Low", "Sold out", "Held", "All"). */
  filter(label: string): Locator {
    return this.page.getByRole("navigation", { name: "Show" }).getByRole("link", { name: new RegExp(`^${label} \\d+$`) });
  }

  row(productName: string): Locator {
    return this.table.getByRole("row").filter({ has: this.page.getByText(productName, { exact: true }) });
  }

  /** A variant's levels, by its SKU, as the expanded product shows them now (null while it has no row). */
  async variantLevelsOf(sku: string): Promise<StockRow | null> {
    const row = this.table.getByRole("row").filter({ hasText: sku });
    if ((await row.count()) !== 1) return null;
    const cells = await readRow(this.table, row);
    const number = (heading: string) => Number.parseInt(cells[heading] ?? "", 10);
    return { onHand: number("On hand"), reserved: number("Reserved"), allocated: number("Allocated"), available: number("Available") };
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
