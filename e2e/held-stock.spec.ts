/**
 * Stock in other shoppers' checkouts is not gone for good: the product page and the catalogue say how many are
 * held and when they may be back (in the shopper's own time zone), and the product page updates by itself when
 * they come back. A shopper's own hold is theirs: their cart never calls it sold out, and "Adjust cart to
 * available stock" says what it changed.
 */
import { expect, test } from "./fixtures";
import { BASE_URL } from "./test-env";

const TIME_ZONE = "Asia/Kolkata"; // UTC+5:30: a local time that cannot be mistaken for UTC

test("says how many are held elsewhere and when they may be back, then updates by itself", async ({
  browser,
  makeProduct,
  shopper,
}) => {
  const product = await makeProduct({ onHand: 2, label: "May Be Back Lamp" });
  await shopper.addToCart(product, 2);
  await shopper.startCheckout();

  const context = await browser.newContext({ baseURL: BASE_URL, timezoneId: TIME_ZONE, locale: "en-US" });
  const page = await context.newPage();
  const api = await page.request.get(`/api/products/${product.slug}`);
  const { nextReleaseAt } = ((await api.json()) as { product: { nextReleaseAt: string } }).product;
  const localTime = new Intl.DateTimeFormat("en-US", { hour: "2-digit", minute: "2-digit", timeZone: TIME_ZONE }).format(
    new Date(nextReleaseAt),
  );

  await page.goto(`/products/${product.slug}`);
  await expect(page.getByText(/^(\d+ in stock|Out of stock)$/)).toHaveText("Out of stock");
  await expect(page.getByText(/held in other checkouts/)).toHaveText(`2 held in other checkouts — may be back by ${localTime}`);
  await expect(page.getByRole("button", { name: `Add to cart: ${product.name}` })).toBeDisabled();

  await page.goto(`/?q=${encodeURIComponent(product.name)}`);
  const card = page.getByRole("list", { name: "Products" }).getByRole("listitem").filter({ hasText: product.name });
  await expect(card.getByText(/held in other checkouts/)).toHaveText(`2 held in other checkouts — may be back by ${localTime}`);

  // The hold lapses untouched (15 s in these journeys): the open product page shows the units back, no reload.
  await page.goto(`/products/${product.slug}`);
  await expect(page.getByText(/^(\d+ in stock|Out of stock)$/)).toHaveText("2 in stock", { timeout: 30_000 });
  await expect(page.getByText(/held in other checkouts/)).toHaveCount(0);
  await expect(page.getByRole("button", { name: `Add to cart: ${product.name}` })).toBeEnabled();
  await context.close();
});

test("a shopper's own hold is not counted against them; adjusting the cart says what changed", async ({
  makeProduct,
  shopper,
  newShopper,
}) => {
  const product = await makeProduct({ onHand: 3, label: "Own Hold Kettle" });
  await shopper.addToCart(product, 2);
  await shopper.startCheckout();
  // Holds lapse after 15 s without activity in these journeys: this one stays active throughout, as if the
  // shopper were still filling in the checkout in another tab.
  const checkoutId = /\/checkout\/([0-9a-f-]{36})$/.exec(shopper.page.url())![1]!;
  const keepAlive = setInterval(() => {
    void shopper.page.request.post(`/api/checkout/${checkoutId}/activity`, { data: {} }).catch(() => {});
  }, 3_000);
  try {
    // Back in their cart while the checkout holds their two: not short, nothing to adjust.
    await shopper.cart.goto();
    await expect(shopper.cart.line(product.name)).toBeVisible();
    await expect(shopper.cart.lineNote(product.name)).toHaveCount(0);
    await expect(shopper.cart.adjustToStockButton).toHaveCount(0);
    // Their own two count as theirs: all three are available to them, to others only one.
    await shopper.product.goto(product.slug);
    await expect(shopper.product.availability).toHaveText("3 in stock");
    await expect(shopper.product.heldNote).toHaveCount(0);

    const other = await newShopper();
    await other.product.goto(product.slug);
    await expect(other.product.availability).toHaveText("1 in stock");
    await expect(other.product.heldNote).toContainText("2 held in other checkouts — may be back by");
    await other.addToCart(product, 1);
    await other.cart.goto();
    const stepperPlus = other.cart.line(product.name).getByRole("button", { name: `One more ${product.name}` });
    await stepperPlus.click();
    await stepperPlus.click();
    // The stepper saves by itself: the cart now asks for 3 of which 1 is free.
    await expect(other.cart.lineNote(product.name).first()).toContainText("Only 1 available right now; you have 3 in your cart.");
    await expect(other.cart.line(product.name)).toContainText("2 held in other checkouts — may be back by");
    await other.cart.adjustToStockButton.click();
    await expect(other.cart.adjusted).toHaveText(`${product.name} 3 → 1.`);
    await expect(other.cart.line(product.name).getByRole("spinbutton")).toHaveValue("1");
  } finally {
    clearInterval(keepAlive);
  }
});
