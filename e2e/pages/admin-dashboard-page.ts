import type { Locator, Page } from "@playwright/test";

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

  /** The product's levels as the table shows them now, read by column heading. */
  async levelsOf(productName: string): Promise<StockRow | null> {
    const headings = (await this.table.getByRole("columnheader").allTextContents()).map((h) => h.trim().toLowerCase());
    const row = this.row(productName);
    if ((await row.count()) !== 1) return null;
    const cells = (await row.locator("th, td").allTextContents()).map((c) => c.trim());
    const column = (name: string) => {
      const index = headings.findIndex((h) => h.startsWith(name));
      if (index < 0) throw new Error(`the stock table has no "${name}" column (columns: ${headings.join(", ")})`);
      return Number.parseInt(cells[index] ?? "", 10);
    };
    return { onHand: column("on hand"), reserved: column("reserved"), allocated: column("allocated"), available: column("available") };
  }
}
