/**
 * Pre-orders against incoming stock: a variant taking pre-orders is held and sold against units on their way once
 * every shelf is empty; on hand and incoming each stay ≥ 0 and reserved + allocated never pass on hand + incoming.
 * Receiving moves units from incoming to on hand and keeps the pre-orders allocated; a delivery with pre-orders
 * waiting for it cannot be cancelled; a pre-order ships only once its units are here.
 */
import { vi } from "vitest";

vi.hoisted(() => {
  process.env.RATE_LIMIT_CHECKOUTS_PER_MINUTE = "0";
  process.env.DATABASE_POOL_SIZE = "16";
});

import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { db } from "@/db/client";
import { getProductBySlug } from "@/lib/catalog";
import { createProduct, updateVariant } from "@/lib/catalog/products";
import { startCheckout } from "@/lib/checkout";
import {
  adjustStock,
  cancelDelivery,
  holdCarts,
  listDeliveries,
  orderShipDates,
  receiveIncoming,
  reconcileStock,
  recordIncoming,
} from "@/lib/inventory";
import { fulfilOrder } from "@/lib/orders";
import { TEST_CARDS } from "@/lib/payments";
import { postgresErrorOf, separateDatabasesForFile } from "../support/db";
import { expectDomainError, MAIN_LOCATION_ID, makeProduct, onlyVariantOf, payInFull, timeTravelHolds, type HoldVerdict } from "../support/fixtures";
import { levelsAt, makeLocations, stockAt } from "../support/locations";
import { shoppersWithVariantCarts, shopperWithVariantCart } from "../support/variants";

const CONNECTIONS = 40;
const connections = separateDatabasesForFile(CONNECTIONS);

let counter = 0;
/** A one-variant product taking pre-orders (or not), with `onHand` on the shelf at Main. */
async function makePreorderProduct(onHand: number, options: { preorder?: boolean } = {}) {
  counter += 1;
  const slug = `preorder-${counter}-${Math.random().toString(36).slice(2, 8)}`;
  const product = await createProduct({
    name: `Pre-order ${counter}`,
    slug,
    priceCents: 2500,
    variants: [{ sku: slug.toUpperCase(), options: {}, onHand, preorder: options.preorder ?? true }],
    actorId: null,
  });
  return { ...product, slug, variantId: await onlyVariantOf(product.id) };
}

/** A day `days` from the database's today, as YYYY-MM-DD. */
async function dayFromNow(days: number): Promise<string> {
  const [row] = await db.execute<{ day: string }>(sql`select (current_date + ${days}::int)::text as day`);
  return row!.day;
}

async function rowOf(variantId: string, locationId = MAIN_LOCATION_ID) {
  const [row] = await db.execute<{ on_hand: number; incoming: number; reserved: number; allocated: number; sellable: number }>(sql`
    select on_hand, incoming, reserved, allocated, on_hand + case when preorder then incoming else 0 end as sellable from stock_levels where variant_id = ${variantId} and location_id = ${locationId}`);
  return row!;
}

async function expectLedgerAndLevelsAgree() {
  expect((await reconcileStock()).problems).toEqual([]);
}

/** Each shopper's start in its own transaction on its own connection, all at once. */
function startAllOnSeparateConnections(shoppers: { id: string; email: string; cartId: string }[]): Promise<HoldVerdict[]> {
  return Promise.all(
    shoppers.map(async (shopper, i) => {
      const [outcome] = await holdCarts(connections.dbs[i % CONNECTIONS]!, [{ cartId: shopper.cartId, shopperId: shopper.id, email: shopper.email }]);
      return outcome!;
    }),
  );
}

async function buy(variantId: string, quantity: number) {
  const buyer = await shopperWithVariantCart([{ variantId, quantity }]);
  const { checkout } = await startCheckout(buyer, { email: buyer.email });
  const order = await payInFull({ checkoutId: checkout.id, shopperId: buyer.id, cardNumber: TEST_CARDS.succeeds, idempotencyKey: `buy-${checkout.id}` });
  return { buyer, checkout, order };
}

