/**
 * Stock in two locations: the admin adds a second location and restocks a lamp there; a shopper buys more lamps
 * than the first location has, so the order is allocated from both; the admin sees where each unit is, packs and
 * ships it location by location (partly shipped, then fulfilled), and the packing view lists the order at a
 * location until its units there have shipped. Screenshots at 1280 and 390 px land in the test's output. And the
 * same forms work without JavaScript.
 */
import type { Page } from "@playwright/test";
import { expect, test } from "./fixtures";
import { expectNoSidewaysScroll, PHONE, snap } from "./phone";
import { ADMIN, BASE_URL, CARDS } from "./test-env";

/** The packing list of one location, chosen by its link. */
async function packingAt(page: Page, location: string) {
  await page.goto("/admin/packing");
  await page.getByRole("navigation", { name: "Locations" }).getByRole("link", { name: new RegExp(`^${location}`) }).click();
  await expect(page.getByRole("heading", { level: 2, name: `To ship from ${location}` })).toBeVisible();
}

test("a quantity that needs two locations is allocated from both and shipped from each", async ({ makeProduct, shopper, admin }, testInfo) => {
  // Main (first by priority) has 2 lamps; the new location gets 3.
  const lamp = await makeProduct({ onHand: 2, label: "Two Room Lamp", priceCents: 1800 });
  const backRoom = `Back room ${lamp.name.split(" ").pop()}`;
  const page = admin.page;

  // The admin adds a location; it comes after Main, and new holds may draw on it.
  await page.goto("/admin/locations");
  const add = page.getByRole("form", { name: "Add a location" });
  await add.getByLabel("Name").fill(backRoom);
  await add.getByRole("button", { name: "Add location" }).click();
  await expect(add.getByRole("status")).toContainText(`Added ${backRoom}`);
  const card = page.getByRole("listitem", { name: backRoom, exact: true });
  await expect(card).toContainText("Active");
  await expect(page.getByRole("listitem", { name: "Main", exact: true })).toContainText("Restocks go here");
  await snap(page, testInfo, "locations-1280");

  // It restocks the lamp there, from the product's page.
  await page.goto(`/admin/products/${lamp.id}`);
  const restock = page.getByRole("form", { name: "Restock or write off" });
  await restock.getByLabel("Location").selectOption({ label: backRoom });
  await restock.getByLabel("Units").fill("3");
  await restock.getByLabel("Reason").fill("delivery to the back room");
  await restock.getByRole("button", { name: "Save stock change" }).click();
  await expect(restock.getByRole("status")).toContainText(`Restocked 3 of`);
  await expect(restock.getByRole("status")).toContainText(`at ${backRoom}`);
  const levels = page.getByRole("table", { name: new RegExp(lamp.name) });
  await expect(levels.getByRole("row", { name: new RegExp(`^${backRoom}`) })).toContainText("3");
  await snap(page, testInfo, "product-locations-1280");

  // A shopper buys 4: more than Main's 2, so the hold splits over both locations.
  await shopper.addToCart(lamp, 4);
  await shopper.startCheckout();
  await shopper.checkout.pay(CARDS.ok);
  await expect(shopper.order.confirmation).toBeVisible();
  const orderId = shopper.page.url().match(/\/orders\/([0-9a-f-]{36})/)![1]!;
  const number = orderId.slice(0, 8);

  // The admin's order page says where the units are: 2 from Main, 2 from the back room.
  await page.goto(`/admin/orders/${orderId}`);
  const line = page.getByRole("region", { name: "Lines" }).getByRole("row", { name: new RegExp(lamp.name) });
  await expect(line).toContainText(`2 from Main, 2 from ${backRoom}`);
  const shipping = page.getByRole("region", { name: "Shipping, by location" });
  await expect(shipping.getByRole("listitem", { name: "Main", exact: true })).toContainText("2 units to ship");
  await expect(shipping.getByRole("listitem", { name: backRoom, exact: true })).toContainText("2 units to ship");
  await expect(page.getByText("Paid, to ship")).toBeVisible();
  await snap(page, testInfo, "order-two-locations-1280");

  // Both locations' packing lists show the order, with 2 lamps to pick at each.
  await packingAt(page, backRoom);
  const packed = page.getByRole("listitem", { name: `Order ${number}` });
  await expect(packed).toContainText(`2 × ${lamp.name}`);
  await snap(page, testInfo, "packing-1280");
  await packingAt(page, "Main");
  await expect(page.getByRole("listitem", { name: `Order ${number}` })).toContainText(`2 × ${lamp.name}`);

  // Shipping from the back room first: it asks, then the order is partly shipped.
  await page.goto(`/admin/orders/${orderId}`);
  await shipping.getByRole("button", { name: `Fulfil from ${backRoom}` }).click();
  await shipping.getByRole("group", { name: /Ship the 2 units allocated at/ }).getByRole("button", { name: "Yes, fulfil" }).click();
  await expect(page.getByText("Partly shipped")).toBeVisible();
  await expect(shipping.getByRole("listitem", { name: backRoom, exact: true })).toContainText("All 2 units shipped");
  await expect(shipping.getByRole("listitem", { name: "Main", exact: true })).toContainText("2 units to ship");
  await expect(line).toContainText(`2 shipped from ${backRoom}`);
  await shopper.page.reload();
  await expect(shopper.page.getByText("partly shipped", { exact: true })).toBeVisible();

  // The back room has nothing left of it to pack; Main still has.
  await packingAt(page, backRoom);
  await expect(page.getByRole("listitem", { name: `Order ${number}` })).toHaveCount(0);
  await packingAt(page, "Main");
  const atMain = page.getByRole("listitem", { name: `Order ${number}` });
  await expect(atMain).toContainText("Partly shipped");
  await atMain.getByRole("button", { name: "Fulfil from here" }).click();
  await atMain.getByRole("button", { name: "Yes, fulfil" }).click();
  await expect(page.getByRole("status").filter({ hasText: `Shipped order ${number} from Main` })).toBeVisible();
  await expect(page.getByRole("listitem", { name: `Order ${number}` })).toHaveCount(0);

  // Everything has shipped: the order is fulfilled, for the admin and the shopper.
  await page.goto(`/admin/orders/${orderId}`);
  await expect(page.getByText("Fulfilled", { exact: true })).toBeVisible();
  await expect(shipping.getByRole("listitem", { name: "Main", exact: true })).toContainText("All 2 units shipped");
  await shopper.page.reload();
  await expect(shopper.page.getByText("fulfilled", { exact: true })).toBeVisible();

  // The same pages on a phone: nothing scrolls sideways.
  await page.setViewportSize(PHONE);
  for (const [name, path] of [
    ["order", `/admin/orders/${orderId}`],
    ["locations", "/admin/locations"],
    ["product", `/admin/products/${lamp.id}`],
    ["packing", "/admin/packing"],
  ] as const) {
    await page.goto(path);
    await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
    await expectNoSidewaysScroll(page);
    await snap(page, testInfo, `${name}-390`);
  }
});

