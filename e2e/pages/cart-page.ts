import { expect, type Locator, type Page } from "@playwright/test";

/** The cart: its lines, the Checkout form (guests give an email) and what it says when stock is short. */
export class CartPage {
  readonly email: Locator;
  readonly checkoutButton: Locator;
  /** The note shown when Checkout could not hold every line. */
  readonly refusal: Locator;
  readonly adjustToStockButton: Locator;
  /** What "Adjust cart to available stock" says it changed. */
  readonly adjusted: Locator;

  constructor(readonly page: Page) {
    this.email = page.getByLabel("Email");
    this.checkoutButton = page.getByRole("button", { name: "Checkout", exact: true });
    this.refusal = page.getByRole("alert").filter({ hasText: "We could not hold your cart" });
    this.adjustToStockButton = page.getByRole("button", { name: "Adjust cart to available stock" });
    this.adjusted = page.getByRole("status").filter({ hasText: /→|removed: sold out/ });
  }

  async goto(): Promise<void> {
    await this.page.goto("/cart");
  }

  /** A cart line, found by its product's name. */
  line(name: string): Locator {
    return this.page
      .getByRole("region", { name: "Cart lines" })
      .getByRole("listitem")
      .filter({ has: this.page.getByRole("link", { name, exact: true }) });
  }

  /** The note under a line that asks for more than is available ("Sold out right now.", "Only 1 available …"). */
  lineNote(name: string): Locator {
    return this.line(name).getByText(/Sold out right now|available right now|held in other checkouts/);
  }

  /** The refusal's entry for one product: says how many are left. */
  shortLine(name: string): Locator {
    return this.refusal.getByRole("listitem").filter({ hasText: name });
  }

  /** Fills in the guest email (when asked for) and presses Checkout; the caller checks where that led. */
  async requestCheckout(email: string): Promise<void> {
    if (await this.email.isVisible()) await this.email.fill(email);
    await this.checkoutButton.click();
  }

  /** Checks out and waits for the checkout page. */
  async checkout(email: string): Promise<void> {
    await this.requestCheckout(email);
    await expect(this.page).toHaveURL(/\/checkout\/[0-9a-f-]{36}$/);
  }
}
