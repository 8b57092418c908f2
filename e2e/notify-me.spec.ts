/**
 * Notify me when it's back: a shopper leaves an email on a sold-out product; when the hold that took the last
 * unit is released, the sweep emails them once; the admin reads the email in the outbox and its link brings
 * them to the product.
 */
import { expect, guestEmail, test } from "./fixtures";
import { expectNoSidewaysScroll, PHONE, snap } from "./phone";
import { CRON_SECRET, SHOPPER } from "./test-env";

test("notify me → the unit comes back → one email in the outbox → its link opens the product", async ({
  makeProduct,
  shopper,
  newShopper,
  admin,
  request,
}, testInfo) => {
  const product = await makeProduct({ onHand: 1, label: "Notify Lamp" });
  await shopper.addToCart(product, 1);
  await shopper.startCheckout();

  const waiting = await newShopper();
  await waiting.product.goto(product.slug);
  await expect(waiting.product.availability).toHaveText("Out of stock");
  const email = guestEmail();
  await snap(waiting.page, testInfo, "product-sold-out-1280");
  await waiting.page.setViewportSize(PHONE);
  await expectNoSidewaysScroll(waiting.page);
  await snap(waiting.page, testInfo, "product-sold-out-390");
  const form = waiting.page.getByRole("form", { name: "Notify me when it's back" });
  await form.getByLabel("Email").fill(email);
  await form.getByRole("button", { name: "Notify me" }).click();
  await expect(waiting.page.getByRole("status")).toContainText(`We will email ${email} once`);

  // The holder gives up: the unit is back. The sweep (here its cron endpoint) tells the waiting shopper.
  await shopper.checkout.cancel();
  await expect(shopper.checkout.ended).toBeVisible();
  const sweep = await request.post("/api/cron/expire-reservations", { headers: { Authorization: `Bearer ${CRON_SECRET}` } });
  expect(sweep.status()).toBe(200);
  expect((await sweep.json()).notified).toBeGreaterThanOrEqual(1);

  await admin.page.goto("/admin/outbox");
  const row = admin.page.getByRole("row").filter({ hasText: email });
  await expect(row).toHaveCount(1);
  await row.getByRole("link", { name: `${product.name} is back in stock` }).click();
  await expect(admin.page.getByRole("heading", { level: 1 })).toHaveText(`${product.name} is back in stock`);
  const link = admin.page.getByRole("link", { name: new RegExp(`/products/${product.slug}$`) });
  await expect(link).toBeVisible();
  await snap(admin.page, testInfo, "admin-outbox-email-1280");

  // The waiting shopper follows the link from the email: the product, in stock again.
  await waiting.page.goto((await link.getAttribute("href"))!);
  await expect(waiting.page.getByRole("heading", { level: 1 })).toHaveText(product.name);
  await expect(waiting.product.availability).toHaveText("1 in stock");

  // A second sweep sends nothing more.
  const again = await request.post("/api/cron/expire-reservations", { headers: { Authorization: `Bearer ${CRON_SECRET}` } });
  expect((await again.json()).notified).toBe(0);
  await admin.page.goto("/admin/outbox");
  await expect(admin.page.getByRole("row").filter({ hasText: email })).toHaveCount(1);
});

test("a signed-in shopper finds the notify-me form filled in with their email", async ({ makeProduct, signedInShopper }) => {
  const product = await makeProduct({ onHand: 0, label: "Notify Vase" });
  await signedInShopper.product.goto(product.slug);
  const form = signedInShopper.page.getByRole("form", { name: "Notify me when it's back" });
  await expect(form.getByLabel("Email")).toHaveValue(SHOPPER.email);
  await form.getByRole("button", { name: "Notify me" }).click();
  await expect(signedInShopper.page.getByRole("status")).toContainText(`We will email ${SHOPPER.email} once`);
});