describe("selling against units on their way", () => {
  it("a pre-order variant sells its shelf and then what is on its way; a variant not taking pre-orders sells only its shelf", async () => {
    const preorder = await makePreorderProduct(2);
    const plain = await makePreorderProduct(2, { preorder: false });
    const soon = await dayFromNow(30);
    for (const p of [preorder, plain]) {
      await recordIncoming({ productId: p.id, variantId: p.variantId, quantity: 5, expectedAt: soon, actorId: null });
    }
    expect(await rowOf(preorder.variantId)).toMatchObject({ on_hand: 2, incoming: 5, sellable: 7 });
    expect(await rowOf(plain.variantId)).toMatchObject({ on_hand: 2, incoming: 5, sellable: 2 });
    expect((await getProductBySlug(preorder.slug)).available).toBe(7);
    expect((await getProductBySlug(plain.slug)).available).toBe(2);

    const [a, b] = await shoppersWithVariantCarts([[{ variantId: preorder.variantId, quantity: 7 }], [{ variantId: plain.variantId, quantity: 3 }]]);
    const [held, short] = await startAllOnSeparateConnections([a!, b!]);
    expect(held!.outcome).toBe("held");
    expect(short).toMatchObject({ outcome: "insufficient_stock", lines: [{ variantId: plain.variantId, available: 2 }] });
    // On hand and incoming stay what they are; the pre-orders are promised beyond the shelf.
    expect(await rowOf(preorder.variantId)).toMatchObject({ on_hand: 2, incoming: 5, reserved: 7, allocated: 0 });
    await expectLedgerAndLevelsAgree();
  });

  it("many shoppers race for the shelf and the delivery at once: exactly shelf + incoming are held, nothing below zero", async () => {
    const product = await makePreorderProduct(3);
    await recordIncoming({ productId: product.id, quantity: 10, expectedAt: await dayFromNow(10), actorId: null });
    const shoppers = await shoppersWithVariantCarts(Array.from({ length: CONNECTIONS }, () => [{ variantId: product.variantId, quantity: 1 }]));
    const verdicts = await startAllOnSeparateConnections(shoppers);
    expect(verdicts.filter((v) => v.outcome === "held")).toHaveLength(13);
    const refused = verdicts.filter((v) => v.outcome === "insufficient_stock");
    expect(refused).toHaveLength(CONNECTIONS - 13);
    expect(await rowOf(product.variantId)).toMatchObject({ on_hand: 3, incoming: 10, reserved: 13, allocated: 0 });
    await expectLedgerAndLevelsAgree();
  });

  it("takes every location's shelf before units on their way", async () => {
    const product = await makePreorderProduct(0);
    const [store] = await makeLocations([50]);
    await stockAt(product.id, product.variantId, { [store!.id]: 2 });
    await recordIncoming({ productId: product.id, locationId: MAIN_LOCATION_ID, quantity: 4, expectedAt: await dayFromNow(5), actorId: null });
    const shopper = await shopperWithVariantCart([{ variantId: product.variantId, quantity: 3 }]);
    await startCheckout(shopper, { email: shopper.email });
    const rows = await levelsAt(product.variantId);
    // Main comes first by priority, but its units are only on their way: the other location's shelf goes first.
    expect(rows[store!.id]).toEqual({ on_hand: 2, reserved: 2, allocated: 0 });
    expect(rows[MAIN_LOCATION_ID]).toEqual({ on_hand: 0, reserved: 1, allocated: 0 });
  });

  it("a lapsed pre-order hold frees its unit for the next shopper, like any hold", async () => {
    const product = await makePreorderProduct(0);
    await recordIncoming({ productId: product.id, quantity: 1, expectedAt: await dayFromNow(3), actorId: null });
    const first = await shopperWithVariantCart([{ variantId: product.variantId, quantity: 1 }]);
    const { checkout } = await startCheckout(first, { email: first.email });
    const second = await shopperWithVariantCart([{ variantId: product.variantId, quantity: 1 }]);
    await expectDomainError(startCheckout(second, { email: second.email }), "insufficient_stock");
    await timeTravelHolds(checkout.id, 60);
    await startCheckout(second, { email: second.email });
    expect(await rowOf(product.variantId)).toMatchObject({ on_hand: 0, incoming: 1, reserved: 1 });
    await expectLedgerAndLevelsAgree();
  });

  it("turning pre-orders off keeps those taken and takes no new ones past the shelf", async () => {
    const product = await makePreorderProduct(1);
    await recordIncoming({ productId: product.id, quantity: 4, expectedAt: await dayFromNow(3), actorId: null });
    await buy(product.variantId, 3);
    await updateVariant(product.id, product.variantId, { preorder: false });
    expect(await rowOf(product.variantId)).toMatchObject({ on_hand: 1, incoming: 4, allocated: 3, sellable: 1 });
    expect((await getProductBySlug(product.slug)).available).toBe(0);
    const late = await shopperWithVariantCart([{ variantId: product.variantId, quantity: 1 }]);
    await expectDomainError(startCheckout(late, { email: late.email }), "insufficient_stock");
    await expectLedgerAndLevelsAgree();
  });
});

