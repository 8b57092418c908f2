import type { Locator, Page } from "@playwright/test";

/** The admin's Incoming page for one product: its deliveries, the record and receive forms, the pre-order switch. */
export class AdminIncomingPage {
  readonly heading: Locator;
  readonly recordForm: Locator;

  constructor(readonly page: Page) {
    this.heading = page.getByRole("heading", { level: 1, name: "Incoming" });
    this.recordForm = page.getByRole("form", { name: "Record a delivery" });
  }

  async goto(productId?: string): Promise<void> {
    await this.page.goto(productId ? `/admin/incoming?productId=${productId}` : "/admin/incoming");
  }

  /** One variant's card, by its SKU. */
  variant(sku: string): Locator {
    return this.page.getByRole("listitem").filter({ has: this.page.getByRole("heading", { level: 3, name: new RegExp(`^${sku}\\b`) }) });
  }

  /** Records `quantity` units expected on `day` (YYYY-MM-DD) at the first location. */
  async record(quantity: number, day: string): Promise<void> {
    await this.recordForm.getByLabel("Units").fill(String(quantity));
    await this.recordForm.getByLabel("Expected on").fill(day);
    await this.recordForm.getByRole("button", { name: "Record delivery" }).click();
  }

  /** Receives `quantity` units of a variant. */
  async receive(sku: string, quantity: number): Promise<void> {
    const form = this.variant(sku).getByRole("form", { name: /^Receive / });
    await form.getByLabel("Units received").fill(String(quantity));
    await form.getByRole("button", { name: "Receive" }).click();
  }
}