test("without JavaScript the admin adds and deactivates a location, restocks there and ships an order location by location", async ({
  browser,
  makeProduct,
  shopper,
}) => {
  const context = await browser.newContext({ baseURL: BASE_URL, javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto("/signin");
  await page.getByLabel("Email").fill(ADMIN.email);
  await page.getByLabel("Password").fill(ADMIN.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).not.toHaveURL(/\/signin/);

  const mug = await makeProduct({ onHand: 1, label: "Loft Mug" });
  const loft = `Loft ${mug.name.split(" ").pop()}`;
  await page.goto("/admin/locations");
  const add = page.getByRole("form", { name: "Add a location" });
  await add.getByLabel("Name").fill(loft);
  await add.getByRole("button", { name: "Add location" }).click();
  await expect(page.getByRole("form", { name: "Add a location" }).getByRole("status")).toContainText(`Added ${loft}`);

  await page.goto(`/admin/products/${mug.id}`);
  const restock = page.getByRole("form", { name: "Restock or write off" });
  await restock.getByLabel("Location").selectOption({ label: loft });
  await restock.getByLabel("Units").fill("2");
  await restock.getByLabel("Reason").fill("delivery to the loft");
  await restock.getByRole("button", { name: "Save stock change" }).click();
  await expect(page.getByRole("form", { name: "Restock or write off" }).getByRole("status")).toContainText(`at ${loft}`);

  // A shopper (with JavaScript) buys all 3: 1 from Main, 2 from the loft.
  await shopper.addToCart(mug, 3);
  await shopper.startCheckout();
  await shopper.checkout.pay(CARDS.ok);
  await expect(shopper.order.confirmation).toBeVisible();
  const orderId = shopper.page.url().match(/\/orders\/([0-9a-f-]{36})/)![1]!;
  const number = orderId.slice(0, 8);

  // The loft's packing list: Fulfil from here ships at once (nothing to ask without JavaScript).
  await page.goto("/admin/packing");
  await page.getByRole("navigation", { name: "Locations" }).getByRole("link", { name: new RegExp(`^${loft}`) }).click();
  await page.getByRole("listitem", { name: `Order ${number}` }).getByRole("button", { name: "Fulfil from here" }).click();
  await expect(page.getByRole("status").filter({ hasText: `Shipped order ${number} from ${loft}` })).toBeVisible();
  await expect(page.getByRole("listitem", { name: `Order ${number}` })).toHaveCount(0);

  await page.goto(`/admin/orders/${orderId}`);
  await expect(page.getByText("Partly shipped")).toBeVisible();
  await page.getByRole("button", { name: "Fulfil everything" }).click();
  await expect(page.getByText("Fulfilled", { exact: true })).toBeVisible();

  // Deactivated, the loft stays listed, marked; activated again.
  await page.goto("/admin/locations");
  await page.getByRole("listitem", { name: loft, exact: true }).getByRole("button", { name: "Deactivate" }).click();
  const card = page.getByRole("listitem", { name: loft, exact: true });
  await expect(card.getByRole("status")).toContainText("new holds no longer draw on it");
  await expect(card).toContainText("Inactive: no new holds");
  await card.getByRole("button", { name: "Activate" }).click();
  await expect(page.getByRole("listitem", { name: loft, exact: true })).toContainText("Active");
  await context.close();
});
