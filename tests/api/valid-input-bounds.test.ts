/**
 * Valid-looking input never overflows a column: levels past what a stock row can count are refused with a clear
 * 4xx (never a 500), and quantities must be JSON numbers — a string such as "2" is a 400 everywhere.
 */
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { db } from "@/db/client";
import { MAX_ON_HAND, reconcileStock } from "@/lib/inventory";
import { HttpClient } from "../support/http";
import { levels, makeProduct } from "../support/fixtures";
import { expectError } from "./shop-support";
import { adminApiForFile } from "./admin-helpers";

const { baseUrl, post } = adminApiForFile();

/** A product whose shelf is `onHand` units short of the most a level can count, with a ledger that agrees. */
async function productNearTheLimit(room: number) {
  const product = await makeProduct(1);
  const extra = MAX_ON_HAND - room - 1;
  await db.execute(sql`update stock_levels set on_hand = on_hand + ${extra} where product_id = ${product.id}`);
  await db.execute(sql`
    insert into stock_movements (product_id, variant_id, location_id, kind, on_hand_delta, reason)
    select product_id, variant_id, location_id, 'receive', ${extra}, 'a very large delivery' from stock_levels where product_id = ${product.id}`);
  return product;
}

describe("restocking past 2^31 − 1 units", () => {
  it("POST /api/admin/stock/{id}/adjust answers 409 invariant_violation and changes nothing", async () => {
    const product = await productNearTheLimit(10);
    const before = await levels(product.id);
    expect(before.on_hand).toBe(MAX_ON_HAND - 10);

    const refused = await post(`/api/admin/stock/${product.id}/adjust`, { delta: 11, reason: "one too many" });
    expectError(refused, 409, "invariant_violation");
    expect(refused.body.error).toMatchObject({ onHand: MAX_ON_HAND - 10, maxOnHand: MAX_ON_HAND });
    expect(refused.body.error.message).toMatch(/at most 2147483647/);
    const bigger = await post(`/api/admin/stock/${product.id}/adjust`, { delta: 1_000_000, reason: "a pallet" });
    expectError(bigger, 409, "invariant_violation");
    expect(await levels(product.id)).toEqual(before);

    // Up to the limit itself is fine.
    const filled = await post(`/api/admin/stock/${product.id}/adjust`, { delta: 10, reason: "the last ten" });
    expect(filled.status, filled.text).toBe(200);
    expect(filled.body.product).toMatchObject({ onHand: MAX_ON_HAND, available: MAX_ON_HAND });
    expectError(await post(`/api/admin/stock/${product.id}/adjust`, { delta: 1, reason: "one more" }), 409, "invariant_violation");
    expect(await reconcileStock()).toMatchObject({ ok: true });
  });

  it("a delta or opening stock beyond what one request may move is a 400, as is one sent as a string", async () => {
    const product = await makeProduct(5);
    for (const delta of [2 ** 31, -(2 ** 31), 1e300, "5", 1.5]) {
      expectError(await post(`/api/admin/stock/${product.id}/adjust`, { delta, reason: "bad" }), 400, "invalid_request");
    }
    for (const onHand of [2 ** 31 - 1, 2 ** 31, 2 ** 53, "5", -1]) {
      const created = await post("/api/admin/products", { name: `Huge ${String(onHand)}`, priceCents: 100, onHand });
      expectError(created, 400, "invalid_request");
    }
    expect(await levels(product.id)).toMatchObject({ on_hand: 5 });
  });
});

describe('a quantity sent as a JSON string ("2")', () => {
  it("is refused with 400 by POST /api/cart/lines and PUT /api/cart/lines/{productId}, and the cart is unchanged", async () => {
    const product = await makeProduct(10);
    const shopper = new HttpClient(baseUrl());
    expect((await shopper.post("/api/cart/lines", { productId: product.id, quantity: 1 })).status).toBe(200);

    for (const quantity of ["2", " 2", "2.0", "0x2", 2 ** 31, 2.5]) {
      const added = await shopper.post("/api/cart/lines", { productId: product.id, quantity });
      expectError(added, 400, "invalid_request");
      expect(added.body.error.issues).toEqual(expect.arrayContaining([expect.objectContaining({ path: ["quantity"] })]));
      expectError(await shopper.put(`/api/cart/lines/${product.id}`, { quantity }), 400, "invalid_request");
    }
    expectError(await shopper.put(`/api/cart/lines/${product.id}`, { quantity: "0" }), 400, "invalid_request");

    const cart = await shopper.get("/api/cart");
    expect(cart.body.cart.lines).toEqual([expect.objectContaining({ productId: product.id, quantity: 1 })]);
    // Numbers still work.
    const set = await shopper.put(`/api/cart/lines/${product.id}`, { quantity: 2 });
    expect(set.status, set.text).toBe(200);
    expect(set.body.cart.lines).toEqual([expect.objectContaining({ quantity: 2 })]);
  });
});
