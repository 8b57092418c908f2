/**
 * The operator's side of stock: restock and write-off with a reason, shipping an order, and the reconcile check
 * that proves the levels equal the ledger (and notices when they do not).
 */
import { sql } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { db, pool } from "@/db/client";
import { adjustStock, reconcileStock } from "@/lib/inventory";
import { fulfilOrder } from "@/lib/orders";
import { getCheckout, recordCheckoutActivity, releaseReservation, startCheckout } from "@/lib/checkout";
import { rawSql } from "../support/db";
import { expectDomainError, levels, MAIN_LOCATION_ID, makeProduct, movements, sellUnits, shopperWithCart, timeTravelHolds } from "../support/fixtures";

const raw = rawSql({ max: 2 });

afterAll(async () => {
  await raw.end();
  await pool.end();
});

describe("adjusting stock", () => {
  it("a restock adds to on hand and records a receive row with its reason", async () => {
    const product = await makeProduct(3);
    const view = await adjustStock({ productId: product.id, delta: 7, reason: "delivery 42", actorId: null });

    expect(view).toMatchObject({ onHand: 10, reserved: 0, allocated: 0, available: 10 });
    expect(await levels(product.id)).toEqual({ on_hand: 10, reserved: 0, allocated: 0 });
    expect((await movements({ productId: product.id })).map((m) => [m.kind, m.on_hand_delta, m.reason])).toEqual([
      ["receive", 3, "opening stock"],
      ["receive", 7, "delivery 42"],
    ]);
  });

  it("a write-off takes free units away and records a write_off row with its reason", async () => {
    const product = await makeProduct(5);
    const view = await adjustStock({ productId: product.id, delta: -2, reason: "water damage", actorId: null });

    expect(view).toMatchObject({ onHand: 3, available: 3 });
    expect((await movements({ productId: product.id, kind: "write_off" })).map((m) => [m.on_hand_delta, m.reason])).toEqual([
      [-2, "water damage"],
    ]);
    expect(await reconcileStock()).toMatchObject({ ok: true });
  });

  it("a write-off of held or sold units is refused with invariant_violation and changes nothing", async () => {
    const product = await makeProduct(6);
    await sellUnits(product.id, 2);
    const holder = await shopperWithCart([{ productId: product.id, quantity: 3 }]);
    await startCheckout(holder, { email: holder.email });
    const ledgerBefore = await movements({ productId: product.id });

    const error = await expectDomainError(
      adjustStock({ productId: product.id, delta: -2, reason: "lost", actorId: null }),
      "invariant_violation",
    );

    expect(error.details).toEqual({ onHand: 6, reserved: 3, allocated: 2 });
    expect(await levels(product.id)).toEqual({ on_hand: 6, reserved: 3, allocated: 2 });
    expect(await movements({ productId: product.id })).toEqual(ledgerBefore);
    // The one free unit can go.
    expect(await adjustStock({ productId: product.id, delta: -1, reason: "lost", actorId: null })).toMatchObject({
      onHand: 5,
      available: 0,
    });
  });

  it("a write-off may take units whose hold has lapsed: the stale hold is expired first", async () => {
    const product = await makeProduct(4);
    const holder = await shopperWithCart([{ productId: product.id, quantity: 4 }]);
    const { checkout } = await startCheckout(holder, { email: holder.email });
    await timeTravelHolds(checkout.id);

    const view = await adjustStock({ productId: product.id, delta: -4, reason: "recalled", actorId: null });

    expect(view).toMatchObject({ onHand: 0, reserved: 0, available: 0 });
    expect(await movements({ checkoutId: checkout.id, kind: "expire" })).toHaveLength(1);
    expect(await reconcileStock()).toMatchObject({ ok: true });
  });

  it("an unknown product is not_found", async () => {
    await expectDomainError(
      adjustStock({ productId: "00000000-0000-4000-8000-000000000000", delta: 1, reason: "x", actorId: null }),
      "not_found",
    );
  });
});

