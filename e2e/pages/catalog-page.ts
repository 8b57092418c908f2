import { expect, type Locator, type Page } from "@playwright/test";

/** The catalogue (home page): pages of products with their live availability, search, sort and filters. */
export class CatalogPage {
  readonly search: Locator;
  readonly searchButton: Locator;
  readonly sort: Locator;
  readonly inStockOnly: Locator;
  readonly cards: Locator;
  readonly nextPage: Locator;
  readonly previousPage: Locator;

  constructor(readonly page: Page) {
    this.search = page.getByRole("searchbox", { name: "Search products" });
    this.searchButton = page.getByRole("button", { name: "Search", exact: true });
    this.sort = page.getByLabel("Sort");
    this.inStockOnly = page.getByLabel("In stock only");
    this.cards = page.getByRole("list", { name: "Products" }).getByRole("listitem");
    this.nextPage = page.getByRole("navigation", { name: "Pages" }).getByRole("link", { name: /Next/ });
    this.previousPage = page.getByRole("navigation", { name: "Pages" }).getByRole("link", { name: /Previous/ });
  }

  /**
   * The catalogue, searched for `search` when given; otherwise newest first, so products a journey has just made
   * are on the first page however many the shop has.
   */
  async goto(search?: string): Promise<void> {
    await this.page.goto(search ? `/?q=${encodeURIComponent(search)}` : "/?sort=newest");
  }

  /** The catalogue card of this product. */
  card(name: string): Locator {
    return this.cards.filter({ has: this.page.getByRole("heading", { name, exact: true }) });
  }

  /** The product names on this page, in order. */
  async names(): Promise<string[]> {
    return this.cards.getByRole("heading").allTextContents();
  }

  availabilityOf(name: string): Locator {
    return this.card(name).getByText(/^(\d+ in stock|Out of stock)$/);
  }

  addToCartButton(name: string): Locator {
    return this.card(name).getByRole("button", { name: `Add to cart: ${name}`, exact: true });
  }

  /** Reloads until the catalogue shows this availability: it is rendered per request, not live. */
  async expectAvailability(name: string, text: string): Promise<void> {
    await expect(async () => {
      await this.page.reload();
      await expect(this.availabilityOf(name)).toHaveText(text, { timeout: 1_000 });
    }).toPass({ timeout: 15_000 });
  }
}
