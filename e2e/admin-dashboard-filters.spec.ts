/** The admin finds stock among many products: search, and the low / sold-out / held filters, kept in the URL. */
import { expect, test } from "./fixtures";

test("the admin searches the stock dashboard and filters it to low, sold-out and held stock", async ({
  admin,
  makeProduct,
  shopper,
}) => {
  const label = `Filter Crate ${Math.random().toString(36).slice(2, 8)}`;
  const plenty = await makeProduct({ onHand: 20, label });
  const low = await makeProduct({ onHand: 2, label });
  const gone = await makeProduct({ onHand: 0, label });
  const held = await makeProduct({ onHand: 10, label });
  await shopper.addToCart(held, 4);
  await shopper.startCheckout();

  const dashboard = admin.dashboard;
  await dashboard.goto();
  await admin.page.getByRole("searchbox", { name: "Search products" }).fill(label);
  await admin.page.getByRole("searchbox", { name: "Search products" }).press("Enter");
  await expect(admin.page).toHaveURL(/[?&]q=/);
  const rows = dashboard.table.getByRole("row").filter({ hasText: label });
  await expect(rows).toHaveCount(4);

  await dashboard.filter("Low").click();
  await expect(admin.page).toHaveURL(/filter=low/);
  await expect(rows).toHaveCount(1);
  await expect(dashboard.row(low.name)).toBeVisible();

  await dashboard.filter("Sold out").click();
  await expect(rows).toHaveCount(1);
  await expect(dashboard.row(gone.name)).toBeVisible();

  await dashboard.filter("Held").click();
  await expect(rows).toHaveCount(1);
  await expect.poll(() => dashboard.levelsOf(held.name)).toEqual({ onHand: 10, reserved: 4, allocated: 0, available: 6 });

  await dashboard.filter("All").click();
  await expect(rows).toHaveCount(4);
  await expect(dashboard.row(plenty.name)).toBeVisible();
});
