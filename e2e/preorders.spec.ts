/**
 * Pre-orders in Chromium: a shopper buys a variant whose shelf is empty against units on their way, and is told
 * when it ships on the product page, on the order page and in the confirmation email; the admin records a delivery
 * on the Incoming page, sees the pre-order waiting for it, and receives it.
 */
import type { APIRequestContext } from "@playwright/test";
import { expect, guestEmail, test, type TestProduct } from "./fixtures";
import { AdminIncomingPage } from "./pages/admin-incoming-page";
import { expectNoSidewaysScroll, PHONE, snap } from "./phone";
import { ADMIN_API_TOKEN, CARDS } from "./test-env";

const admin = { Authorization: `Bearer ${ADMIN_API_TOKEN}` };

/** A day `days` from now (YYYY-MM-DD, UTC), far enough ahead that no clock calls it past. */
const daysAhead = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
/** "14 March", as the shop says a day. */
const inWords = (day: string) => new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "long", timeZone: "UTC" }).format(new Date(`${day}T00:00:00Z`));

/** The one variant of a product, as the shop reads it. */
async function onlyVariant(request: APIRequestContext, product: TestProduct): Promise<{ id: string; sku: string }> {
  const response = await request.get(`/api/products/${product.slug}`);
  expect(response.status()).toBe(200);
  const { product: detail } = (await response.json()) as { product: { variants: { id: string; sku: string }[] } };
  return detail.variants[0]!;
}

/** Marks the variant for pre-orders and records `quantity` units on their way, expected `day`. */
async function takePreorders(request: APIRequestContext, product: TestProduct, variantId: string, quantity: number, day: string) {
  const marked = await request.patch(`/api/admin/products/${product.id}/variants/${variantId}`, { headers: admin, data: { preorder: true } });
  expect(marked.status(), await marked.text()).toBe(200);
  const recorded = await request.post(`/api/admin/stock/${product.id}/incoming`, { headers: admin, data: { variantId, quantity, expectedAt: day } });
  expect(recorded.status(), await recorded.text()).toBe(201);
}

test("a shopper pre-orders an empty shelf and is told when it ships: product page, order page, email", async ({
  makeProduct,
  shopper,
  admin: shopAdmin,
  request,
}, testInfo) => {
  const product = await makeProduct({ onHand: 0, label: "Preorder Lantern", priceCents: 4000 });
  const variant = await onlyVariant(request, product);
  const day = daysAhead(40);
  await takePreorders(request, product, variant.id, 5, day);

  await shopper.product.goto(product.slug);
  await expect(shopper.product.preorderNote).toHaveText(`Pre-order — ships around ${inWords(day)}`);
  await expect(shopper.product.preorderButton).toBeVisible();
  await expect(shopper.page.getByText("5 to pre-order", { exact: true })).toBeVisible();
  await snap(shopper.page, testInfo, "product-preorder-1280");
  await shopper.page.setViewportSize(PHONE);
  await expectNoSidewaysScroll(shopper.page);
  await snap(shopper.page, testInfo, "product-preorder-390");
  await shopper.page.setViewportSize({ width: 1280, height: 900 });

  await shopper.product.addToCart(2, shopper.product.preorderButton);
  const email = guestEmail();
  await shopper.startCheckout(email);
  await shopper.checkout.pay(CARDS.ok);
  await expect(shopper.page).toHaveURL(/\/orders\/[0-9a-f-]{36}$/);
  await expect(shopper.order.confirmation).toBeVisible();
  expect((await shopper.order.line(product.name)).Item).toContain(`Ships around ${inWords(day)}`);
  await snap(shopper.page, testInfo, "order-preorder-1280");
  await shopper.page.setViewportSize(PHONE);
  await expectNoSidewaysScroll(shopper.page);
  await snap(shopper.page, testInfo, "order-preorder-390");

  // The confirmation email says it too (the e2e server keeps its emails in the outbox).
  await shopAdmin.page.goto("/admin/outbox");
  const row = shopAdmin.page.getByRole("row").filter({ hasText: email });
  await expect(row).toHaveCount(1);
  await row.getByRole("link", { name: /is confirmed/ }).click();
  await expect(shopAdmin.page.locator(".outbox-body")).toContainText(`2 × ${product.name}`);
  await expect(shopAdmin.page.locator(".outbox-body")).toContainText(`(Ships around ${inWords(day)})`);

  // The admin sees the two pre-orders waiting for the delivery.
  const incoming = new AdminIncomingPage(shopAdmin.page);
  await incoming.goto(product.id);
  const delivery = incoming.variant(variant.sku).getByRole("row").filter({ hasText: `${inWords(day)} ${day.slice(0, 4)}` });
  await expect(delivery.getByRole("cell").nth(2)).toHaveText("2");
  await shopAdmin.page.goto("/admin/incoming");
  await expect(shopAdmin.page.getByRole("link", { name: product.name })).toBeVisible();
  await looksRight(shopAdmin.page, testInfo, "admin-incoming-overview");
});

