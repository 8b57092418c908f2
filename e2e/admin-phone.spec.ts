/**
 * The admin on a phone (390 px wide): the order page shows lines, delivery and payment without sideways scroll,
 * Fulfil asks first; Release and Fulfil in the holds and orders lists are on screen without scrolling the list
 * sideways; and no admin page scrolls sideways. Screenshots of each page land in the test's output.
 */
import type { Locator } from "@playwright/test";
import { expect, test } from "./fixtures";
import { expectNoSidewaysScroll, PHONE, snap } from "./phone";
import { CARDS } from "./test-env";

test("the admin order page at 390 px: details readable, Fulfil asks first", async ({ makeProduct, shopper, admin }, testInfo) => {
  // Two browsers and a payment: close to the default minute on a busy machine.
  test.slow();
  const product = await makeProduct({ onHand: 4, label: "Phone Order Kettle With A Long Name", priceCents: 4200 });
  await shopper.addToCart(product, 1);
  await shopper.startCheckout();
  await shopper.checkout.pay(CARDS.ok);
  await expect(shopper.order.confirmation).toBeVisible();
  // The confirmation shows on the checkout before the browser moves to the order's page.
  await expect(shopper.page).toHaveURL(/\/orders\/[0-9a-f-]{36}/);
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

/**
 * The button is inside the phone's width as the page first shows it: neither the page nor the list around it has
 * been scrolled sideways (a click would scroll it into view and hide the problem, so this is measured first).
 */
async function expectOnScreenWithoutSidewaysScroll(button: Locator): Promise<void> {
  await expect(button).toBeVisible();
  const scrolled = await button.evaluate((element) => {
    let sideways = window.scrollX;
    for (let box = element.parentElement; box; box = box.parentElement) sideways += box.scrollLeft;
    return sideways;
  });
  expect(scrolled, "nothing scrolled sideways").toBe(0);
  const box = (await button.boundingBox())!;
  expect(box.x, "the button's left edge is on screen").toBeGreaterThanOrEqual(0);
  expect(box.x + box.width, "the button's right edge is on screen").toBeLessThanOrEqual(PHONE.width);
}

test("Release and Fulfil are on screen at 390 px without scrolling sideways, and work", async ({ makeProduct, shopper, newShopper, admin }, testInfo) => {
  // Three browsers, a payment and two confirmed actions: more than the default minute on a busy machine.
  test.slow();
  const product = await makeProduct({ onHand: 4, label: "Phone Reach Teapot With A Rather Long Name", priceCents: 3900 });
  await shopper.addToCart(product, 1);
  const email = await shopper.startCheckout();
  await shopper.checkout.pay(CARDS.ok);
  await expect(shopper.order.confirmation).toBeVisible();
  // The confirmation shows on the checkout before the browser moves to the order's page.
  await expect(shopper.page).toHaveURL(/\/orders\/[0-9a-f-]{36}/);
  const orderId = shopper.page.url().match(/\/orders\/([0-9a-f-]{36})/)![1]!;
  const holder = await newShopper();
  await holder.addToCart(product, 2);
  const holderEmail = await holder.startCheckout();
  await expect(holder.checkout.timer).toBeVisible();

  await admin.page.setViewportSize(PHONE);

  // The hold: Release is beside its product, on screen; it asks first, then the hold is gone.
  await admin.page.goto(`/admin/holds?q=${encodeURIComponent(product.name)}`);
  const hold = admin.page.getByRole("row").filter({ hasText: holderEmail });
  const release = hold.getByRole("button", { name: "Release" });
  await expectOnScreenWithoutSidewaysScroll(release);
  await expectNoSidewaysScroll(admin.page);
  await snap(admin.page, testInfo, "admin-holds-390");
  await release.click();
  const yesRelease = hold.getByRole("button", { name: "Yes, release" });
  await expectOnScreenWithoutSidewaysScroll(yesRelease);
  await yesRelease.click();
  await expect(hold).toHaveCount(0, { timeout: 30_000 });
  await expect(holder.checkout.ended).toBeVisible();

  // The order: Fulfil is on its card, on screen; it asks first, then the order is fulfilled.
  await admin.page.goto(`/admin/orders?q=${encodeURIComponent(email)}`);
  const order = admin.page.getByRole("row").filter({ has: admin.page.getByRole("link", { name: `Order ${orderId.slice(0, 8)}, details` }) });
  const fulfil = order.getByRole("button", { name: "Fulfil" });
  await expectOnScreenWithoutSidewaysScroll(fulfil);
  await expectNoSidewaysScroll(admin.page);
  await snap(admin.page, testInfo, "admin-orders-390");
  await fulfil.click();
  const yesFulfil = order.getByRole("button", { name: "Yes, fulfil" });
  await expectOnScreenWithoutSidewaysScroll(yesFulfil);
  await yesFulfil.click();
  await expect(order).toContainText("Fulfilled", { timeout: 30_000 });
  await expect(order.getByRole("button", { name: "Fulfil" })).toHaveCount(0);

  // The ledger's table is wider than the phone: it takes focus, and the arrow keys scroll it.
  await admin.page.goto(`/admin/ledger?productId=${product.id}`);
  const movements = admin.page.getByRole("region", { name: "Movements table" });
  await expect(movements).toHaveAttribute("tabindex", "0");
  await movements.focus();
  await expect(movements).toBeFocused();
  await admin.page.keyboard.press("ArrowRight");
  await admin.page.keyboard.press("ArrowRight");
  await expect.poll(() => movements.evaluate((element) => element.scrollLeft)).toBeGreaterThan(0);
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

test("the stock dashboard's legend wraps inside the screen at 390 px and stays in view as the figures scroll", async ({ makeProduct, admin }) => {
  await makeProduct({ onHand: 3, label: "Legend Lamp" });
  await admin.page.setViewportSize(PHONE);
  await admin.page.goto("/admin");
  const box = admin.page.locator(".admin-scroll").filter({ has: admin.page.locator("caption") }).first();
  const legend = box.locator("caption");
  await expect(legend).toContainText("On hand = on the shelf");
  const within = async () => {
    const [rect, frame] = [await legend.boundingBox(), await box.boundingBox()];
    expect(rect!.x).toBeGreaterThanOrEqual(frame!.x - 1);
    expect(rect!.x + rect!.width).toBeLessThanOrEqual(frame!.x + frame!.width + 1);
  };
  await within();
  // The table is wider than the phone: scrolled to its far end, the legend is still where it can be read.
  await box.evaluate((el) => (el.scrollLeft = el.scrollWidth));
  await expect.poll(() => box.evaluate((el) => el.scrollLeft)).toBeGreaterThan(0);
  await within();
});