describe("ship dates", () => {
  it("the product says when the next pre-order ships, and the date moves on as deliveries fill", async () => {
    const product = await makePreorderProduct(1);
    const [march, april] = [await dayFromNow(20), await dayFromNow(50)];
    await recordIncoming({ productId: product.id, quantity: 2, expectedAt: april, actorId: null });
    await recordIncoming({ productId: product.id, quantity: 2, expectedAt: march, actorId: null });
    // On the shelf: no pre-order yet.
    expect((await getProductBySlug(product.slug)).variants[0]!.preorder).toBeNull();
    const first = await buy(product.variantId, 2);
    expect((await getProductBySlug(product.slug)).variants[0]!.preorder).toEqual({ expectedAt: march });
    const second = await buy(product.variantId, 2);
    expect((await getProductBySlug(product.slug)).variants[0]!.preorder).toEqual({ expectedAt: april });
    // The first order's second unit waits for the earlier delivery, the second order's last for the later one.
    const dates = await orderShipDates([first.order.id, second.order.id]);
    expect(Object.fromEntries(dates.get(first.order.id)!)).toEqual({ [product.variantId]: march });
    expect(Object.fromEntries(dates.get(second.order.id)!)).toEqual({ [product.variantId]: april });
    // What each delivery has waiting for it.
    expect((await listDeliveries(product.id)).map((d) => [d.expectedAt, d.quantity, d.preordered])).toEqual([
      [march, 2, 2],
      [april, 2, 1],
    ]);
  });

  it("a variant not taking pre-orders never says pre-order, even with units on their way", async () => {
    const product = await makePreorderProduct(0, { preorder: false });
    await recordIncoming({ productId: product.id, quantity: 5, expectedAt: await dayFromNow(7), actorId: null });
    const detail = await getProductBySlug(product.slug);
    expect(detail.variants[0]!.preorder).toBeNull();
    expect(detail.available).toBe(0);
  });
});

describe("receiving and cancelling deliveries", () => {
  it("receiving moves incoming to on hand and keeps the pre-orders allocated; then they ship", async () => {
    const product = await makePreorderProduct(0);
    await recordIncoming({ productId: product.id, quantity: 3, expectedAt: await dayFromNow(4), actorId: null });
    const { order } = await buy(product.variantId, 2);
    expect(await rowOf(product.variantId)).toMatchObject({ on_hand: 0, incoming: 3, allocated: 2 });
    // Not here yet: it cannot ship, and nothing moves.
    await expectDomainError(fulfilOrder(order.id, null), "awaiting_delivery");
    expect(await rowOf(product.variantId)).toMatchObject({ on_hand: 0, incoming: 3, allocated: 2 });

    const touched = await receiveIncoming({ productId: product.id, quantity: 3, actorId: null });
    expect(touched.map((d) => [d.status, d.quantity, d.received])).toEqual([["received", 0, 3]]);
    expect(await rowOf(product.variantId)).toMatchObject({ on_hand: 3, incoming: 0, allocated: 2 });
    expect((await orderShipDates([order.id])).size).toBe(0);
    await fulfilOrder(order.id, null);
    expect(await rowOf(product.variantId)).toMatchObject({ on_hand: 1, incoming: 0, allocated: 0 });
    await expectLedgerAndLevelsAgree();
  });

  it("pre-orders racing the delivery's receipt: exact levels, nothing below zero", async () => {
    const product = await makePreorderProduct(0);
    await recordIncoming({ productId: product.id, quantity: 20, expectedAt: await dayFromNow(2), actorId: null });
    const shoppers = await shoppersWithVariantCarts(Array.from({ length: 30 }, () => [{ variantId: product.variantId, quantity: 1 }]));
    const [verdicts] = await Promise.all([
      startAllOnSeparateConnections(shoppers),
      (async () => {
        for (let i = 0; i < 4; i += 1) await receiveIncoming({ productId: product.id, quantity: 5, actorId: null });
      })(),
    ]);
    expect(verdicts.filter((v) => v.outcome === "held")).toHaveLength(20);
    expect(await rowOf(product.variantId)).toMatchObject({ on_hand: 20, incoming: 0, reserved: 20, allocated: 0 });
    await expectLedgerAndLevelsAgree();
  });

  it("a delivery with pre-orders waiting cannot be cancelled until they are covered; one without can", async () => {
    const product = await makePreorderProduct(0);
    const delivery = await recordIncoming({ productId: product.id, quantity: 2, expectedAt: await dayFromNow(9), actorId: null });
    await buy(product.variantId, 1);
    const refused = await expectDomainError(cancelDelivery({ deliveryId: delivery.id, productId: product.id, actorId: null }), "preorders_waiting");
    expect(refused.message).toMatch(/1 pre-ordered unit waits/);
    expect(await rowOf(product.variantId)).toMatchObject({ incoming: 2, allocated: 1 });
    // Stock on the shelf covers the pre-order: the delivery may go.
    await adjustStock({ productId: product.id, delta: 1, reason: "found one", actorId: null });
    const cancelled = await cancelDelivery({ deliveryId: delivery.id, productId: product.id, actorId: null });
    expect(cancelled).toMatchObject({ status: "cancelled", quantity: 0 });
    expect(await rowOf(product.variantId)).toMatchObject({ on_hand: 1, incoming: 0, allocated: 1 });
    await expectDomainError(cancelDelivery({ deliveryId: delivery.id, productId: product.id, actorId: null }), "conflict");
    await expectLedgerAndLevelsAgree();
  });

  it("a write-off takes only free shelf units, never those the pre-orders wait for", async () => {
    const product = await makePreorderProduct(2);
    await recordIncoming({ productId: product.id, quantity: 2, expectedAt: await dayFromNow(9), actorId: null });
    await buy(product.variantId, 3);
    await expectDomainError(adjustStock({ productId: product.id, delta: -1, reason: "broken", actorId: null }), "invariant_violation");
    // A restock is always welcome.
    await adjustStock({ productId: product.id, delta: 2, reason: "found two", actorId: null });
    expect(await rowOf(product.variantId)).toMatchObject({ on_hand: 4, incoming: 2, allocated: 3 });
    await expectLedgerAndLevelsAgree();
  });
});

