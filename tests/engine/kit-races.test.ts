/**
 * Kits: a kit has no stock of its own; holding it holds its components in the same batch, transaction and lock
 * order as any line. A kit and one of its components bought at once, or two kits sharing a component, are judged
 * on what they need together, so no component is ever oversold (the failure of shops that check each line on
 * its own).
 */
import { vi } from "vitest";

vi.hoisted(() => {
  process.env.RATE_LIMIT_CHECKOUTS_PER_MINUTE = "0";
  process.env.DATABASE_POOL_SIZE = "16";
});

import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { db } from "@/db/client";
import { getCart } from "@/lib/cart";
import { getProductBySlug, listProducts } from "@/lib/catalog";
import { createProduct } from "@/lib/catalog/products";
import { cancelCheckout, startCheckout } from "@/lib/checkout";
import { holdCarts, reconcileStock } from "@/lib/inventory";
import { listPackingOrders } from "@/lib/admin/packing";
import { findOrderById, fulfilOrder } from "@/lib/orders";
import { TEST_CARDS } from "@/lib/payments";
import { separateDatabasesForFile } from "../support/db";
import { expectDomainError, makeProduct, payInFull, timeTravelHolds, type HoldVerdict } from "../support/fixtures";
import { levelsAt, makeLocations, stockAt } from "../support/locations";
import { shoppersWithVariantCarts, shopperWithVariantCart, variantLevels, variantMovements } from "../support/variants";

const CONNECTIONS = 90;
const connections = separateDatabasesForFile(CONNECTIONS);

let kitCounter = 0;
/** A kit of these components (variant id → units per kit), sold at `priceCents`. */
async function makeKit(components: Record<string, number>, priceCents = 5000) {
  kitCounter += 1;
  const kit = await createProduct({
    name: `Test kit ${kitCounter} ${Math.random().toString(36).slice(2, 8)}`,
    priceCents,
    kit: Object.entries(components).map(([variantId, quantity]) => ({ variantId, quantity })),
    actorId: null,
  });
  const [variant] = await db.execute<{ id: string }>(sql`select id from product_variants where product_id = ${kit.id}`);
  return { ...kit, variantId: variant!.id };
}

