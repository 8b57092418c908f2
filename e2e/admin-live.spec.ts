/**
 * Journey 8: the admin watches the stock dashboard while a shopper elsewhere starts a checkout; the dashboard
 * shows the hold without a reload. The admin releases it, and the shopper's checkout says it has ended.
 */
import { expect, test } from "./fixtures";

test("the dashboard shows a new hold live; the admin releases it and the shopper is told", async ({
  makeProduct,
  admin,
  shopper,
}) => {
  const product = await makeProduct({ onHand: 4, label: "Watched Backpack" });
  await admin.dashboard.goto(product.name);
  await expect(admin.dashboard.heading).toBeVisible();
  await expect.poll(() => admin.dashboard.levelsOf(product.name)).toEqual({ onHand: 4, reserved: 0, allocated: 0, available: 4 });
  // Survives only as long as the page is not reloaded.
  await admin.page.evaluate(() => {
    (window as Window & { e2eNoReload?: boolean }).e2eNoReload = true;
  });

  await shopper.addToCart(product, 3);
  const email = await shopper.startCheckout();

  await expect.poll(() => admin.dashboard.levelsOf(product.name)).toEqual({ onHand: 4, reserved: 3, allocated: 0, available: 1 });
  expect(await admin.page.evaluate(() => (window as Window & { e2eNoReload?: boolean }).e2eNoReload)).toBe(true);

  await admin.holds.goto();
  expect(await admin.holds.read(product.name)).toMatchObject({ Shopper: `guest (${email})`, Quantity: "3" });
  await admin.holds.release(product.name);
  await expect(admin.holds.hold(product.name)).toHaveCount(0);

  // The checkout page learns it by itself (it polls); released by the shop, not run out of time.
  await expect(shopper.checkout.ended).toContainText("Released by the shop");
  await expect(shopper.checkout.payButton).toBeDisabled();

  await admin.dashboard.goto(product.name);
  await expect.poll(() => admin.dashboard.levelsOf(product.name)).toEqual({ onHand: 4, reserved: 0, allocated: 0, available: 4 });
});
