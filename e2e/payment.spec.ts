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
