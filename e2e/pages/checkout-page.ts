import type { Locator, Page } from "@playwright/test";

export interface Delivery {
  name: string;
  address: string;
  postcode: string;
  city: string;
  /** The country's code, as the select's option values are. */
  country: string;
}

export const ADA: Delivery = { name: "Ada Lovelace", address: "12 Analytical Row", postcode: "N1 9GU", city: "London", country: "GB" };

/** A checkout: held lines, the countdown to expiry, the details form, payment and cancel. */
export class CheckoutPage {
  readonly timer: Locator;
  readonly heldItems: Locator;
  readonly cardNumber: Locator;
  readonly payButton: Locator;
  readonly cancelButton: Locator;
  /** Shown once the checkout is over: paid, cancelled, declined, released or expired. */
  readonly ended: Locator;
  readonly declined: Locator;
  /** "Confirming your payment…" while the provider works. */
  readonly confirming: Locator;
  readonly tryAnotherCard: Locator;

  constructor(readonly page: Page) {
    this.timer = page.getByRole("timer");
    this.heldItems = page.getByRole("region", { name: "Held items" });
    this.cardNumber = page.getByLabel("Card number");
    this.payButton = page.getByRole("button", { name: /^Pay \$/ });
    this.cancelButton = page.getByRole("button", { name: "Cancel checkout" });
    this.ended = page.getByRole("region", { name: "Checkout outcome" });
    this.declined = this.ended.getByRole("alert").filter({ hasText: "Payment declined" });
    this.confirming = page.getByRole("region", { name: "Checkout outcome" }).filter({ hasText: "Confirming your payment…" });
    this.tryAnotherCard = page.getByRole("button", { name: "Try another card" });
  }

  /** Seconds shown on the countdown ("m:ss"). */
  async secondsLeft(): Promise<number> {
    const text = (await this.timer.textContent()) ?? "";
    const match = text.match(/(\d+):(\d{2})/);
    if (!match) throw new Error(`the countdown shows no time: "${text}"`);
    return Number(match[1]) * 60 + Number(match[2]);
  }

  /** Fills in the delivery details (the shop ships goods: name, address, postcode, city, country). */
  async fillDelivery(delivery: Delivery = ADA): Promise<void> {
    await this.page.getByLabel("Full name").fill(delivery.name);
    await this.page.getByLabel("Address").fill(delivery.address);
    await this.page.getByLabel("Postcode").fill(delivery.postcode);
    await this.page.getByLabel("City").fill(delivery.city);
    await this.page.getByLabel("Country").selectOption(delivery.country);
  }

  /** Fills in the delivery details and the card, and presses Pay. */
  async pay(card: string, delivery: Delivery = ADA): Promise<void> {
    await this.fillDelivery(delivery);
    await this.cardNumber.fill(card);
    await this.payButton.click();
  }

  async cancel(): Promise<void> {
    await this.cancelButton.click();
  }
}