test("the admin records a delivery on the Incoming page, cannot cancel it under a pre-order, and receives it", async ({
  makeProduct,
  shopper,
  admin: shopAdmin,
  request,
}, testInfo) => {
  const product = await makeProduct({ onHand: 0, label: "Incoming Kettle", priceCents: 3000 });
  const variant = await onlyVariant(request, product);
  const incoming = new AdminIncomingPage(shopAdmin.page);
  await incoming.goto(product.id);
  await expect(incoming.heading).toBeVisible();
  await expect(shopAdmin.page.getByRole("heading", { level: 2, name: product.name })).toBeVisible();

  // A past day is refused in words beside the form; nothing is recorded.
  await incoming.record(3, "2020-01-01");
  await expect(incoming.recordForm.getByText("That day is past: choose today or a later day.")).toBeVisible();

  const day = daysAhead(30);
  await incoming.record(3, day);
  await expect(incoming.recordForm.getByRole("status")).toContainText(`Recorded 3 on the way, expected ${inWords(day)}`);
  await shopAdmin.page.reload();
  const card = incoming.variant(variant.sku);
  const delivery = card.getByRole("row").filter({ hasText: `${inWords(day)} ${day.slice(0, 4)}` });
  await expect(delivery).toContainText("3");

  // Take pre-orders; a shopper buys one against the delivery.
  await card.getByRole("button", { name: "Take pre-orders" }).click();
  await expect(card.getByRole("status").filter({ hasText: "takes pre-orders" })).toBeVisible();
  await shopper.product.goto(product.slug);
  await expect(shopper.product.preorderNote).toHaveText(`Pre-order — ships around ${inWords(day)}`);
  await shopper.product.addToCart(1, shopper.product.preorderButton);
  await shopper.startCheckout();
  await shopper.checkout.pay(CARDS.ok);
  await expect(shopper.order.confirmation).toBeVisible();

  // The pre-order waits for the delivery: cancelling it is refused, and the message says why.
  await shopAdmin.page.reload();
  await expect(delivery.getByRole("cell").nth(2)).toHaveText("1");
  await delivery.getByRole("button", { name: "Cancel delivery" }).click();
  await delivery.getByRole("button", { name: "Yes, cancel it" }).click();
  await expect(delivery.getByRole("alert")).toContainText("1 pre-ordered unit waits for this delivery");
  await looksRight(shopAdmin.page, testInfo, "admin-incoming");

  // More than is on its way is refused; the three that come go on the shelf.
  await incoming.receive(variant.sku, 4);
  await expect(card.getByRole("alert").filter({ hasText: "only 3 are on the way" })).toBeVisible();
  await incoming.receive(variant.sku, 3);
  await expect(card.getByRole("status").filter({ hasText: "Received 3 onto the shelf" })).toBeVisible();
  await shopAdmin.page.reload();
  await expect(incoming.variant(variant.sku)).toContainText("No delivery is open.");
  await expect(incoming.variant(variant.sku)).toContainText("3 on hand · 0 on the way");
});

async function looksRight(page: import("@playwright/test").Page, testInfo: import("@playwright/test").TestInfo, name: string) {
  await snap(page, testInfo, `${name}-1280`);
  await page.setViewportSize(PHONE);
  await expectNoSidewaysScroll(page);
  await snap(page, testInfo, `${name}-390`);
  await page.setViewportSize({ width: 1280, height: 900 });
}