describe("an admin releasing a hold", () => {
  it("ends the whole checkout and frees its stock at once; the shopper is told it is closed", async () => {
    const [a, b] = [await makeProduct(3), await makeProduct(3)];
    const holder = await shopperWithCart([
      { productId: a.id, quantity: 2 },
      { productId: b.id, quantity: 1 },
    ]);
    const { checkout } = await startCheckout(holder, { email: holder.email });
    const [hold] = await db.execute<{ id: string }>(sql`
      select id from reservations where checkout_id = ${checkout.id} and product_id = ${a.id}`);

    const released = await releaseReservation(hold!.id, null);

    expect(released.status).toBe("cancelled");
    expect(await levels(a.id)).toEqual({ on_hand: 3, reserved: 0, allocated: 0 });
    expect(await levels(b.id)).toEqual({ on_hand: 3, reserved: 0, allocated: 0 });
    expect((await movements({ checkoutId: checkout.id, kind: "release" })).map((m) => m.reason)).toEqual([
      "released by an admin",
      "released by an admin",
    ]);
    await expectDomainError(recordCheckoutActivity(checkout.id, holder.id), "checkout_closed");
    // Releasing again changes nothing.
    expect((await releaseReservation(hold!.id, null)).status).toBe("cancelled");
    expect((await getCheckout(checkout.id, holder.id)).status).toBe("cancelled");
    expect(await movements({ checkoutId: checkout.id, kind: "release" })).toHaveLength(2);
    expect(await reconcileStock()).toMatchObject({ ok: true });
  });
});

describe("fulfilling an order", () => {
  it("ships: on hand and allocated both drop; fulfilling again changes nothing", async () => {
    const product = await makeProduct(5);
    const { order } = await sellUnits(product.id, 2);
    expect(await levels(product.id)).toEqual({ on_hand: 5, reserved: 0, allocated: 2 });

    const shipped = await fulfilOrder(order.id, null);

    expect(shipped.status).toBe("fulfilled");
    expect(shipped.fulfilledAt).not.toBeNull();
    expect(await levels(product.id)).toEqual({ on_hand: 3, reserved: 0, allocated: 0 });
    expect((await fulfilOrder(order.id, null)).status).toBe("fulfilled");
    expect(await levels(product.id)).toEqual({ on_hand: 3, reserved: 0, allocated: 0 });
    expect((await movements({ productId: product.id, kind: "fulfil" })).map((m) => [m.on_hand_delta, m.allocated_delta])).toEqual([
      [-2, -2],
    ]);
    expect(await reconcileStock()).toMatchObject({ ok: true });
  });

  it("six simultaneous fulfilments of one order ship it once", async () => {
    const product = await makeProduct(5);
    const { order } = await sellUnits(product.id, 3);

    await Promise.all(Array.from({ length: 6 }, () => fulfilOrder(order.id, null)));

    expect(await levels(product.id)).toEqual({ on_hand: 2, reserved: 0, allocated: 0 });
    expect(await movements({ productId: product.id, kind: "fulfil" })).toHaveLength(1);
    expect(await reconcileStock()).toMatchObject({ ok: true });
  });
});

describe("reconciling the levels with the ledger", () => {
  it("is ok after real work, and names the product and the drift when a level is changed by raw SQL", async () => {
    const product = await makeProduct(8);
    await sellUnits(product.id, 1);
    expect(await reconcileStock()).toMatchObject({ ok: true, problems: [] });

    await raw`update stock_levels set on_hand = on_hand + 2 where product_id = ${product.id}`;
    const onHandDrift = await reconcileStock();
    expect(onHandDrift.ok).toBe(false);
    expect(onHandDrift.problems).toEqual([{ productId: product.id, variantId: product.variantId, locationId: MAIN_LOCATION_ID, problem: "on hand 10 but ledger says 8" }]);

    await raw`update stock_levels set on_hand = on_hand - 2, reserved = reserved + 1 where product_id = ${product.id}`;
    const reservedDrift = await reconcileStock();
    expect(reservedDrift.problems).toEqual([
      { productId: product.id, variantId: product.variantId, locationId: MAIN_LOCATION_ID, problem: "reserved 1 but ledger says 0" },
      { productId: product.id, variantId: product.variantId, locationId: MAIN_LOCATION_ID, problem: "reserved 1 but active holds total 0" },
    ]);

    // Back to what the ledger says: reconcile is ok again.
    await raw`update stock_levels set reserved = reserved - 1 where product_id = ${product.id}`;
    expect(await reconcileStock()).toMatchObject({ ok: true });
    const [count] = await db.execute<{ n: number }>(sql`select count(*)::int as n from stock_levels`);
    expect((await reconcileStock()).products).toBe(count!.n);
  });
});
