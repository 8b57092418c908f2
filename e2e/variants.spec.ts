/**
 * Variants on the shop floor: a shirt in S, M and L (M has one unit left, L none). A shopper sees L sold out and
 * cannot add it, picks M (the URL says so), buys it; a second shopper who had M in their cart is refused with a
 * message naming "— M"; the admin's dashboard shows M's levels move as it happens. And the same choosing and adding
 * works without JavaScript.
 */
import type { Page } from "@playwright/test";
import { expect, test } from "./fixtures";
import { ADMIN_API_TOKEN, BASE_URL, CARDS } from "./test-env";

interface Shirt {
  id: string;
  slug: string;
  name: string;
  /** The SKU of each size. */
  sku: Record<"S" | "M" | "L", string>;
}

/** Creates a shirt in S/M/L through the admin API: S 5 units, M 1, L none; L costs more. */
async function makeShirt(
  request: { post: (url: string, options: object) => Promise<{ status(): number; text(): Promise<string>; json(): Promise<unknown> }> },
  title: string,
): Promise<Shirt> {
  const unique = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  const skuBase = `TS-${unique}`.toUpperCase();
  const response = await request.post(`${BASE_URL}/api/admin/products`, {
    headers: { Authorization: `Bearer ${ADMIN_API_TOKEN}` },
    data: {
      name: `Trail Shirt ${unique}`,
      priceCents: 3000,
      description: `Made by the e2e test "${title}".`,
      options: [{ name: "Size", values: ["S", "M", "L"] }],
      variants: [
        { sku: `${skuBase}-S`, options: { Size: "S" }, onHand: 5 },
        { sku: `${skuBase}-M`, options: { Size: "M" }, onHand: 1 },
        { sku: `${skuBase}-L`, options: { Size: "L" }, onHand: 0, priceCents: 3400 },
      ],
    },
  });
  expect(response.status(), await response.text()).toBe(201);
  const { product } = (await response.json()) as { product: Omit<Shirt, "sku"> };
  return { ...product, sku: { S: `${skuBase}-S`, M: `${skuBase}-M`, L: `${skuBase}-L` } };
}

const sizePicker = (page: Page) => page.getByRole("group", { name: "Size" });
/** The size links, in order, as a screen reader names them ("L, sold out"). */
async function expectSizes(page: Page, names: string[]): Promise<void> {
  const links = sizePicker(page).getByRole("link");
  await expect(links).toHaveCount(names.length);
  for (const [index, name] of names.entries()) await expect(links.nth(index)).toHaveAccessibleName(name);
}
const addButton = (page: Page) => page.getByRole("button", { name: /^(Add to cart|Choose a size)/ });

