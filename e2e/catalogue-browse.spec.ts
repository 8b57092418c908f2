/**
 * Finding a product among many: search, pages of 24 with shareable links (also without JavaScript), sort,
 * "in stock only", two columns on a phone, and adding to the cart from a card without the grid shifting.
 */
import { expect, test } from "./fixtures";
import { BASE_URL } from "./test-env";

/** A label no other journey uses, so a search for it finds exactly this journey's products. */
const uniqueLabel = (prefix: string) => `${prefix} ${Math.random().toString(36).slice(2, 8)}`;

test("search, page through, sort and filter the catalogue by URL", async ({ makeProduct, shopper }) => {
  test.slow();
  const label = uniqueLabel("Pager Vase");
  const made = [];
  for (let i = 0; i < 27; i += 1) {
    // Every third one sold out; prices spread so the price orders are plain to check.
    made.push(await makeProduct({ onHand: i % 3 === 0 ? 0 : 2, label, priceCents: 1000 + i * 100 }));
  }
  const catalog = shopper.catalog;

  await catalog.goto();
  await catalog.search.fill(label);
  await catalog.search.press("Enter");
  await expect(shopper.page).toHaveURL(/[?&]q=/);
  await expect(catalog.cards).toHaveCount(24);
  const firstPage = await catalog.names();

  await catalog.nextPage.click();
  await expect(shopper.page).toHaveURL(/cursor=/);
  await expect(catalog.cards).toHaveCount(3);
  const secondPage = await catalog.names();
  expect(new Set([...firstPage, ...secondPage])).toEqual(new Set(made.map((p) => p.name)));

  // The page's URL is the page: opened afresh (shared), it shows the same products.
  const shared = shopper.page.url();
  const other = await shopper.context.browser()!.newContext({ baseURL: BASE_URL });
  const otherPage = await other.newPage();
  await otherPage.goto(shared);
  await expect(otherPage.getByRole("list", { name: "Products" }).getByRole("heading")).toHaveText(secondPage);
  await other.close();

  await catalog.previousPage.click();
  await expect(catalog.cards).toHaveCount(24);
  expect(await catalog.names()).toEqual(firstPage);

  // Sorting applies at once and starts again at the first page.
  await catalog.sort.selectOption({ label: "Price: high to low" });
  await expect(shopper.page).toHaveURL(/sort=price_desc/);
  await expect(catalog.cards.first().getByRole("heading")).toHaveText(made[26]!.name);
  await catalog.sort.selectOption({ label: "Price: low to high" });
  await expect(catalog.cards.first().getByRole("heading")).toHaveText(made[0]!.name);

  // In stock only: the nine sold-out ones go, the other eighteen fit on one page.
  await catalog.inStockOnly.check();
  await expect(shopper.page).toHaveURL(/inStock=true/);
  await expect(catalog.cards).toHaveCount(18);
  await expect(catalog.card(made[0]!.name)).toHaveCount(0);
  await expect(catalog.nextPage).toHaveCount(0);

  // A search that matches nothing says so.
  await catalog.goto(`${label} nosuchword`);
  await expect(shopper.page.getByText("Nothing found")).toBeVisible();
});

test("the catalogue's search and pages work without JavaScript", async ({ browser, makeProduct }) => {
  const label = uniqueLabel("Plain Link Jug");
  for (let i = 0; i < 25; i += 1) await makeProduct({ onHand: 1, label });
  const context = await browser.newContext({ baseURL: BASE_URL, javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto("/");
  await page.getByRole("searchbox", { name: "Search products" }).fill(label);
  await page.getByRole("button", { name: "Search", exact: true }).click();
  await expect(page.getByRole("list", { name: "Products" }).getByRole("listitem")).toHaveCount(24);
  await page.getByRole("link", { name: /Next/ }).click();
  await expect(page.getByRole("list", { name: "Products" }).getByRole("listitem")).toHaveCount(1);
  await context.close();
});

test("each card's Add to cart names its product, keeps the grid still and keeps focus", async ({ makeProduct, shopper }) => {
  const label = uniqueLabel("Steady Card Mug");
  const products = [await makeProduct({ onHand: 5, label }), await makeProduct({ onHand: 5, label })];
  await shopper.catalog.goto(label);
  const [first, second] = products as [(typeof products)[0], (typeof products)[0]];
  const button = shopper.catalog.addToCartButton(first.name);
  await expect(button).toBeVisible();
  await expect(shopper.catalog.addToCartButton(second.name)).toBeVisible();

  const before = await shopper.catalog.card(first.name).boundingBox();
  const neighbour = await shopper.catalog.card(second.name).boundingBox();
  await button.focus();
  await shopper.page.keyboard.press("Enter");
  await expect(shopper.catalog.card(first.name).getByRole("link", { name: "view cart" })).toBeVisible();
  await expect(shopper.page.getByRole("status").filter({ hasText: `You have 1 of ${first.name}` })).toBeAttached();
  await expect(button).toBeFocused();
  expect(await shopper.catalog.card(first.name).boundingBox()).toEqual(before);
  expect(await shopper.catalog.card(second.name).boundingBox()).toEqual(neighbour);

  await shopper.catalog.card(first.name).getByRole("link", { name: "view cart" }).click();
  await expect(shopper.cart.line(first.name)).toBeVisible();
});

test("two products side by side on a phone, nothing wider than the screen", async ({ browser, makeProduct }) => {
  const label = uniqueLabel("Phone Bowl");
  const [a, b] = [await makeProduct({ onHand: 2, label }), await makeProduct({ onHand: 2, label })];
  const context = await browser.newContext({ baseURL: BASE_URL, viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  await page.goto(`/?q=${encodeURIComponent(label)}&sort=name`);
  const list = page.getByRole("list", { name: "Products" });
  const boxA = await list.getByRole("listitem").filter({ hasText: a.name }).boundingBox();
  const boxB = await list.getByRole("listitem").filter({ hasText: b.name }).boundingBox();
  expect(boxA!.y).toBe(boxB!.y);
  expect(boxA!.x + boxA!.width).toBeLessThanOrEqual(boxB!.x);
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await context.close();
});
