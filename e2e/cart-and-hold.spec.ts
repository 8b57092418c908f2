/**
 * Journeys 1–3: a cart is a wish list (it holds nothing); checkout holds the stock with a ticking countdown;
 * cancelling gives it back at once. Availability is always read by someone else, in another browser context.
 */
import { expect, test } from "./fixtures";
import { RESERVATION_TTL_SECONDS } from "./test-env";

test("adding to the cart leaves availability unchanged for everyone", async ({ makeProduct, shopper, newShopper }) => {
  const product = await makeProduct({ onHand: 3, label: "Cart Only Lamp" });
  const observer = await newShopper();
  await observer.product.goto(product.slug);
  await expect(observer.product.availability).toHaveText("3 in stock");

  await shopper.addToCart(product, 2);
  await shopper.cart.goto();
  await expect(shopper.cart.line(product.name)).toBeVisible();

  // Two units sit in a cart, yet all three are still free to buy: for the shopper and for everyone else.
  await shopper.product.goto(product.slug);
  await expect(shopper.product.availability).toHaveText("3 in stock");
  await observer.product.expectAvailability("3 in stock");
  await observer.catalog.goto(product.name);
  await expect(observer.catalog.availabilityOf(product.name)).toHaveText("3 in stock");
});

test("checkout holds the stock and shows a ticking countdown", async ({ makeProduct, shopper, newShopper }) => {
  const product = await makeProduct({ onHand: 3, label: "Held Kettle" });
  const observer = await newShopper();
  await shopper.addToCart(product, 2);

  await shopper.startCheckout();
  await expect(shopper.checkout.heldItems).toContainText(product.name);
  await expect(shopper.checkout.heldItems).toContainText("2 ×");

  await expect(shopper.checkout.timer).toBeVisible();
  const first = await shopper.checkout.secondsLeft();
  expect(first).toBeGreaterThan(0);
  expect(first).toBeLessThanOrEqual(RESERVATION_TTL_SECONDS);
  // It counts down by itself, without a reload.
  await expect.poll(() => shopper.checkout.secondsLeft()).toBeLessThan(first);

  await observer.product.goto(product.slug);
  await observer.product.expectAvailability("1 in stock");
  await observer.catalog.goto(product.name);
  await expect(observer.catalog.availabilityOf(product.name)).toHaveText("1 in stock");
});

test("cancelling a checkout releases the stock at once", async ({ makeProduct, shopper, newShopper }) => {
  const product = await makeProduct({ onHand: 2, label: "Cancelled Print" });
  const observer = await newShopper();
  await shopper.addToCart(product, 2);
  await shopper.startCheckout();
  await observer.product.goto(product.slug);
  await observer.product.expectAvailability("Out of stock");

  await shopper.checkout.cancel();
  await expect(shopper.checkout.ended).toContainText("You cancelled this checkout");
  await expect(shopper.page.getByRole("status").filter({ hasText: "Checkout cancelled" })).toBeVisible();
  await expect(shopper.checkout.payButton).toBeDisabled();

  await observer.product.expectAvailability("2 in stock");
  // The cart is untouched: the shopper can start again.
  await shopper.cart.goto();
  await expect(shopper.cart.line(product.name)).toBeVisible();
});
