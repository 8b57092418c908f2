/**
 * Pre-orders over real HTTP against the built app: the admin records a delivery on its way and marks a variant
 * for pre-order; a shopper buys past the empty shelf, the product says when the next one ships and the order
 * says when its line ships; the admin receives the delivery (the pre-order stays allocated, then ships). Every bad
 * input is a 4xx in the contract's shape and nothing is written.
 */
import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { db } from "@/db/client";
import { reconcileStock } from "@/lib/inventory";
import { HttpClient } from "../support/http";
import { makeProduct } from "../support/fixtures";
import { adminApiForFile } from "./admin-helpers";
import { CARDS, expectError, pay, startedCheckout } from "./shop-support";

const { baseUrl, get, post, request } = adminApiForFile();
const patch = (path: string, json: unknown) => request("PATCH", path, { body: JSON.stringify(json), headers: { "content-type": "application/json" } });

async function dayFromNow(days: number): Promise<string> {
  const [row] = await db.execute<{ day: string }>(sql`select (current_date + ${days}::int)::text as day`);
  return row!.day;
}

/** A product made over the admin API with one variant, `onHand` on the shelf. */
async function makeVariantProduct(onHand: number, preorder?: boolean) {
  const slug = `dock-${randomUUID().slice(0, 8)}`;
  const made = await post("/api/admin/products", {
    name: "Charging Dock",
    slug,
    priceCents: 3000,
    variants: [{ sku: slug.toUpperCase(), options: {}, onHand, ...(preorder === undefined ? {} : { preorder }) }],
  });
  expect(made.status, made.text).toBe(201);
  return { id: made.body.product.id as string, slug, variantId: made.body.product.variants[0].id as string };
}

async function rowOf(variantId: string) {
  const [row] = await db.execute<{ on_hand: number; incoming: number; reserved: number; allocated: number }>(sql`
    select on_hand, incoming, reserved, allocated from stock_levels where variant_id = ${variantId}`);
  return row!;
}

async function ledgerCount(variantId: string) {
  const [row] = await db.execute<{ n: number }>(sql`select count(*)::int as n from stock_movements where variant_id = ${variantId}`);
  return row!.n;
}

/** A shopper's client with `quantity` of the variant in the cart. */
async function shopperWith(variantId: string, quantity: number) {
  const client = new HttpClient(baseUrl());
  const added = await client.post("/api/cart/lines", { variantId, quantity });
  expect(added.status, added.text).toBe(200);
  return client;
}

describe("pre-orders over the admin and Store APIs", () => {
  it("a delivery on its way, a variant marked for pre-order, a pre-order bought, its ship date, the delivery received, the order shipped", async () => {
    const dock = await makeVariantProduct(1);
    const expectedAt = await dayFromNow(30);
    const incoming = await post(`/api/admin/stock/${dock.id}/incoming`, { variantId: dock.variantId, quantity: 4, expectedAt });
    expect(incoming.status, incoming.text).toBe(201);
    expect(incoming.body.delivery).toMatchObject({ variantId: dock.variantId, quantity: 4, expectedAt, status: "expected", preordered: 0 });
    const stock = await get("/api/admin/stock");
    const row = stock.body.products.find((p: { id: string }) => p.id === dock.id);
    expect(row.variants).toMatchObject([{ id: dock.variantId, onHand: 1, available: 1, incoming: 4 }]);

    // Not taking pre-orders yet: only the shelf is for sale.
    let product = await new HttpClient(baseUrl()).get(`/api/products/${dock.slug}`);
    expect(product.body.product).toMatchObject({ available: 1, variants: [{ available: 1, preorder: null }] });
    const marked = await patch(`/api/admin/products/${dock.id}/variants/${dock.variantId}`, { preorder: true });
    expect(marked.status, marked.text).toBe(200);
    expect(marked.body.variant).toMatchObject({ preorder: true });

    const shopper = await shopperWith(dock.variantId, 3);
    const checkout = await startedCheckout(shopper);
    const paid = await pay(shopper, checkout.id, CARDS.pays);
    expect(paid.status, paid.text).toBe(200);
    const orderId = paid.body.order.id as string;
    // The order's line says when it ships.
    expect(paid.body.order.lines).toMatchObject([{ variantId: dock.variantId, quantity: 3, expectedAt }]);
    expect(await rowOf(dock.variantId)).toEqual({ on_hand: 1, incoming: 4, reserved: 0, allocated: 3 });
    // The dashboard's figures are the shopper's: the 2 still on their way are for sale as pre-orders.
    const after = (await get("/api/admin/stock")).body.products.find((p: { id: string }) => p.id === dock.id);
    expect(after).toMatchObject({ available: 2, variants: [{ onHand: 1, allocated: 3, available: 2, incoming: 4 }] });

    // The shelf is empty now: the product is a pre-order, the order's line says when it ships.
    product = await new HttpClient(baseUrl()).get(`/api/products/${dock.slug}`);
    expect(product.body.product).toMatchObject({ available: 2, variants: [{ available: 2, preorder: { expectedAt } }] });
    const order = await get(`/api/admin/orders/${orderId}`);
    expect(order.status, order.text).toBe(200);
    expect(order.body.order.lines).toMatchObject([{ variantId: dock.variantId, quantity: 3, expectedAt }]);
    const admin = await get(`/api/admin/stock/${dock.id}/incoming`);
    expect(admin.body.deliveries).toMatchObject([{ quantity: 4, preordered: 2 }]);

    // Not here yet: the order cannot ship.
    expectError(await post(`/api/admin/orders/${orderId}/fulfil`), 409, "awaiting_delivery");

    const received = await post(`/api/admin/stock/${dock.id}/receive`, { variantId: dock.variantId, quantity: 4 });
    expect(received.status, received.text).toBe(200);
    expect(received.body.deliveries).toMatchObject([{ status: "received", quantity: 0, received: 4 }]);
    expect(await rowOf(dock.variantId)).toEqual({ on_hand: 5, incoming: 0, reserved: 0, allocated: 3 });
    expect((await get(`/api/admin/orders/${orderId}`)).body.order.lines).toMatchObject([{ expectedAt: null }]);
    const shipped = await post(`/api/admin/orders/${orderId}/fulfil`);
    expect(shipped.status, shipped.text).toBe(200);
    expect(await rowOf(dock.variantId)).toEqual({ on_hand: 2, incoming: 0, reserved: 0, allocated: 0 });
    expect((await reconcileStock()).problems).toEqual([]);
  });

  it("a product made with a pre-order variant sells against its delivery; cancelling that delivery is refused while pre-orders wait", async () => {
    const dock = await makeVariantProduct(0, true);
    const made = await post(`/api/admin/stock/${dock.id}/incoming`, { quantity: 2, expectedAt: await dayFromNow(3) });
    expect(made.status, made.text).toBe(201);
    const shopper = await shopperWith(dock.variantId, 1);
    const checkout = await startedCheckout(shopper);
    expect((await pay(shopper, checkout.id, CARDS.pays)).status).toBe(200);
    const refused = await post(`/api/admin/stock/${dock.id}/incoming/${made.body.delivery.id}/cancel`);
    expectError(refused, 409, "preorders_waiting");
    expect(await rowOf(dock.variantId)).toMatchObject({ incoming: 2, allocated: 1 });
  });
});

