/**
 * The admin sells a shirt in sizes: creates "Trail Shirt" with Size S/M/L (each with its own stock), adds the value
 * XL and a variant for it, is told plainly when a SKU is taken, changes M's price, retires S (it stays listed,
 * never deleted) and sees each variant's levels. Screenshots at 1280 and 390 px land in the test's output.
 */
import type { Page } from "@playwright/test";
import { expect, test } from "./fixtures";
import { expectNoSidewaysScroll, PHONE, snap } from "./phone";
import { ADMIN, BASE_URL } from "./test-env";

/** A variant's row in the Variants table, found by its SKU. */
const variantRow = (page: Page, sku: string) =>
  page.getByRole("table", { name: "Variants" }).getByRole("row").filter({ has: page.getByRole("rowheader", { name: sku }) });

/** Price, on hand, reserved, allocated and available of a variant, as the table shows them. */
async function levelsOf(page: Page, sku: string) {
  // Reading cells does not wait: the row must be on the page first (a click may still be loading it).
  await expect(variantRow(page, sku)).toBeVisible();
  const cells = await variantRow(page, sku).getByRole("cell").allTextContents();
  // SKU is the row header; then Size, Price, On hand, Reserved, Allocated, Available, Manage.
  const [, price, onHand, reserved, allocated, available] = cells;
  return { price, onHand: Number(onHand), reserved: Number(reserved), allocated: Number(allocated), available: Number(available) };
}

