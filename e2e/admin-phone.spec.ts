/**
 * The admin on a phone (390 px wide): the order page shows lines, delivery and payment without sideways scroll,
 * Fulfil asks first; and no admin page scrolls sideways. Screenshots of each page land in the test's output.
 */
import { expect, test } from "./fixtures";
import { expectNoSidewaysScroll, PHONE, snap } from "./phone";
import { CARDS } from "./test-env";

test("the admin order page at 390 px: details readable, Fulfil asks first", async ({ makeProduct, shopper, admin }, testInfo) => {
  const product = await makeProduct({ onHand: 4, label: "Phone Order Kettle With A Long Name", priceCents: 4200 });
  await shopper.addToCart(product, 1);
  await shopper.startCheckout();
  await shopper.checkout.pay(CARDS.ok);
  await expect(shopper.order.confirmation).toBeVisible();
  const orderId = shopper.page.url().match(/\/orders\/([0-9a-f-]{36})/)![1]!;

  await admin.page.setViewportSize(PHONE);
  await admin.page.goto("/admin/orders");
  await expectNoSidewaysScroll(admin.page);
  await admin.page.getByRole("link", { name: `Order ${orderId.slice(0, 8)}, details` }).click();
  await expect(admin.page).toHaveURL(new RegExp(`/admin/orders/${orderId}$`));
  await expect(admin.page.getByRole("heading", { level: 1 })).toHaveText(`Order ${orderId.slice(0, 8)}`);
  await expect(admin.page.getByRole("rowheader", { name: product.name })).toBeVisible();
  await expect(admin.page.getByText("12 Analytical Row")).toBeVisible();
  await expect(admin.page.getByRole("region", { name: "Payment" })).toContainText("Captured (test)");
  await expectNoSidewaysScroll(admin.page);
  await snap(admin.page, testInfo, "admin-order-390");

  // Fulfil asks first; Cancel changes nothing.
  await admin.page.getByRole("button", { name: "Fulfil" }).click();
  const ask = admin.page.getByRole("group", { name: /Ship order/ });
  await expect(ask).toBeVisible();
  await ask.getByRole("button", { name: "Cancel" }).click();
  await expect(admin.page.getByText("Paid, to ship")).toBeVisible();
  await admin.page.getByRole("button", { name: "Fulfil" }).click();
  await admin.page.getByRole("button", { name: "Yes, fulfil" }).click();
  await expect(admin.page.getByText("Fulfilled", { exact: true })).toBeVisible();
  await expect(admin.page.getByRole("table").last()).toContainText("Shipped");
  await expectNoSidewaysScroll(admin.page);
});

test("no admin page scrolls sideways at 390 px", async ({ makeProduct, admin }, testInfo) => {
  const product = await makeProduct({ onHand: 2, label: "Phone Ledger Lamp" });
  await admin.page.setViewportSize(PHONE);
  for (const [name, path] of [
    ["stock", "/admin"],
    ["holds", "/admin/holds"],
    ["orders", "/admin/orders"],
    ["products", "/admin/products"],
    ["product-edit", `/admin/products/${product.id}`],
    ["ledger", "/admin/ledger"],
    ["ledger-product", `/admin/ledger?productId=${product.id}`],
    ["incoming", "/admin/incoming"],
    ["incoming-product", `/admin/incoming?productId=${product.id}`],
    ["outbox", "/admin/outbox"],
  ] as const) {
    await admin.page.goto(path);
    await expect(admin.page.getByRole("heading", { level: 1 })).toBeVisible();
    await expectNoSidewaysScroll(admin.page);
    await snap(admin.page, testInfo, `admin-${name}-390`);
  }
});