describe("bad input: a 4xx with the contract's error, nothing written", () => {
  it("past day, not a date, zero, fractional or missing quantity, more received than is coming, a kit, an unknown product or delivery", async () => {
    const dock = await makeVariantProduct(2, true);
    await post(`/api/admin/stock/${dock.id}/incoming`, { quantity: 3, expectedAt: await dayFromNow(1) });
    const before = { row: await rowOf(dock.variantId), ledger: await ledgerCount(dock.variantId) };
    const soon = await dayFromNow(1);
    expectError(await post(`/api/admin/stock/${dock.id}/incoming`, { quantity: 3, expectedAt: await dayFromNow(-1) }), 400, "invalid_request");
    expectError(await post(`/api/admin/stock/${dock.id}/incoming`, { quantity: 3, expectedAt: "next week" }), 400, "invalid_request");
    expectError(await post(`/api/admin/stock/${dock.id}/incoming`, { quantity: 3, expectedAt: "2027-02-30" }), 400, "invalid_request");
    expectError(await post(`/api/admin/stock/${dock.id}/incoming`, { quantity: 0, expectedAt: soon }), 400, "invalid_request");
    expectError(await post(`/api/admin/stock/${dock.id}/incoming`, { quantity: 1.5, expectedAt: soon }), 400, "invalid_request");
    expectError(await post(`/api/admin/stock/${dock.id}/incoming`, { expectedAt: soon }), 400, "invalid_request");
    expectError(await post(`/api/admin/stock/${dock.id}/receive`, { quantity: 4 }), 409, "invariant_violation");
    expectError(await post(`/api/admin/stock/${dock.id}/receive`, { quantity: -1 }), 400, "invalid_request");
    expectError(await post(`/api/admin/stock/${randomUUID()}/incoming`, { quantity: 1, expectedAt: soon }), 404, "not_found");
    expectError(await post(`/api/admin/stock/${dock.id}/incoming/${randomUUID()}/cancel`), 404, "not_found");
    expect({ row: await rowOf(dock.variantId), ledger: await ledgerCount(dock.variantId) }).toEqual(before);

    const part = await makeProduct(4);
    const kit = await post("/api/admin/products", { name: "Dock kit", slug: `dock-kit-${randomUUID().slice(0, 8)}`, priceCents: 5000, kit: [{ variantId: part.variantId, quantity: 2 }] });
    expect(kit.status, kit.text).toBe(201);
    expectError(await post(`/api/admin/stock/${kit.body.product.id}/incoming`, { quantity: 1, expectedAt: soon }), 400, "invalid_request");
    expectError(await patch(`/api/admin/products/${kit.body.product.id}/variants/${kit.body.product.variants[0].id}`, { preorder: true }), 400, "invalid_request");
  });
});