describe("bad input: a 4xx and nothing written", () => {
  it("a past day, receiving more than is on its way, a kit, an unknown delivery", async () => {
    const product = await makePreorderProduct(1);
    await expectDomainError(recordIncoming({ productId: product.id, quantity: 3, expectedAt: await dayFromNow(-1), actorId: null }), "invalid_request");
    await recordIncoming({ productId: product.id, quantity: 3, expectedAt: await dayFromNow(0), actorId: null });
    await expectDomainError(receiveIncoming({ productId: product.id, quantity: 4, actorId: null }), "invariant_violation");
    expect(await rowOf(product.variantId)).toMatchObject({ on_hand: 1, incoming: 3 });

    const part = await makeProduct(5);
    const kit = await createProduct({ name: `Kit ${Math.random()}`, priceCents: 100, kit: [{ variantId: part.variantId, quantity: 1 }], actorId: null });
    await expectDomainError(recordIncoming({ productId: kit.id, quantity: 1, expectedAt: await dayFromNow(1), actorId: null }), "invalid_request");
    await expectDomainError(updateVariant(kit.id, await onlyVariantOf(kit.id), { preorder: true }), "invalid_request");
    await expectDomainError(cancelDelivery({ deliveryId: "00000000-0000-4000-8000-00000000dead", productId: product.id, actorId: null }), "not_found");
    const [deliveries] = await db.execute<{ n: number }>(sql`select count(*)::int as n from incoming_deliveries where product_id = ${product.id}`);
    expect(deliveries!.n).toBe(1);
    await expectLedgerAndLevelsAgree();
  });

  it("the database refuses what the code would never do: negative incoming, promises past shelf and incoming", async () => {
    const product = await makePreorderProduct(1);
    const constraintOf = (statement: Promise<unknown>) =>
      statement.then(
        () => "accepted",
        (e: unknown) => postgresErrorOf(e).constraint,
      );
    expect(await constraintOf(db.execute(sql`update stock_levels set incoming = -1 where variant_id = ${product.variantId} and location_id = ${MAIN_LOCATION_ID}`))).toBe(
      "stock_incoming_not_negative",
    );
    expect(await constraintOf(db.execute(sql`update stock_levels set reserved = 2 where variant_id = ${product.variantId} and location_id = ${MAIN_LOCATION_ID}`))).toBe("stock_never_oversold");
    // Units on their way may be promised (a pre-order), but no more than are coming.
    await db.execute(sql`update stock_levels set incoming = 2, reserved = 3 where variant_id = ${product.variantId} and location_id = ${MAIN_LOCATION_ID}`);
    expect(await constraintOf(db.execute(sql`update stock_levels set reserved = 4 where variant_id = ${product.variantId} and location_id = ${MAIN_LOCATION_ID}`))).toBe("stock_never_oversold");
    // Back as the ledger says, for any test after this one.
    await db.execute(sql`update stock_levels set incoming = 0, reserved = 0 where variant_id = ${product.variantId} and location_id = ${MAIN_LOCATION_ID}`);
  });
});
