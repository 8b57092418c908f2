/**
 * The product page is cached and shared (its HTML is at most 2 s old), but what it says of stock stays live: an open
 * page shows another shopper's hold, its release and the admin's restock within 2 s, without a reload.
 */
import { expect, test } from "./fixtures";
import { ADMIN_API_TOKEN, BASE_URL } from "./test-env";

/** Every change must show on the open page within this, counted from the moment the change was answered. */
const LIVE_MS = 2_000;

test("an open product page follows a hold, its release and a restock within 2 s each", async ({ makeProduct, shopper, playwright }) => {
  const product = await makeProduct({ onHand: 3, label: "Live Stock Lantern" });
  await shopper.product.goto(product.slug);
  await expect(shopper.product.availability).toHaveText("3 in stock");
  await expect(shopper.product.heldNote).toHaveCount(0);

  // Another shopper, through the Store API with cookies of its own: a cart of 2, then a checkout holding them.
  const other = await playwright.request.newContext({ baseURL: BASE_URL });
  const admin = await playwright.request.newContext({ baseURL: BASE_URL, extraHTTPHeaders: { Authorization: `Bearer ${ADMIN_API_TOKEN}` } });
  try {
    expect((await other.post("/api/cart/lines", { data: { productId: product.id, quantity: 2 } })).status()).toBe(200);
    const started = await other.post("/api/checkout", { data: { email: "live-stock@example.test" } });
    expect(started.status()).toBe(201);
    const { checkout } = (await started.json()) as { checkout: { id: string } };
    await expect(shopper.product.availability).toHaveText("1 in stock", { timeout: LIVE_MS });
    await expect(shopper.product.heldNote).toContainText("2 held in other checkouts", { timeout: LIVE_MS });

    // The other shopper gives up: the two are back.
    expect((await other.post(`/api/checkout/${checkout.id}/cancel`)).status()).toBe(200);
    await expect(shopper.product.availability).toHaveText("3 in stock", { timeout: LIVE_MS });
    await expect(shopper.product.heldNote).toHaveCount(0, { timeout: LIVE_MS });

    // The admin receives 4 more.
    const restocked = await admin.post(`/api/admin/stock/${product.id}/adjust`, { data: { delta: 4, reason: "restock" } });
    expect(restocked.status(), await restocked.text()).toBe(200);
    await expect(shopper.product.availability).toHaveText("7 in stock", { timeout: LIVE_MS });
  } finally {
    await other.dispose();
    await admin.dispose();
  }
});

test("a cart filled on a cached page stays that shopper's: another shopper's copy of the page never shows it", async ({ makeProduct, shopper, newShopper }) => {
  const product = await makeProduct({ onHand: 5, label: "Own Cart Jug" });
  const problems: string[] = [];
  shopper.page.on("console", (message) => {
    if (message.type() === "error") problems.push(message.text());
  });
  await shopper.addToCart(product, 2);
  // The header counts the items at once, although the page was served from the shared cache.
  await expect(shopper.page.getByRole("link", { name: "Cart, 2 items" })).toBeVisible();

  const other = await newShopper();
  const html = await (await other.page.request.get(`/products/${product.slug}`)).text();
  expect(html).toContain("Cart, 0 items");
  expect(html).not.toContain("Cart, 2 items");
  await other.product.goto(product.slug);
  await expect(other.product.availability).toHaveText("5 in stock");
  await expect(other.page.getByRole("link", { name: "Cart, 0 items" })).toBeVisible();
  // The first shopper's next visit still finds their own cart, on the very same cached page.
  await shopper.product.goto(product.slug);
  await expect(shopper.page.getByRole("link", { name: "Cart, 2 items" })).toBeVisible();
  expect(problems).toEqual([]);
});