test("a sold-out size cannot be added; the last M is bought once and the second shopper is told which size", async ({
  playwright,
  shopper,
  newShopper,
  admin,
}, testInfo) => {
  const api = await playwright.request.newContext();
  const shirt = await makeShirt(api, testInfo.title);
  await api.dispose();
  const page = shopper.page;

  // The admin watches the shirt's sizes on the live dashboard.
  await admin.dashboard.goto(shirt.name);
  await admin.page.getByRole("button", { name: `Show the 3 variants of ${shirt.name}` }).click();
  await expect.poll(() => admin.dashboard.variantLevelsOf(shirt.sku.M)).toEqual({ onHand: 1, reserved: 0, allocated: 0, available: 1 });

  await shopper.product.goto(shirt.slug);
  // Nothing chosen yet: the sizes in order, "from" the lowest price, and nothing to add.
  await expectSizes(page, ["S", "M", "L, sold out"]);
  await expect(page.getByText("from", { exact: true })).toBeVisible();
  await expect(addButton(page)).toHaveText("Choose a size");
  await expect(addButton(page)).toBeDisabled();

  // L is shown, struck through, and choosing it says it is sold out at its own price.
  await sizePicker(page).getByRole("link", { name: "L, sold out" }).click();
  await expect(page).toHaveURL(/\?Size=L$/);
  await expect(shopper.product.availability).toHaveText("Out of stock");
  await expect(page.locator(".product-detail .price").first()).toHaveText("$34.00");
  await expect(addButton(page)).toHaveText("Add to cart");
  await expect(addButton(page)).toBeDisabled();

  // A second shopper opens the shared link to M and puts the last one in their cart.
  const second = await newShopper();
  await second.page.goto(`/products/${shirt.slug}?Size=M`);
  await expect(sizePicker(second.page).getByRole("link", { name: "M" })).toHaveAttribute("aria-current", "true");
  await second.product.addToCart(1);

  // The first picks M: the URL, the price and the stock follow; adds it, checks out and pays.
  await sizePicker(page).getByRole("link", { name: "M", exact: true }).click();
  await expect(page).toHaveURL(/\?Size=M$/);
  await expect(shopper.product.availability).toHaveText("1 in stock");
  await expect(page.locator(".product-detail .price").first()).toHaveText("$30.00");
  await shopper.product.addToCart(1);
  await expect(page.getByRole("status").filter({ hasText: `You have 1 of ${shirt.name} — M` })).toBeAttached();
  await shopper.cart.goto();
  await expect(shopper.cart.line(`${shirt.name} — M`)).toBeVisible();
  await shopper.startCheckout();
  await expect(shopper.checkout.heldItems).toContainText(`${shirt.name} — M`);
  await shopper.checkout.pay(CARDS.ok);
  await expect(page).toHaveURL(/\/orders\/[0-9a-f-]{36}$/);
  await expect(shopper.order.confirmation).toBeVisible();
  expect(await shopper.order.line(`${shirt.name} — M`)).toMatchObject({ Quantity: "1", Price: "$30.00" });
  // The dashboard, untouched, has caught up by itself: M's unit is sold (allocated), S is as it was.
  await expect.poll(() => admin.dashboard.variantLevelsOf(shirt.sku.M)).toEqual({ onHand: 1, reserved: 0, allocated: 1, available: 0 });
  await expect.poll(() => admin.dashboard.variantLevelsOf(shirt.sku.S)).toEqual({ onHand: 5, reserved: 0, allocated: 0, available: 5 });

  // The second shopper's M is gone: their checkout is refused, naming the size.
  await second.cart.goto();
  await expect(second.cart.lineNote(`${shirt.name} — M`)).toContainText("Sold out right now.");
  await second.cart.requestCheckout("second-shirt@example.test");
  await expect(second.cart.refusal).toBeVisible();
  await expect(second.cart.shortLine(`${shirt.name} — M`)).toContainText("sold out (you asked for 1)");

  // And M now shows sold out on the product page, beside S still on sale.
  await shopper.product.goto(shirt.slug);
  await expectSizes(page, ["S", "M, sold out", "L, sold out"]);
});

test("without JavaScript a size is chosen by link and added to the cart", async ({ playwright, browser }, testInfo) => {
  const api = await playwright.request.newContext();
  const shirt = await makeShirt(api, testInfo.title);
  await api.dispose();
  const context = await browser.newContext({ baseURL: BASE_URL, javaScriptEnabled: false });
  const page = await context.newPage();

  await page.goto(`/products/${shirt.slug}`);
  await expect(addButton(page)).toBeDisabled();
  await sizePicker(page).getByRole("link", { name: "S", exact: true }).click();
  await expect(page).toHaveURL(/\?Size=S$/);
  await expect(page.getByText(/^(\d+ in stock|Out of stock)$/)).toHaveText("5 in stock");
  await page.getByLabel("Quantity", { exact: true }).fill("2");
  await addButton(page).click();
  await expect(page.getByRole("link", { name: "view cart" })).toBeVisible();

  await page.goto("/cart");
  const line = page.getByRole("region", { name: "Cart lines" }).getByRole("listitem").filter({ hasText: `${shirt.name} — S` });
  await expect(line).toBeVisible();
  await expect(line.getByRole("spinbutton", { name: `Quantity of ${shirt.name} — S` })).toHaveValue("2");
  await context.close();
});
