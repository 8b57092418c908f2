/**
 * The stock dashboard with a product sold in sizes: one row of sums that expands to each size's levels; the
 * sold-out filter finds the product by its sold-out size and opens on it; its ledger names each size's SKU.
 * Screenshots at 1280 and 390 px.
 */
import { expect, test } from "./fixtures";
import { expectNoSidewaysScroll, PHONE, snap } from "./phone";
import { ADMIN_API_TOKEN, BASE_URL } from "./test-env";

test("the admin expands a product to its variants and finds the sold-out size", async ({ admin, playwright }, testInfo) => {
  const unique = `${testInfo.retry}${Date.now().toString(36).slice(-5)}`.toUpperCase();
  const name = `Dashboard Shirt ${unique}`;
  const api = await playwright.request.newContext({ baseURL: BASE_URL, extraHTTPHeaders: { Authorization: `Bearer ${ADMIN_API_TOKEN}` } });
  const created = await api.post("/api/admin/products", {
    data: {
      name,
      priceCents: 3000,
      options: [{ name: "Size", values: ["S", "M", "L"] }],
      variants: [
        { sku: `DS-${unique}-S`, options: { Size: "S" }, onHand: 2 },
        { sku: `DS-${unique}-M`, options: { Size: "M" }, onHand: 0 },
        { sku: `DS-${unique}-L`, options: { Size: "L" }, onHand: 12 },
      ],
    },
  });
  expect(created.status(), await created.text()).toBe(201);
  await api.dispose();

  const { dashboard, page } = admin;
  await dashboard.goto(name);
  await expect.poll(() => dashboard.levelsOf(name)).toEqual({ onHand: 14, reserved: 0, allocated: 0, available: 14 });
  const sizes = dashboard.table.getByRole("row").filter({ hasText: `DS-${unique}-` });
  await expect(sizes).toHaveCount(0);

  await page.getByRole("button", { name: `Show the 3 variants of ${name}` }).click();
  await expect(sizes).toHaveCount(3);
  await expect(sizes.filter({ hasText: `DS-${unique}-M` })).toContainText("Sold out");
  await expect(sizes.filter({ hasText: `DS-${unique}-S` })).toContainText("Low");
  await snap(page, testInfo, "dashboard-variants-1280");

  // The sold-out filter lists the product (its sum is not sold out) and opens on its sizes, M marked.
  await dashboard.filter("Sold out").click();
  await expect(page).toHaveURL(/filter=sold_out/);
  await expect(dashboard.row(name)).toBeVisible();
  await expect(sizes).toHaveCount(3);
  await expect(page.locator("tr.is-match")).toContainText(`DS-${unique}-M`);

  await page.setViewportSize(PHONE);
  await expectNoSidewaysScroll(page);
  await snap(page, testInfo, "dashboard-variants-390");
  await page.getByRole("button", { name: `Hide the 3 variants of ${name}` }).click();
  await expect(sizes).toHaveCount(0);

  // The product's ledger names each movement's variant and SKU.
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.getByRole("link", { name, exact: true }).click();
  await expect(page.getByRole("columnheader", { name: "Variant" })).toBeVisible();
  await expect(page.getByRole("table").last()).toContainText(`DS-${unique}-L`);
  await snap(page, testInfo, "ledger-variants-1280");
});
