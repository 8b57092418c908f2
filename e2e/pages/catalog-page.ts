import { expect, type Locator, type Page } from "@playwright/test";

/** The catalogue (home page): every product with its live availability. */
export class CatalogPage {
  constructor(readonly page: Page) {}

  async goto(): Promise<void> {
    await this.page.goto("/");
  }

  /** The catalogue card of this product. */
  card(name: string): Locator {
    return this.page
      .getByRole("list", { name: "Products" })
      .getByRole("listitem")
      .filter({ has: this.page.getByRole("heading", { name, exact: true }) });
  }

  availabilityOf(name: string): Locator {
    return this.card(name).getByText(/^(\d+ in stock|Out of stock)$/);
  }

  /** Reloads until the catalogue shows this availability: it is rendered per request, not live. */
  async expectAvailability(name: string, text: string): Promise<void> {
    await expect(async () => {
      await this.page.reload();
      await expect(this.availabilityOf(name)).toHaveText(text, { timeout: 1_000 });
    }).toPass({ timeout: 15_000 });
  }
}
