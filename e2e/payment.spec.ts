/** Journeys 4–5: a declined card gives the stock back and says so; a good card turns the hold into an order. */
import { expect, test } from "./fixtures";
import { CARDS } from "./test-env";

test("a declined card releases the hold and tells the shopper", async ({ makeProduct, shopper, newShopper }) => {
  const product = await makeProduct({ onHand: 2, label: "Declined Watch" });
  const observer = await newShopper();
  await shopper.addToCart(product, 1);
  await shopper.startCheckout();
  await observer.product.goto(product.slug);
  await observer.product.expectAvailability("1 in stock");

  await shopper.checkout.pay(CARDS.declined);
  await expect(shopper.checkout.declined).toContainText("Your card was declined.");
  await expect(shopper.checkout.payButton).toBeDisabled();
  await expect(shopper.page).toHaveURL(/\/checkout\//);

  await observer.product.expectAvailability("2 in stock");
});

test("a paid checkout shows the confirmation and the admin sees the units allocated", async ({
  makeProduct,
  shopper,
  admin,
}) => {
  const product = await makeProduct({ onHand: 5, label: "Paid Blanket", priceCents: 2500 });
  await shopper.addToCart(product, 2);
  await shopper.startCheckout();

  await shopper.checkout.pay(CARDS.ok);
  await expect(shopper.page).toHaveURL(/\/orders\/[0-9a-f-]{36}$/);
  await expect(shopper.order.confirmation).toBeVisible();
  expect(await shopper.order.line(product.name)).toMatchObject({ Quantity: "2", Price: "$50.00" });

  await admin.dashboard.goto(product.name);
  await expect(admin.dashboard.heading).toBeVisible();
  await expect
    .poll(() => admin.dashboard.levelsOf(product.name))
    .toEqual({ onHand: 5, reserved: 0, allocated: 2, available: 3 });
});

test("after a decline, “Try another card” holds the cart again with the details kept, and the next card pays", async ({
  makeProduct,
  shopper,
}) => {
  const product = await makeProduct({ onHand: 1, label: "Second Card Lamp", priceCents: 16200 });
  await shopper.addToCart(product, 1);
  await shopper.startCheckout();

  await shopper.checkout.pay(CARDS.insufficientFunds);
  await expect(shopper.checkout.declined).toContainText("Your card has insufficient funds.");
  await expect(shopper.checkout.ended).toBeFocused();
  const declinedAt = shopper.page.url();

  await shopper.checkout.tryAnotherCard.click();
  await expect(shopper.page).not.toHaveURL(declinedAt);
  await expect(shopper.checkout.timer).toBeVisible();
  // The details typed for the declined attempt are still there; only the card is asked again.
  await expect(shopper.page.getByLabel("Full name")).toHaveValue("Ada Lovelace");
  await expect(shopper.page.getByLabel("Address")).toHaveValue("12 Analytical Row");
  await expect(shopper.checkout.payButton).toHaveText("Pay $162.00");

  await shopper.page.getByLabel("Card number").fill(CARDS.ok);
  await shopper.checkout.payButton.click();
  await expect(shopper.page).toHaveURL(/\/orders\/[0-9a-f-]{36}$/);
  await expect(shopper.order.confirmation).toBeVisible();
});

test.describe("on a phone", () => {
  test.use({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });

  test("a decline is brought into view and focused; the summary and total come before Pay", async ({ makeProduct, shopper }, testInfo) => {
    const product = await makeProduct({ onHand: 2, label: "Phone Decline Kettle", priceCents: 4500 });
    await shopper.addToCart(product, 1);
    await shopper.startCheckout();

    const summary = await shopper.checkout.heldItems.boundingBox();
    const payButton = await shopper.checkout.payButton.boundingBox();
    expect(summary!.y).toBeLessThan(payButton!.y);
    // The countdown stays in sight while the shopper scrolls down the form.
    await shopper.page.getByLabel("Card number").scrollIntoViewIfNeeded();
    await expect(shopper.checkout.timer).toBeInViewport();

    await shopper.checkout.pay(CARDS.declined);
    await expect(shopper.checkout.declined).toBeInViewport();
    await expect(shopper.checkout.ended).toBeFocused();
    await expect(shopper.checkout.tryAnotherCard).toBeVisible();
    const width = await shopper.page.evaluate(() => document.documentElement.scrollWidth);
    expect(width).toBeLessThanOrEqual(390);
    await shopper.page.screenshot({ path: testInfo.outputPath("decline-390.png"), fullPage: false });
  });
});

test("an asynchronous card shows “Confirming your payment…”, then the order, without a reload", async ({ makeProduct, shopper }) => {
  const product = await makeProduct({ onHand: 3, label: "Bank Confirmed Clock", priceCents: 3900 });
  await shopper.addToCart(product, 1);
  await shopper.startCheckout();

  await shopper.checkout.pay(CARDS.asyncOk);
  await expect(shopper.checkout.confirming).toBeVisible();
  await expect(shopper.checkout.timer).toBeHidden();
  // The bank confirms a second later; the page moves on by itself.
  await expect(shopper.page).toHaveURL(/\/orders\/[0-9a-f-]{36}$/, { timeout: 15_000 });
  await expect(shopper.order.confirmation).toBeVisible();
});