test("the admin creates a product in sizes, adds a size, reprices one, retires one and sees each one's levels", async ({ admin }, testInfo) => {
  const page = admin.page;
  await page.setViewportSize({ width: 1280, height: 900 });
  const tag = Math.random().toString(36).slice(2, 8);
  const name = `Trail Shirt ${tag}`;
  const sku = (size: string) => `TRAIL-SHIRT-${tag.toUpperCase()}-${size}`;

  // New product with one option; "Make variants" proposes a row per size with its SKU.
  await page.goto("/admin/products");
  const form = page.getByRole("form", { name: "New product" });
  await form.getByLabel("Name", { exact: true }).fill(name);
  await form.getByLabel("Price (USD)").fill("25.00");
  await form.getByText("Options: sizes, colours").click();
  await form.getByLabel("Option 1", { exact: true }).fill("Size");
  await form.getByLabel("Values of option 1").fill("S, M, L");
  await form.getByRole("button", { name: "Make variants" }).click();
  await expect(form.getByRole("status")).toHaveText(/Check the 3 variants below/);
  for (const size of ["S", "M", "L"]) await expect(form.getByLabel(`SKU of ${size}`)).toHaveValue(sku(size));
  await form.getByLabel("Opening stock of S").fill("3");
  await form.getByLabel("Opening stock of M").fill("5");
  await form.getByLabel("Opening stock of L").fill("2");
  await snap(page, testInfo, "new-product-variants-1280");
  await form.getByRole("button", { name: "Create product" }).click();
  await expect(form.getByRole("status")).toHaveText(`Created ${name} (/trail-shirt-${tag}) with 3 variants and 10 in stock.`);

  // Its page lists the three variants with their levels.
  await page.getByRole("link", { name: `Edit ${name}` }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(name);
  await expect(page.getByRole("table", { name: "Variants" }).getByRole("row")).toHaveCount(4);
  expect(await levelsOf(page, sku("M"))).toEqual({ price: "$25.00", onHand: 5, reserved: 0, allocated: 0, available: 5 });

  // A new size: the value first, then its variant.
  const size = page.getByRole("form", { name: "Size", exact: true });
  await size.getByLabel("New value of Size").fill("XL");
  await size.getByRole("button", { name: "Add value" }).click();
  await expect(size.getByRole("status")).toHaveText("Added XL to Size. Add a variant with it below to sell it.");
  await expect(size.getByRole("list", { name: "Values of Size" }).getByRole("listitem")).toHaveText(["S", "M", "L", "XL"]);
  await size.getByLabel("New value of Size").fill("xl");
  await size.getByRole("button", { name: "Add value" }).click();
  await expect(size.getByRole("alert")).toHaveText('"xl" is already a value of "Size".');

  const addVariant = page.getByRole("form", { name: "Add a variant" });
  await addVariant.getByLabel("Size").selectOption("XL");
  await addVariant.getByLabel("SKU").fill(sku("S"));
  await addVariant.getByLabel("Opening stock").fill("4");
  await addVariant.getByRole("button", { name: "Add variant" }).click();
  await expect(addVariant.getByRole("alert")).toHaveText("Another variant already has this SKU.");
  await addVariant.getByLabel("SKU").fill(sku("XL"));
  await addVariant.getByRole("button", { name: "Add variant" }).click();
  await expect(addVariant.getByRole("status")).toHaveText(`Added ${sku("XL")} with 4 in stock.`);
  await expect(variantRow(page, sku("XL"))).toBeVisible();

  // M costs more from now on.
  await page.getByRole("link", { name: `Manage ${sku("M")}` }).click();
  await expect(page.getByRole("heading", { name: `${name} — M · ${sku("M")}` })).toBeVisible();
  const editVariant = page.getByRole("form", { name: "SKU and price" });
  await editVariant.getByLabel("Price (USD)").fill("27.50");
  await editVariant.getByRole("button", { name: "Save variant" }).click();
  await expect(editVariant.getByRole("status")).toHaveText(`Saved ${sku("M")}.`);
  await expect.poll(async () => (await levelsOf(page, sku("M"))).price).toBe("$27.50");

  // S is retired, asked first; it stays in the table, marked.
  await page.getByRole("link", { name: `Manage ${sku("S")}` }).click();
  await expect(page.getByRole("heading", { name: `${name} — S · ${sku("S")}` })).toBeVisible();
  await page.getByRole("button", { name: "Retire" }).click();
  await page.getByRole("button", { name: "Yes, retire" }).click();
  await expect(variantRow(page, sku("S"))).toContainText("Retired");
  await expect(page.getByRole("button", { name: "Put back on sale" })).toBeVisible();

  // A retired variant is not restocked: the form says so.
  const stock = page.getByRole("form", { name: "Restock or write off" });
  await stock.getByLabel("Units").fill("2");
  await stock.getByLabel("Reason").fill("delivery");
  await stock.getByRole("button", { name: "Save stock change" }).click();
  await expect(stock.getByRole("alert")).toHaveText(`${sku("S")} is retired: put it back on sale before restocking it.`);

  // Each variant's own levels.
  expect(await levelsOf(page, sku("S"))).toEqual({ price: "$25.00", onHand: 3, reserved: 0, allocated: 0, available: 3 });
  expect(await levelsOf(page, sku("M"))).toEqual({ price: "$27.50", onHand: 5, reserved: 0, allocated: 0, available: 5 });
  expect(await levelsOf(page, sku("L"))).toEqual({ price: "$25.00", onHand: 2, reserved: 0, allocated: 0, available: 2 });
  expect(await levelsOf(page, sku("XL"))).toEqual({ price: "$25.00", onHand: 4, reserved: 0, allocated: 0, available: 4 });

  // Restocking L moves only L.
  await page.getByRole("link", { name: `Manage ${sku("L")}` }).click();
  await expect(page.getByRole("heading", { name: `${name} — L · ${sku("L")}` })).toBeVisible();
  await stock.getByLabel("Units").fill("6");
  await stock.getByLabel("Reason").fill("delivery 7");
  await stock.getByRole("button", { name: "Save stock change" }).click();
  await expect(stock.getByRole("status")).toHaveText(`Restocked 6 of ${sku("L")} (${name} — L): 8 on hand, 8 available.`);
  await expect.poll(() => levelsOf(page, sku("L"))).toMatchObject({ onHand: 8, available: 8 });
  expect(await levelsOf(page, sku("XL"))).toMatchObject({ onHand: 4, available: 4 });
  await snap(page, testInfo, "product-variants-1280");

  await page.setViewportSize(PHONE);
  await expectNoSidewaysScroll(page);
  await snap(page, testInfo, "product-variants-390");
  await page.goto("/admin/products");
  await expectNoSidewaysScroll(page);
});

test("on a phone without JavaScript, the admin makes a mug in colours: proposed rows, one left out, created", async ({ browser }, testInfo) => {
  const context = await browser.newContext({ baseURL: BASE_URL, javaScriptEnabled: false, viewport: PHONE });
  const page = await context.newPage();
  await page.goto("/signin");
  await page.getByLabel("Email").fill(ADMIN.email);
  await page.getByLabel("Password").fill(ADMIN.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).not.toHaveURL(/\/signin/);

  const tag = Math.random().toString(36).slice(2, 8);
  await page.goto("/admin/products");
  const form = page.getByRole("form", { name: "New product" });
  await form.getByLabel("Name", { exact: true }).fill(`Camp Mug ${tag}`);
  await form.getByLabel("Price (USD)").fill("14");
  await form.getByText("Options: sizes, colours").click();
  await form.getByLabel("Option 1", { exact: true }).fill("Colour");
  await form.getByLabel("Values of option 1").fill("Red, Blue, Sand");
  await form.getByRole("button", { name: "Make variants" }).click();
  await expect(form.getByRole("status")).toHaveText(/Check the 3 variants below/);
  await form.getByLabel("Opening stock of Red").fill("6");
  await form.getByLabel("Price of Blue").fill("15.50");
  await form.getByLabel("Sell Sand").uncheck();
  await expectNoSidewaysScroll(page);
  await snap(page, testInfo, "new-product-variants-390");
  await form.getByRole("button", { name: "Create product" }).click();
  await expect(form.getByRole("status")).toHaveText(`Created Camp Mug ${tag} (/camp-mug-${tag}) with 2 variants and 6 in stock.`);

  await page.getByRole("link", { name: `Edit Camp Mug ${tag}` }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(`Camp Mug ${tag}`);
  const mug = (colour: string) => `CAMP-MUG-${tag.toUpperCase()}-${colour}`;
  expect(await levelsOf(page, mug("RED"))).toEqual({ price: "$14.00", onHand: 6, reserved: 0, allocated: 0, available: 6 });
  expect(await levelsOf(page, mug("BLUE"))).toEqual({ price: "$15.50", onHand: 0, reserved: 0, allocated: 0, available: 0 });
  await expect(page.getByRole("table", { name: "Variants" }).getByRole("row")).toHaveCount(3);
  await expectNoSidewaysScroll(page);
  await context.close();
});
