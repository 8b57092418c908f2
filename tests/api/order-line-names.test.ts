/**
 * A past order keeps what was sold: renaming a product (and changing its price) after an order leaves the
 * order's line with the old name and the old unit price everywhere the order is read — the pay answer, the
 * shopper's order page and order list, the guest lookup, and the admin API and pages.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pool } from "@/db/client";
import { startApp, TEST_ADMIN_TOKEN, type RunningApp } from "../support/app-server";
import { makeProduct } from "../support/fixtures";
import { HttpClient, signedInClient } from "../support/http";
import { makeAccount } from "./admin-helpers";
import { pay, shopperWithLines, startedCheckout } from "./shop-support";

const ADMIN = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };
let app: RunningApp;

beforeAll(async () => {
  app = await startApp();
});

afterAll(async () => {
  await app?.stop();
  await pool.end();
});

type Line = { productId: string; name: string; unitPriceCents: number; quantity: number };
const lineOf = (lines: Line[], productId: string) => lines.find((l) => l.productId === productId);

describe("order lines keep the name and price they were sold with", () => {
  it("after a rename and a price change, every reader of the order shows the old name and price", async () => {
    const product = await makeProduct(5, 1250);
    const admin = new HttpClient(app.baseUrl);
    const soldAs = `Harbour lamp ${product.slug.slice(-6)}`;
    expect((await admin.send("PATCH", `/api/admin/products/${product.id}`, { name: soldAs }, ADMIN)).status).toBe(200);

    const shopper = await shopperWithLines(app, [{ productId: product.id, quantity: 2 }]);
    const email = `names-${product.slug.slice(-6)}@example.test`;
    const checkout = await startedCheckout(shopper, email);
    const paid = await pay(shopper, checkout.id, "4242424242424242", "names-key");
    expect(paid.status, paid.text).toBe(200);
    const orderId: string = paid.body.order.id;
    expect(lineOf(paid.body.order.lines, product.id)).toMatchObject({ name: soldAs, unitPriceCents: 1250 });

    const renamed = `Renamed lamp ${product.slug.slice(-6)}`;
    const patched = await admin.send("PATCH", `/api/admin/products/${product.id}`, { name: renamed, priceCents: 9900 }, ADMIN);
    expect(patched.status, patched.text).toBe(200);
    // The catalogue shows the new name: the rename happened.
    expect((await shopper.get(`/api/products/${product.slug}`)).body.product.name).toBe(renamed);

    // The shopper: the pay answer replayed, the order page and the order list.
    const replayed = await pay(shopper, checkout.id, "4242424242424242", "names-key");
    expect(lineOf(replayed.body.order.lines, product.id)).toMatchObject({ name: soldAs, unitPriceCents: 1250 });
    for (const page of [`/orders/${orderId}`, "/orders"]) {
      const html = (await shopper.get(page)).text;
      expect(html, page).toContain(soldAs);
      expect(html, page).not.toContain(renamed);
    }

    // A guest lookup by email and order number, and the page its link opens.
    const lookup = await new HttpClient(app.baseUrl).post("/api/orders/lookup", { email, orderNumber: orderId.slice(0, 8) });
    expect(lookup.status, lookup.text).toBe(200);
    expect(lineOf(lookup.body.order.lines, product.id)).toMatchObject({ name: soldAs, unitPriceCents: 1250 });
    const link = new URL(lookup.body.link as string);
    const linked = (await new HttpClient(app.baseUrl).get(link.pathname + link.search)).text;
    expect(linked).toContain(soldAs);
    expect(linked).not.toContain(renamed);

    // The admin API: the list and the order's detail.
    const list = await admin.get(`/api/admin/orders`, ADMIN);
    const listed = (list.body.orders as { id: string; lines: Line[] }[]).find((o) => o.id === orderId)!;
    expect(lineOf(listed.lines, product.id)).toMatchObject({ name: soldAs, unitPriceCents: 1250 });
    const detail = await admin.get(`/api/admin/orders/${orderId}`, ADMIN);
    expect(lineOf(detail.body.order.lines, product.id)).toMatchObject({ name: soldAs, unitPriceCents: 1250 });

    // The admin pages, signed in as an admin.
    const adminAccount = await makeAccount("admin");
    const browser = await signedInClient(app.baseUrl, adminAccount);
    for (const page of [`/admin/orders/${orderId}`, "/admin/orders"]) {
      const answer = await browser.get(page);
      expect(answer.status, page).toBe(200);
      expect(answer.text, page).toContain(soldAs);
      expect(answer.text, page).not.toContain(renamed);
    }
  });
});
