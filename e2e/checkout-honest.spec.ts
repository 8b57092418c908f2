/**
 * Journeys 21–23: Back after paying shows the paid checkout, never a live hold with a Pay button; the delivery
 * address (name, address, postcode, city, country from a list) is asked for and shown on the order; the form
 * at desktop and phone widths.
 */
import { expect, test } from "./fixtures";
import type { Delivery } from "./pages/checkout-page";
import { expectNoSidewaysScroll, PHONE, snap } from "./phone";
import { CARDS } from "./test-env";

declare global {
  interface Window {
    /** Set by the watcher below: a hold's countdown or an enabled Pay button was on screen at some moment. */
    __sawLiveCheckout?: boolean;
  }
}

test("Back after paying shows the paid checkout at once, with no countdown and no Pay button", async ({ makeProduct, shopper }) => {
  const product = await makeProduct({ onHand: 3, label: "Back Button Vase", priceCents: 2200 });
  await shopper.addToCart(product, 1);
  await shopper.startCheckout();
  await expect(shopper.checkout.timer).toBeVisible();
  await shopper.checkout.pay(CARDS.ok);
  await expect(shopper.page).toHaveURL(/\/orders\/[0-9a-f-]{36}$/);
  await expect(shopper.order.confirmation).toBeVisible();

  // From here on, note any moment the page shows a live hold: a countdown, or a Pay button that can be pressed.
  await shopper.page.evaluate(() => {
    const live = () =>
      document.querySelector('[role="timer"]') !== null ||
      [...document.querySelectorAll("button")].some((b) => /^Pay \$/.test(b.textContent?.trim() ?? "") && !b.disabled);
    window.__sawLiveCheckout = false;
    new MutationObserver(() => {
      if (live()) window.__sawLiveCheckout = true;
    }).observe(document.documentElement, { subtree: true, childList: true, attributes: true, characterData: true });
  });

  await shopper.page.goBack();
  await expect(shopper.page).toHaveURL(/\/checkout\/[0-9a-f-]{36}$/);
  await expect(shopper.checkout.ended).toContainText("Paid — thank you");
  await expect(shopper.page.getByRole("link", { name: "View your order" })).toBeVisible();
  await expect(shopper.checkout.payButton).toHaveCount(0);
  await expect(shopper.checkout.timer).toHaveCount(0);
  // The same document (the router's Back): it never showed the checkout as held, not even for a moment.
  expect(await shopper.page.evaluate(() => window.__sawLiveCheckout)).toBe(false);

  // A reload renders it from the server the same way.
  await shopper.page.reload();
  await expect(shopper.checkout.ended).toContainText("Paid — thank you");
  await expect(shopper.checkout.payButton).toHaveCount(0);
});

const AMSTERDAM: Delivery = { name: "Grace Hopper", address: "Keizersgracht 123", postcode: "1015 CJ", city: "Amsterdam", country: "NL" };

test("the delivery address is asked for, and the order shows where it goes", async ({ makeProduct, shopper }, testInfo) => {
  const product = await makeProduct({ onHand: 3, label: "Addressed Teapot", priceCents: 3100 });
  await shopper.addToCart(product, 1);
  await shopper.startCheckout();

  // Every delivery field is required, the country from a list.
  for (const label of ["Full name", "Address", "Postcode", "City", "Country"]) {
    await expect(shopper.page.getByLabel(label)).toHaveAttribute("required", "");
  }
  await expect(shopper.page.getByLabel("Country").locator("option", { hasText: "Netherlands" })).toHaveAttribute("value", "NL");
  await shopper.checkout.fillDelivery(AMSTERDAM);
  await snap(shopper.page, testInfo, "checkout-1280");

  await shopper.checkout.cardNumber.fill(CARDS.ok);
  await shopper.checkout.payButton.click();
  await expect(shopper.page).toHaveURL(/\/orders\/[0-9a-f-]{36}$/);
  const address = shopper.page.locator("address");
  for (const part of ["Grace Hopper", "Keizersgracht 123", "1015 CJ Amsterdam", "Netherlands"]) await expect(address).toContainText(part);
  await snap(shopper.page, testInfo, "order-1280");
});

test.describe("on a phone", () => {
  test.use({ viewport: PHONE, isMobile: true, hasTouch: true });

  test("the delivery form fits, and the order shows the address", async ({ makeProduct, shopper }, testInfo) => {
    const product = await makeProduct({ onHand: 3, label: "Phone Addressed Mug", priceCents: 1400 });
    await shopper.addToCart(product, 1);
    await shopper.startCheckout();
    await shopper.checkout.fillDelivery(AMSTERDAM);
    await expectNoSidewaysScroll(shopper.page);
    await snap(shopper.page, testInfo, "checkout-390");

    await shopper.checkout.cardNumber.fill(CARDS.ok);
    await shopper.checkout.payButton.click();
    await expect(shopper.page).toHaveURL(/\/orders\/[0-9a-f-]{36}$/);
    await expect(shopper.page.locator("address")).toContainText("Netherlands");
    await expectNoSidewaysScroll(shopper.page);
    await snap(shopper.page, testInfo, "order-390");
  });
});
