/**
 * Journeys 21–22: an old tab paying a lapsed checkout after a price rose is shown the new lines and total and
 * pays it only when asked ("Pay the new total"); an order whose capture failed shows "Payment not captured" to
 * the merchant, whose "Retry capture" takes the money. Screenshots at 1280 and 390 px land in the test's output.
 */
import { expect, test } from "./fixtures";
import { expectNoSidewaysScroll, PHONE, snap } from "./phone";
import { ADMIN_API_TOKEN, BASE_URL, CARDS, RESERVATION_TTL_SECONDS } from "./test-env";

test("an old tab whose hold lapsed while a price rose is shown the new total, and “Pay the new total” pays it", async ({
  makeProduct,
  shopper,
  playwright,
}, testInfo) => {
  test.setTimeout(90_000);
  const product = await makeProduct({ onHand: 3, label: "Repriced Teapot", priceCents: 2000 });
  // The tab's clock is the test's: paused below, as a laptop lid closed on the checkout page.
  await shopper.page.clock.install();
  await shopper.addToCart(product, 1);
  await shopper.startCheckout();
  await expect(shopper.checkout.payButton).toHaveText("Pay $20.00");
  await shopper.page.clock.pauseAt(Date.now() + 1_000);

  // Meanwhile the hold lapses at the shop and the price rises.
  await shopper.page.waitForTimeout((RESERVATION_TTL_SECONDS + 2) * 1000);
  const api = await playwright.request.newContext({ baseURL: BASE_URL, extraHTTPHeaders: { Authorization: `Bearer ${ADMIN_API_TOKEN}` } });
  expect((await api.patch(`/api/admin/products/${product.id}`, { data: { priceCents: 2600 } })).status()).toBe(200);
  await api.dispose();

  await shopper.checkout.pay(CARDS.ok);
  await shopper.page.clock.resume();
  const notice = shopper.checkout.ended.filter({ hasText: "Prices have changed" });
  await expect(notice).toBeVisible();
  await expect(notice).toContainText(product.name);
  await expect(notice).toContainText("now $26.00");
  await expect(notice).toContainText("New total $26.00 (was $20.00)");
  const payNew = shopper.page.getByRole("button", { name: "Pay the new total $26.00" });
  await expect(payNew).toBeEnabled();
  await expect(shopper.checkout.heldItems).toContainText("$26.00");
  await snap(shopper.page, testInfo, "price-changed-1280");
  await shopper.page.setViewportSize(PHONE);
  await expectNoSidewaysScroll(shopper.page);
  await snap(shopper.page, testInfo, "price-changed-390");

  // The details are kept; the card is asked again.
  await expect(shopper.page.getByLabel("Full name")).toHaveValue("Ada Lovelace");
  await shopper.checkout.cardNumber.fill(CARDS.ok);
  await payNew.click();
  await expect(shopper.page).toHaveURL(/\/orders\/[0-9a-f-]{36}$/);
  await expect(shopper.order.confirmation).toBeVisible();
  expect(await shopper.order.line(product.name)).toMatchObject({ Quantity: "1", Price: "$26.00" });
});

test("an order whose capture failed shows “Payment not captured”; Retry capture takes the money", async ({ makeProduct, shopper, admin }, testInfo) => {
  const product = await makeProduct({ onHand: 2, label: "Uncaptured Lamp", priceCents: 3100 });
  await shopper.addToCart(product, 1);
  await shopper.startCheckout();
  await shopper.checkout.pay(CARDS.captureFailsOnce);
  await expect(shopper.order.confirmation).toBeVisible();
  const orderId = shopper.page.url().match(/\/orders\/([0-9a-f-]{36})/)![1]!;

  await admin.page.goto(`/admin/orders?q=${orderId.slice(0, 8)}`);
  const row = admin.page.getByRole("row").filter({ hasText: product.name });
  await expect(row).toContainText("Payment not captured");
  await row.getByRole("link", { name: "Resolve" }).click();
  await expect(admin.page).toHaveURL(new RegExp(`/admin/orders/${orderId}$`));
  const payment = admin.page.getByRole("region", { name: "Payment" });
  await expect(payment).toContainText("Not captured (authorized)");
  await expect(admin.page.getByRole("button", { name: "Fulfil" })).toHaveCount(0);
  await snap(admin.page, testInfo, "admin-uncaptured-1280");
  await admin.page.setViewportSize(PHONE);
  await expectNoSidewaysScroll(admin.page);
  await snap(admin.page, testInfo, "admin-uncaptured-390");

  await payment.getByRole("button", { name: "Retry capture" }).click();
  await expect(payment).toContainText("Captured (test)");
  await expect(admin.page.getByRole("button", { name: "Fulfil" })).toBeVisible();
});
