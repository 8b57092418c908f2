/**
 * Journey 7: a checkout left alone runs out of time. The shopper is told, and the unit is free again for
 * someone else, without any cleanup job (the server runs with the sweep turned off).
 */
import { expect, test } from "./fixtures";
import { CARDS, RESERVATION_TTL_SECONDS } from "./test-env";

test("a hold expires after inactivity, and another shopper can then buy", async ({ makeProduct, shopper, newShopper }) => {
  const product = await makeProduct({ onHand: 1, label: "Expiring Lamp" });
  const nextShopper = await newShopper();
  // The second shopper's cart is filled first: a held product cannot be added (it shows "Out of stock").
  await nextShopper.addToCart(product, 1);

  await shopper.addToCart(product, 1);
  await shopper.startCheckout();
  await expect(shopper.checkout.timer).toBeVisible();
  await nextShopper.product.goto(product.slug);
  await nextShopper.product.expectAvailability("Out of stock");

  // Nobody touches the checkout: the hold runs out by itself.
  await expect(shopper.checkout.ended).toContainText("Your hold ended and the items went back on the shelf.", {
    timeout: (RESERVATION_TTL_SECONDS + 10) * 1000,
  });
  // The outcome replaces the countdown: no clock left standing at 0:00.
  await expect(shopper.checkout.timer).toBeHidden();
  await expect(shopper.checkout.payButton).toBeDisabled();

  await nextShopper.product.expectAvailability("1 in stock");
  await nextShopper.startCheckout();
  await nextShopper.checkout.pay(CARDS.ok);
  await expect(nextShopper.order.confirmation).toBeVisible();
  await nextShopper.product.goto(product.slug);
  await expect(nextShopper.product.availability).toHaveText("Out of stock");
});