async function expectNothingOversold() {
  expect((await reconcileStock()).problems).toEqual([]);
  const [oversold] = await db.execute<{ count: number }>(sql`select count(*)::int as count from stock_levels where reserved + allocated > on_hand`);
  expect(oversold!.count).toBe(0);
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

describe("a kit and its components bought at once", () => {
  it("kits, a component alone and another kit sharing it, on separate connections: no component oversold, levels exact", async () => {
    const mug = await makeProduct(20);
    const spoon = await makeProduct(15);
    const breakfast = await makeKit({ [mug.variantId]: 1, [spoon.variantId]: 2 });
    const pair = await makeKit({ [mug.variantId]: 2 });
    // What each kind of cart needs of the mug and the spoon.
    const kinds = [
      { lines: [{ variantId: breakfast.variantId, quantity: 1 }], mugs: 1, spoons: 2 },
      { lines: [{ variantId: mug.variantId, quantity: 1 }], mugs: 1, spoons: 0 },
      { lines: [{ variantId: pair.variantId, quantity: 1 }], mugs: 2, spoons: 0 },
      { lines: [{ variantId: pair.variantId, quantity: 1 }, { variantId: mug.variantId, quantity: 1 }], mugs: 3, spoons: 0 },
      { lines: [{ variantId: breakfast.variantId, quantity: 1 }, { variantId: spoon.variantId, quantity: 2 }], mugs: 1, spoons: 4 },
    ];
    const carts = Array.from({ length: CONNECTIONS }, (_, i) => kinds[i % kinds.length]!);
    const shoppers = await shoppersWithVariantCarts(carts.map((c) => c.lines));

    const verdicts = await startAllOnSeparateConnections(shoppers);

    const held = carts.filter((_, i) => verdicts[i]!.outcome === "held");
    const refused = carts.filter((_, i) => verdicts[i]!.outcome === "insufficient_stock");
    expect(held.length + refused.length).toBe(CONNECTIONS);
    const heldMugs = held.reduce((n, c) => n + c.mugs, 0);
    const heldSpoons = held.reduce((n, c) => n + c.spoons, 0);
    // Exactly what the held carts need is held: no more (oversold), no less (a hold without its components).
    expect(await variantLevels(mug.variantId)).toEqual({ on_hand: 20, reserved: heldMugs, allocated: 0 });
    expect(await variantLevels(spoon.variantId)).toEqual({ on_hand: 15, reserved: heldSpoons, allocated: 0 });
    // Nothing was refused that would fit in what is left: free units only shrank during the race.
    for (const c of refused) expect(c.mugs > 20 - heldMugs || c.spoons > 15 - heldSpoons).toBe(true);
    // A kit's holds name the kit, in the holds and in the ledger.
    const kitHolds = await db.execute<{ n: number }>(sql`
      select count(*)::int as n from reservations where kit_variant_id = ${breakfast.variantId} and kit_quantity = 1`);
    const breakfastsHeld = held.filter((c) => c.lines[0]!.variantId === breakfast.variantId).length;
    expect(kitHolds[0]!.n).toBe(2 * breakfastsHeld);
    expect((await variantMovements(spoon.variantId, "reserve")).filter((m) => m.kit_variant_id === breakfast.variantId)).toHaveLength(breakfastsHeld);
    await expectNothingOversold();
  });

  it("one cart with a kit and its component is judged on what they need together", async () => {
    const mug = await makeProduct(3);
    const pair = await makeKit({ [mug.variantId]: 2 });
    // Each line alone fits (2 and 2 of 3); together they need 4.
    const shopper = await shopperWithVariantCart([
      { variantId: pair.variantId, quantity: 1 },
      { variantId: mug.variantId, quantity: 2 },
    ]);
    const refusal = await expectDomainError(startCheckout(shopper, { email: shopper.email }), "insufficient_stock");
    expect(refusal.message).toMatch(/./);
    expect(await variantLevels(mug.variantId)).toEqual({ on_hand: 3, reserved: 0, allocated: 0 });

    // With a fourth mug, both lines are held: four mugs, two of them for the kit.
    await stockAt(mug.id, mug.variantId, { [(await defaultLocation())]: 1 });
    const { checkout } = await startCheckout(shopper, { email: shopper.email });
    expect(checkout.lines.map((l) => [l.variantId, l.quantity]).sort()).toEqual(
      [
        [pair.variantId, 1],
        [mug.variantId, 2],
      ].sort(),
    );
    expect(await variantLevels(mug.variantId)).toEqual({ on_hand: 4, reserved: 4, allocated: 0 });
    await expectNothingOversold();
  });

  it("names the short component when a kit cannot be held", async () => {
    const mug = await makeProduct(5);
    const spoon = await makeProduct(1);
    const breakfast = await makeKit({ [mug.variantId]: 1, [spoon.variantId]: 2 });
    const shopper = await shopperWithVariantCart([{ variantId: breakfast.variantId, quantity: 1 }]);
    const [verdict] = await holdCarts(db, [{ shopperId: shopper.id, email: shopper.email }]);
    expect(verdict).toMatchObject({
      outcome: "insufficient_stock",
      lines: [{ productId: breakfast.id, variantId: breakfast.variantId, requested: 1, available: 0, component: { variantId: spoon.variantId, available: 1 } }],
    });
  });
});

describe("a kit's life after the hold", () => {
  it("is paid as one line and allocated as its components, cancelled or shipped as if bought one by one", async () => {
    const mug = await makeProduct(6);
    const spoon = await makeProduct(6);
    const breakfast = await makeKit({ [mug.variantId]: 1, [spoon.variantId]: 2 }, 3000);

    // Cancelled: every component's units back at once.
    const first = await shopperWithVariantCart([{ variantId: breakfast.variantId, quantity: 2 }]);
    const { checkout: cancelled } = await startCheckout(first, { email: first.email });
    expect(cancelled.totalCents).toBe(6000);
    expect(await variantLevels(spoon.variantId)).toEqual({ on_hand: 6, reserved: 4, allocated: 0 });
    await cancelCheckout(cancelled.id, first.id);
    expect(await variantLevels(mug.variantId)).toEqual({ on_hand: 6, reserved: 0, allocated: 0 });
    expect(await variantLevels(spoon.variantId)).toEqual({ on_hand: 6, reserved: 0, allocated: 0 });

    // Paid: the order has the kit's line at the kit's price; its components are what is allocated.
    const buyer = await shopperWithVariantCart([
      { variantId: breakfast.variantId, quantity: 2 },
      { variantId: spoon.variantId, quantity: 1 },
    ]);
    const { checkout } = await startCheckout(buyer, { email: buyer.email });
    const order = await payInFull({ checkoutId: checkout.id, shopperId: buyer.id, cardNumber: TEST_CARDS.succeeds, idempotencyKey: "kit" });
    expect(order.totalCents).toBe(2 * 3000 + 1000);
    expect(order.lines.map((l) => [l.variantId, l.quantity, l.unitPriceCents]).sort()).toEqual(
      [
        [breakfast.variantId, 2, 3000],
        [spoon.variantId, 1, 1000],
      ].sort(),
    );
    expect(await variantLevels(mug.variantId)).toEqual({ on_hand: 6, reserved: 0, allocated: 2 });
    expect(await variantLevels(spoon.variantId)).toEqual({ on_hand: 6, reserved: 0, allocated: 5 });
    const allocations = await db.execute<{ variant_id: string; kit_variant_id: string | null; line_variant_id: string; quantity: number }>(sql`
      select variant_id, kit_variant_id, line_variant_id, quantity from order_allocations where order_id = ${order.id} order by quantity`);
    expect(allocations.map((a) => [a.variant_id, a.kit_variant_id, a.line_variant_id, a.quantity]).sort()).toEqual(
      [
        [spoon.variantId, null, spoon.variantId, 1],
        [mug.variantId, breakfast.variantId, breakfast.variantId, 2],
        [spoon.variantId, breakfast.variantId, breakfast.variantId, 4],
      ].sort(),
    );

    // The order shows the kit with its components, and the packing list picks the components for the kit.
    const shown = (await findOrderById(order.id))!;
    const kitLine = shown.lines.find((l) => l.variantId === breakfast.variantId)!;
    expect(kitLine.allocations.map((a) => [a.variantId, a.quantity]).sort()).toEqual(
      [
        [mug.variantId, 2],
        [spoon.variantId, 4],
      ].sort(),
    );
    const { orders: toPack } = await listPackingOrders(await defaultLocation());
    const picks = toPack.find((o) => o.id === order.id)!.lines;
    expect(picks.map((l) => [l.variantId, l.quantity, l.kit?.variantId ?? null]).sort()).toEqual(
      [
        [mug.variantId, 2, breakfast.variantId],
        [spoon.variantId, 4, breakfast.variantId],
        [spoon.variantId, 1, null],
      ].sort(),
    );

    // Shipped: the components leave the shelf, and the ledger says for which kit.
    await fulfilOrder(order.id, null);
    expect(await variantLevels(mug.variantId)).toEqual({ on_hand: 4, reserved: 0, allocated: 0 });
    expect(await variantLevels(spoon.variantId)).toEqual({ on_hand: 1, reserved: 0, allocated: 0 });
    const shipped = await variantMovements(spoon.variantId, "fulfil");
    expect(shipped.map((m) => [m.on_hand_delta, m.kit_variant_id]).sort()).toEqual([
      [-1, null],
      [-4, breakfast.variantId],
    ].sort());
    await expectNothingOversold();
  });

  it("lapsed, is held afresh whole when paid, or refused whole when a component went to another shopper", async () => {
    const mug = await makeProduct(3);
    const spoon = await makeProduct(2);
    const breakfast = await makeKit({ [mug.variantId]: 1, [spoon.variantId]: 2 });
    const late = await shopperWithVariantCart([{ variantId: breakfast.variantId, quantity: 1 }]);
    const { checkout } = await startCheckout(late, { email: late.email });
    await timeTravelHolds(checkout.id);
    // The stock is still there: paying takes the kit's components afresh and makes the order.
    const order = await payInFull({ checkoutId: checkout.id, shopperId: late.id, cardNumber: TEST_CARDS.succeeds, idempotencyKey: "late" });
    expect(order.lines.map((l) => [l.variantId, l.quantity])).toEqual([[breakfast.variantId, 1]]);
    expect(await variantLevels(spoon.variantId)).toEqual({ on_hand: 2, reserved: 0, allocated: 2 });

    // Now one spoon short: a lapsed kit hold cannot be paid, and no mug is taken for it either.
    await stockAt(spoon.id, spoon.variantId, { [await defaultLocation()]: 1 });
    const again = await shopperWithVariantCart([{ variantId: breakfast.variantId, quantity: 1 }]);
    const other = await shopperWithVariantCart([{ variantId: spoon.variantId, quantity: 1 }]);
    await stockAt(spoon.id, spoon.variantId, { [await defaultLocation()]: 1 });
    const { checkout: lapsing } = await startCheckout(again, { email: again.email });
    await timeTravelHolds(lapsing.id);
    await startCheckout(other, { email: other.email });
    await expectDomainError(
      payInFull({ checkoutId: lapsing.id, shopperId: again.id, cardNumber: TEST_CARDS.succeeds, idempotencyKey: "short" }),
      "insufficient_stock",
    );
    expect(await variantLevels(mug.variantId)).toEqual({ on_hand: 3, reserved: 0, allocated: 1 });
    await expectNothingOversold();
  });

  it("a declined payment gives back every component at once", async () => {
    const mug = await makeProduct(2);
    const pair = await makeKit({ [mug.variantId]: 2 });
    const shopper = await shopperWithVariantCart([{ variantId: pair.variantId, quantity: 1 }]);
    const { checkout } = await startCheckout(shopper, { email: shopper.email });
    expect(await variantLevels(mug.variantId)).toEqual({ on_hand: 2, reserved: 2, allocated: 0 });
    await expectDomainError(
      payInFull({ checkoutId: checkout.id, shopperId: shopper.id, cardNumber: TEST_CARDS.declined, idempotencyKey: "no" }),
      "payment_declined",
    );
    expect(await variantLevels(mug.variantId)).toEqual({ on_hand: 2, reserved: 0, allocated: 0 });
  });

  it("a kit over components at two locations is held and paid where they are", async () => {
    const [second] = await makeLocations([1000]);
    const mug = await makeProduct(1);
    await stockAt(mug.id, mug.variantId, { [second!.id]: 1 });
    const pair = await makeKit({ [mug.variantId]: 2 });
    const shopper = await shopperWithVariantCart([{ variantId: pair.variantId, quantity: 1 }]);
    const { checkout } = await startCheckout(shopper, { email: shopper.email });
    const rows = await levelsAt(mug.variantId);
    expect(rows[second!.id]).toEqual({ on_hand: 1, reserved: 1, allocated: 0 });
    expect(Object.values(rows).reduce((n, r) => n + r.reserved, 0)).toBe(2);
    await payInFull({ checkoutId: checkout.id, shopperId: shopper.id, cardNumber: TEST_CARDS.succeeds, idempotencyKey: "two" });
    expect(Object.values(await levelsAt(mug.variantId)).reduce((n, r) => n + r.allocated, 0)).toBe(2);
    await expectNothingOversold();
  });
});

describe("a kit over components at two locations, raced", () => {
  it("kits and single components bought at once by many shoppers: each location's rows exact, none oversold", async () => {
    const [second] = await makeLocations([2000]);
    const mug = await makeProduct(6);
    const spoon = await makeProduct(3);
    await stockAt(mug.id, mug.variantId, { [second!.id]: 6 });
    await stockAt(spoon.id, spoon.variantId, { [second!.id]: 5 });
    const set = await makeKit({ [mug.variantId]: 2, [spoon.variantId]: 1 });
    const kinds = [
      { lines: [{ variantId: set.variantId, quantity: 1 }], mugs: 2, spoons: 1 },
      { lines: [{ variantId: mug.variantId, quantity: 3 }], mugs: 3, spoons: 0 },
      { lines: [{ variantId: set.variantId, quantity: 1 }, { variantId: spoon.variantId, quantity: 1 }], mugs: 2, spoons: 2 },
    ];
    const carts = Array.from({ length: 30 }, (_, i) => kinds[i % kinds.length]!);
    const verdicts = await startAllOnSeparateConnections(await shoppersWithVariantCarts(carts.map((c) => c.lines)));
    const held = carts.filter((_, i) => verdicts[i]!.outcome === "held");
    expect(held.length + carts.filter((_, i) => verdicts[i]!.outcome === "insufficient_stock").length).toBe(carts.length);
    const total = (variantId: string) => levelsAt(variantId).then((rows) => Object.values(rows).reduce((n, r) => n + r.reserved, 0));
    expect(await total(mug.variantId)).toBe(held.reduce((n, c) => n + c.mugs, 0));
    expect(await total(spoon.variantId)).toBe(held.reduce((n, c) => n + c.spoons, 0));
    // No location's row gives more than it has, and the rows were used: the shop's 12 mugs and 8 spoons lie at two.
    for (const rows of [await levelsAt(mug.variantId), await levelsAt(spoon.variantId)]) {
      for (const r of Object.values(rows)) expect(r.reserved + r.allocated).toBeLessThanOrEqual(r.on_hand);
    }
    expect(held.reduce((n, c) => n + c.mugs, 0)).toBeGreaterThan(6);
    await expectNothingOversold();
  });
});

describe("what a kit may be made of", () => {
  it("refuses a kit in a kit, a retired component, a zero quantity and an unknown variant, writing nothing", async () => {
    const mug = await makeProduct(5);
    const pair = await makeKit({ [mug.variantId]: 2 });
    const before = await db.execute<{ n: number }>(sql`select count(*)::int as n from products`);
    await expectDomainError(makeKit({ [pair.variantId]: 1 }), "kit_in_kit");
    await expectDomainError(makeKit({ [mug.variantId]: 0 }), "invalid_request");
    await expectDomainError(makeKit({ [crypto.randomUUID()]: 1 }), "invalid_request");
    await db.execute(sql`update product_variants set retired_at = now() where id = ${mug.variantId}`);
    await expectDomainError(makeKit({ [mug.variantId]: 1 }), "invalid_request");
    const after = await db.execute<{ n: number }>(sql`select count(*)::int as n from products`);
    expect(after[0]!.n).toBe(before[0]!.n);
  });

  it("the database refuses a kit in a kit and stock rows for a kit, whatever the code does", async () => {
    const mug = await makeProduct(5);
    const pair = await makeKit({ [mug.variantId]: 2 });
    const other = await makeKit({ [mug.variantId]: 1 });
    await expect(
      db.execute(sql`insert into kit_components (kit_variant_id, component_variant_id, component_product_id, quantity)
        values (${other.variantId}, ${pair.variantId}, ${pair.id}, 1)`),
    ).rejects.toMatchObject({ cause: expect.objectContaining({ code: "23503" }) });
    await expect(
      db.execute(sql`insert into stock_levels (variant_id, location_id, product_id, on_hand)
        select ${pair.variantId}, id, ${pair.id}, 5 from locations limit 1`),
    ).rejects.toMatchObject({ cause: expect.objectContaining({ code: "23503" }) });
  });
});

async function defaultLocation(): Promise<string> {
  const [row] = await db.execute<{ id: string }>(sql`select id from locations where active order by priority, id limit 1`);
  return row!.id;
}

describe("a kit's availability, wherever a product's is shown", () => {
  it("is the fewest kits its components allow; held components say when they may be back", async () => {
    const mug = await makeProduct(7);
    const spoon = await makeProduct(9);
    const breakfast = await makeKit({ [mug.variantId]: 1, [spoon.variantId]: 2 });
    const page = async (viewerId: string | null = null) => {
      const product = await getProductBySlug(breakfast.slug, viewerId);
      return { available: product.available, variant: product.variants[0]! };
    };
    // The kit says what it is made of; any other product says it is no kit.
    const detail = await getProductBySlug(breakfast.slug);
    expect(detail.kit?.components.map((c) => [c.variantId, c.quantity, c.name])).toEqual([
      [mug.variantId, 1, mug.name],
      [spoon.variantId, 2, spoon.name],
    ]);
    expect((await getProductBySlug(mug.slug)).kit).toBeNull();
    // 7 mugs, 9 spoons: 4 kits (spoons run out first).
    expect((await page()).available).toBe(4);
    expect((await page()).variant).toMatchObject({ available: 4, held: 0, nextReleaseAt: null });

    // Another shopper holds 3 spoons alone: 3 kits left, 1 kit held, back when that hold lapses.
    const other = await shopperWithVariantCart([{ variantId: spoon.variantId, quantity: 3 }]);
    const { checkout } = await startCheckout(other, { email: other.email });
    const held = await page();
    expect(held.variant).toMatchObject({ available: 3, held: 1 });
    expect(held.variant.nextReleaseAt).toBe(new Date(checkout.expiresAt).toISOString());

    // The shopper's own kit hold stays theirs: still 3 for them, 2 for everyone else.
    const me = await shopperWithVariantCart([{ variantId: breakfast.variantId, quantity: 1 }]);
    await startCheckout(me, { email: me.email });
    expect((await page(me.id)).variant.available).toBe(3);
    expect((await page()).variant.available).toBe(2);

    // In the cart too.
    const cart = await getCart(me.id);
    expect(cart.lines.find((l) => l.variantId === breakfast.variantId)).toMatchObject({ available: 3 });
  });

  it("is listed in stock while every component has what one kit takes, and out of stock once one runs out", async () => {
    const mug = await makeProduct(1);
    const spoon = await makeProduct(2);
    const breakfast = await makeKit({ [mug.variantId]: 1, [spoon.variantId]: 2 });
    const inStock = async () => (await listProducts({ q: breakfast.name, inStock: true })).products.map((p) => p.id);
    const listed = (await listProducts({ q: breakfast.name })).products.find((p) => p.id === breakfast.id)!;
    expect(listed.available).toBe(1);
    expect(await inStock()).toEqual([breakfast.id]);

    // The last mug goes to someone buying it alone: the kit is out of stock, and says when it may be back.
    const other = await shopperWithVariantCart([{ variantId: mug.variantId, quantity: 1 }]);
    await startCheckout(other, { email: other.email });
    expect(await inStock()).toEqual([]);
    const gone = (await listProducts({ q: breakfast.name })).products.find((p) => p.id === breakfast.id)!;
    expect(gone).toMatchObject({ available: 0, held: 1 });
  });
});
