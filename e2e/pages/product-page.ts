import { expect, type Locator, type Page } from "@playwright/test";

/** A product's own page: its availability and the "Add to cart" form. */
export class ProductPage {
  readonly availability: Locator;
  readonly quantity: Locator;
  readonly addToCartButton: Locator;
  readonly addedMessage: Locator;
  /** "2 held in other checkouts — may be back by 14:32". */
  readonly heldNote: Locator;
  /** "Pre-order — ships around 14 March", and the button that takes the pre-order. */
  readonly preorderNote: Locator;
  readonly preorderButton: Locator;

  constructor(readonly page: Page) {
    this.availability = page.getByText(/^(\d+ in stock|Out of stock)$/);
    this.quantity = page.getByLabel("Quantity", { exact: true });
    this.addToCartButton = page.getByRole("button", { name: "Add to cart" });
    this.addedMessage = page.getByRole("status").filter({ hasText: /^Added/ });
    this.heldNote = page.getByText(/held in other checkouts/);
    this.preorderNote = page.getByText(/^Pre-order — ships around /);
    this.preorderButton = page.getByRole("button", { name: /^Pre-order: / });
  }

  async goto(slug: string): Promise<void> {
    await this.page.goto(`/products/${slug}`);
  }

  async addToCart(quantity = 1, button = this.addToCartButton): Promise<void> {
    await this.quantity.fill(String(quantity));
    // The page is cached and may open with figures up to 2 s old (a restock a moment ago not in them yet): its own
    // poll brings them up to date within a second, and until then the browser holds a quantity above them back.
    await expect.poll(() => this.quantity.evaluate((input) => (input as HTMLInputElement).checkValidity())).toBe(true);
    await button.click();
    // The action answers with what the cart now holds.
    await expect(this.addedMessage).toContainText(`You have ${quantity} of`);
  }

  /**
   * Reloads until the page shows `text`, so a reading taken a moment before a change elsewhere does not fail the
   * test (the page also refreshes itself, more slowly while nobody else holds any).
   */
  async expectAvailability(text: string): Promise<void> {
    await expect(async () => {
      await this.page.reload();
      await expect(this.availability).toHaveText(text, { timeout: 1_000 });
    }).toPass({ timeout: 15_000 });
  }
}
