/**
 * A shop with two locations, as shoppers see it over HTTP: what may be bought is the sum over active locations, a
 * line bigger than one location's stock is held over both, and deactivating a location takes its free units off
 * sale at once while the holds already on it stay their holders' (and are sold from there).
 */
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db, pool } from "@/db/client";
import { adjustStock, createLocation, reconcileStock, updateLocation } from "@/lib/inventory";
import { startApp, type RunningApp } from "../support/app-server";
import { HttpClient } from "../support/http";
import { MAIN_LOCATION_ID, makeProduct } from "../support/fixtures";
import { CARDS, expectError, pay, shopperWithLines, startedCheckout } from "./shop-support";

let app: RunningApp;

beforeAll(async () => {
  app = await startApp();
});

afterAll(async () => {
  await app?.stop();
  await pool.end();
});

async function heldAt(checkoutId: string) {
  const rows = await db.execute<{ location_id: string; quantity: number }>(sql`
    select location_id, quantity from reservations where checkout_id = ${checkoutId} and status = 'active' order by location_id`);
  return Object.fromEntries(rows.map((r) => [r.location_id, r.quantity]));
}

const productFor = async (client: HttpClient, slug: string) =>
  (await client.get<{ product: { available: number; held: number; nextReleaseAt: string | null } }>(`/api/products/${slug}`)).body.product;

describe("two locations, as shoppers see them", () => {
  it("sells the sum of both, holds a line over both, and a deactivated location's free units go off sale at once", async () => {
    // Main (priority 0) has 2; the back room (drawn on after Main) gets 3.
    const product = await makeProduct(2);
    const backRoom = await createLocation({ name: `Back room ${Date.now().toString(36)}` });
    await adjustStock({ productId: product.id, locationId: backRoom.id, delta: 3, reason: "delivery", actorId: null });
    const visitor = new HttpClient(app.baseUrl);
    expect(await productFor(visitor, product.slug)).toMatchObject({ available: 5, held: 0 });

    // 4 units: Main's 2 first, then 2 from the back room.
    const first = await shopperWithLines(app, [{ productId: product.id, quantity: 4 }]);
    const checkout = await startedCheckout(first);
    expect(await heldAt(checkout.id)).toEqual({ [MAIN_LOCATION_ID]: 2, [backRoom.id]: 2 });
    expect(await productFor(visitor, product.slug)).toMatchObject({ available: 1, held: 4 });
    expect(await productFor(first, product.slug)).toMatchObject({ available: 5, held: 0 });

    // The back room closes: its one free unit is off sale, and only Main's holds may come back for sale.
    await updateLocation(backRoom.id, { active: false });
    expect(await productFor(visitor, product.slug)).toMatchObject({ available: 0, held: 2 });
    const second = await shopperWithLines(app, [{ productId: product.id, quantity: 1 }]);
    const refused = await second.post("/api/checkout", { email: "second@example.test" });
    expectError(refused, 409, "insufficient_stock");
    expect(refused.body.error.lines[0]).toMatchObject({ requested: 1, available: 0 });
    // The first shopper's cart still counts their four as theirs.
    const cart = await first.get<{ cart: { lines: { quantity: number; available: number }[] } }>("/api/cart");
    expect(cart.body.cart.lines[0]).toMatchObject({ quantity: 4, available: 4 });

    // Paid: allocated exactly where held, the back room's part too.
    const paid = await pay(first, checkout.id, CARDS.pays);
    expect(paid.status, paid.text).toBe(200);
    const line = paid.body.order.lines[0];
    expect(
      Object.fromEntries(line.allocations.map((a: { locationId: string; quantity: number }) => [a.locationId, a.quantity])),
    ).toEqual({ [MAIN_LOCATION_ID]: 2, [backRoom.id]: 2 });
    const levels = await db.execute<{ location_id: string; on_hand: number; reserved: number; allocated: number }>(sql`
      select location_id, on_hand, reserved, allocated from stock_levels where variant_id = ${product.variantId} order by location_id`);
    expect(Object.fromEntries(levels.map((l) => [l.location_id, [l.on_hand, l.reserved, l.allocated]]))).toEqual({
      [MAIN_LOCATION_ID]: [2, 0, 2],
      [backRoom.id]: [3, 0, 2],
    });
    expect((await reconcileStock()).problems).toEqual([]);

    // Open again: its last unit is back on sale.
    await updateLocation(backRoom.id, { active: true });
    expect(await productFor(visitor, product.slug)).toMatchObject({ available: 1, held: 0 });
  });
});
