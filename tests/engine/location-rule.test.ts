/**
 * The holding rule over stock locations: a line takes its units from the active locations in priority order
 * (lowest first), splitting when one is short; a cart is still all or nothing; a deactivated location takes no new
 * hold but its live holds stay valid, are paid there and shipped from there; a lapsed checkout is held afresh by
 * the same rule; payment allocates exactly the held (variant, location) units, a cancelled order gives back exactly
 * those, and fulfilment ships one location's part at a time. The ledger agrees with the levels after every step.
 *
 * Each test makes its own locations, with priorities that differ from the order they were made in (and so from
 * any order of their ids), and stocks its own products there.
 */
import { vi } from "vitest";

vi.hoisted(() => {
  process.env.RATE_LIMIT_CHECKOUTS_PER_MINUTE = "0";
});

import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { db } from "@/db/client";
import { setCartLineQuantity } from "@/lib/cart";
import { getCheckout, InsufficientStockError, startCheckout } from "@/lib/checkout";
import { adjustStock, reconcileStock, updateLocation } from "@/lib/inventory";
import { cancelOrder, fulfilOrder } from "@/lib/orders";
import { setPaymentProvider, TEST_CARDS } from "@/lib/payments";
import { testPaymentProvider } from "@/lib/payments/test-provider";
import { checkoutStatus, expectDomainError, MAIN_LOCATION_ID, payInFull, timeTravelHolds } from "../support/fixtures";
import { allocationsOf, at, holdRowsOf, levelsAtOnly, makeLocations, movementsAt, stockAt } from "../support/locations";
import { makeProductWithVariants, shopperWithVariantCart } from "../support/variants";
import { until } from "../support/wait";

async function expectReconciled() {
  const report = await reconcileStock();
  expect(report.problems).toEqual([]);
}

/** A one-size product with no stock anywhere yet; its variant. */
async function emptyProduct(stock: Record<string, number> = { One: 0 }) {
  const product = await makeProductWithVariants(stock);
  return { product, variant: Object.values(product.variants)[0]! };
}

async function startFor(lines: { variantId: string; quantity: number }[]) {
  const shopper = await shopperWithVariantCart(lines);
  const { checkout } = await startCheckout(shopper, { email: shopper.email });
  return { shopper, checkout };
}

describe("a line takes from the active locations in priority order", () => {
  it("first the lowest priority, splitting over the next ones when it is short; refused when all are short", async () => {
    // Made in the order x, y, z; the rule's order is y (100), z (200), x (300). Main (priority 0) comes first.
    const [x, y, z] = await makeLocations([300, 100, 200]);
    const { product, variant } = await emptyProduct();
    await stockAt(product.id, variant.id, { [MAIN_LOCATION_ID]: 1, [x!.id]: 5, [y!.id]: 2, [z!.id]: 3 });
    const where = [MAIN_LOCATION_ID, y!.id, z!.id, x!.id];

    const first = await startFor([{ variantId: variant.id, quantity: 4 }]);
    expect(await holdRowsOf(first.checkout.id)).toEqual({
      [at(variant.id, MAIN_LOCATION_ID)]: 1,
      [at(variant.id, y!.id)]: 2,
      [at(variant.id, z!.id)]: 1,
    });
    expect(first.checkout.lines).toEqual([expect.objectContaining({ variantId: variant.id, quantity: 4 })]);
    // Read back, as the checkout page and GET /api/checkout/{id} show it: still one line of 4.
    expect((await getCheckout(first.checkout.id, first.shopper.id)).lines).toEqual([
      expect.objectContaining({ variantId: variant.id, quantity: 4, unitPriceCents: first.checkout.lines[0]!.unitPriceCents }),
    ]);
    expect(await levelsAtOnly(variant.id, where)).toEqual({
      [MAIN_LOCATION_ID]: { on_hand: 1, reserved: 1, allocated: 0 },
      [y!.id]: { on_hand: 2, reserved: 2, allocated: 0 },
      [z!.id]: { on_hand: 3, reserved: 1, allocated: 0 },
      [x!.id]: { on_hand: 5, reserved: 0, allocated: 0 },
    });
    await expectReconciled();

    const second = await startFor([{ variantId: variant.id, quantity: 6 }]);
    expect(await holdRowsOf(second.checkout.id)).toEqual({ [at(variant.id, z!.id)]: 2, [at(variant.id, x!.id)]: 4 });
    // One reserve ledger row per location drawn on.
    expect((await movementsAt(variant.id, z!.id, "reserve")).map((m) => [m.checkout_id, m.reserved_delta])).toEqual([
      [first.checkout.id, 1],
      [second.checkout.id, 2],
    ]);

    // One unit is left (at x): a line of 2 is refused with what the locations have together, nothing taken.
    const shopper = await shopperWithVariantCart([{ variantId: variant.id, quantity: 2 }]);
    const error = await expectDomainError(startCheckout(shopper, { email: shopper.email }), "insufficient_stock");
    expect((error as InsufficientStockError).lines).toEqual([expect.objectContaining({ variantId: variant.id, requested: 2, available: 1 })]);
    expect(await levelsAtOnly(variant.id, where)).toEqual({
      [MAIN_LOCATION_ID]: { on_hand: 1, reserved: 1, allocated: 0 },
      [y!.id]: { on_hand: 2, reserved: 2, allocated: 0 },
      [z!.id]: { on_hand: 3, reserved: 3, allocated: 0 },
      [x!.id]: { on_hand: 5, reserved: 4, allocated: 0 },
    });
    await expectReconciled();
  });

  it("a cart of several lines over several locations is held all or nothing", async () => {
    const [a, b] = await makeLocations([60, 50]);
    const shirt = await makeProductWithVariants({ S: 0, M: 0 });
    const { S, M } = shirt.variants as Record<"S" | "M", { id: string }>;
    await stockAt(shirt.id, S.id, { [a!.id]: 2, [b!.id]: 2 });
    await stockAt(shirt.id, M.id, { [a!.id]: 1, [b!.id]: 1 });
    const where = [a!.id, b!.id];

    // S is there (over two locations), M is short: nothing is held, at either location.
    const shopper = await shopperWithVariantCart([
      { variantId: S.id, quantity: 3 },
      { variantId: M.id, quantity: 3 },
    ]);
    const error = await expectDomainError(startCheckout(shopper, { email: shopper.email }), "insufficient_stock");
    expect((error as InsufficientStockError).lines).toEqual([expect.objectContaining({ variantId: M.id, requested: 3, available: 2 })]);
    expect(await levelsAtOnly(S.id, where)).toEqual({
      [a!.id]: { on_hand: 2, reserved: 0, allocated: 0 },
      [b!.id]: { on_hand: 2, reserved: 0, allocated: 0 },
    });
    expect(await levelsAtOnly(M.id, where)).toEqual({
      [a!.id]: { on_hand: 1, reserved: 0, allocated: 0 },
      [b!.id]: { on_hand: 1, reserved: 0, allocated: 0 },
    });

    const held = await startFor([
      { variantId: S.id, quantity: 3 },
      { variantId: M.id, quantity: 2 },
    ]);
    expect(await holdRowsOf(held.checkout.id)).toEqual({
      [at(S.id, b!.id)]: 2,
      [at(S.id, a!.id)]: 1,
      [at(M.id, b!.id)]: 1,
      [at(M.id, a!.id)]: 1,
    });
    await expectReconciled();
  });
});

describe("a checkout started again after its cart changed", () => {
  it("is held afresh by the rule, its old holds counting as free; refused, it keeps the old holds where they were", async () => {
    const [first, second] = await makeLocations([35, 36]);
    const { product, variant } = await emptyProduct();
    await stockAt(product.id, variant.id, { [first!.id]: 2, [second!.id]: 3 });
    const where = [first!.id, second!.id];
    const buyer = await startFor([{ variantId: variant.id, quantity: 3 }]);
    expect(await holdRowsOf(buyer.checkout.id)).toEqual({ [at(variant.id, first!.id)]: 2, [at(variant.id, second!.id)]: 1 });
    const other = await startFor([{ variantId: variant.id, quantity: 1 }]);
    expect(await holdRowsOf(other.checkout.id)).toEqual({ [at(variant.id, second!.id)]: 1 });

    // One more: the 3 it holds come back for the new hold, which takes 4 by the rule (2 + 2).
    await setCartLineQuantity(buyer.shopper.id, variant.id, 4);
    const { checkout: again } = await startCheckout(buyer.shopper, { email: buyer.shopper.email });
    expect(again.id).not.toBe(buyer.checkout.id);
    expect(await holdRowsOf(again.id)).toEqual({ [at(variant.id, first!.id)]: 2, [at(variant.id, second!.id)]: 2 });
    expect(await holdRowsOf(buyer.checkout.id)).toEqual({});
    expect(await levelsAtOnly(variant.id, where)).toEqual({
      [first!.id]: { on_hand: 2, reserved: 2, allocated: 0 },
      [second!.id]: { on_hand: 3, reserved: 3, allocated: 0 },
    });
    await expectReconciled();

    // One more again is more than there is: refused, and the hold it has stays where it was.
    await setCartLineQuantity(buyer.shopper.id, variant.id, 5);
    await expectDomainError(startCheckout(buyer.shopper, { email: buyer.shopper.email }), "insufficient_stock");
    expect(await holdRowsOf(again.id)).toEqual({ [at(variant.id, first!.id)]: 2, [at(variant.id, second!.id)]: 2 });
    expect(await levelsAtOnly(variant.id, where)).toEqual({
      [first!.id]: { on_hand: 2, reserved: 2, allocated: 0 },
      [second!.id]: { on_hand: 3, reserved: 3, allocated: 0 },
    });
    await expectReconciled();
  });
});

describe("a deactivated location", () => {
  it("takes no new hold, but its live holds stay valid, are paid for there and shipped from there", async () => {
    const [near, far] = await makeLocations([10, 20]);
    const { product, variant } = await emptyProduct();
    await stockAt(product.id, variant.id, { [near!.id]: 3, [far!.id]: 3 });
    const where = [near!.id, far!.id];

    const early = await startFor([{ variantId: variant.id, quantity: 2 }]);
    expect(await holdRowsOf(early.checkout.id)).toEqual({ [at(variant.id, near!.id)]: 2 });

    await updateLocation(near!.id, { active: false });

    // The near location's free unit is no longer for sale: new holds go to the far one only.
    const later = await startFor([{ variantId: variant.id, quantity: 2 }]);
    expect(await holdRowsOf(later.checkout.id)).toEqual({ [at(variant.id, far!.id)]: 2 });
    const shopper = await shopperWithVariantCart([{ variantId: variant.id, quantity: 2 }]);
    const error = await expectDomainError(startCheckout(shopper, { email: shopper.email }), "insufficient_stock");
    expect((error as InsufficientStockError).lines).toEqual([expect.objectContaining({ requested: 2, available: 1 })]);
    // Nor can it be restocked while inactive.
    await expectDomainError(
      adjustStock({ productId: product.id, variantId: variant.id, locationId: near!.id, delta: 1, reason: "restock", actorId: null }),
      "location_inactive",
    );

    // The early hold is still the shopper's: paid, it is allocated where it was held.
    const order = await payInFull({ checkoutId: early.checkout.id, shopperId: early.shopper.id, cardNumber: TEST_CARDS.succeeds, idempotencyKey: "early" });
    expect(await allocationsOf(order.id)).toEqual({ [at(variant.id, near!.id)]: { quantity: 2, fulfilled: 0 } });
    expect(await levelsAtOnly(variant.id, where)).toEqual({
      [near!.id]: { on_hand: 3, reserved: 0, allocated: 2 },
      [far!.id]: { on_hand: 3, reserved: 2, allocated: 0 },
    });
    await expectReconciled();

    // And shipped from there.
    const shipped = await fulfilOrder(order.id, null, { locationId: near!.id });
    expect(shipped.status).toBe("fulfilled");
    expect(await levelsAtOnly(variant.id, where)).toEqual({
      [near!.id]: { on_hand: 1, reserved: 0, allocated: 0 },
      [far!.id]: { on_hand: 3, reserved: 2, allocated: 0 },
    });
    expect(await allocationsOf(order.id)).toEqual({ [at(variant.id, near!.id)]: { quantity: 2, fulfilled: 2 } });
    await expectReconciled();
  });
});

describe("a checkout whose holds lapsed", () => {
  it("is held afresh by the same rule when paid, at other locations if its own were taken meanwhile", async () => {
    const [first, second] = await makeLocations([40, 45]);
    const { product, variant } = await emptyProduct();
    await stockAt(product.id, variant.id, { [first!.id]: 3, [second!.id]: 5 });
    const where = [first!.id, second!.id];

    const lapsing = await startFor([{ variantId: variant.id, quantity: 4 }]);
    expect(await holdRowsOf(lapsing.checkout.id)).toEqual({ [at(variant.id, first!.id)]: 3, [at(variant.id, second!.id)]: 1 });
    await timeTravelHolds(lapsing.checkout.id);

    // Another shopper takes two of the first location's units, freed by the lapse.
    const other = await startFor([{ variantId: variant.id, quantity: 2 }]);
    expect(await holdRowsOf(other.checkout.id)).toEqual({ [at(variant.id, first!.id)]: 2 });

    // Paying revives the lapsed checkout: its 4 units are taken by the rule from what is free now.
    const order = await payInFull({
      checkoutId: lapsing.checkout.id,
      shopperId: lapsing.shopper.id,
      cardNumber: TEST_CARDS.succeeds,
      idempotencyKey: "revived",
    });
    expect(await allocationsOf(order.id)).toEqual({
      [at(variant.id, first!.id)]: { quantity: 1, fulfilled: 0 },
      [at(variant.id, second!.id)]: { quantity: 3, fulfilled: 0 },
    });
    expect(await holdRowsOf(lapsing.checkout.id, "allocated")).toEqual({ [at(variant.id, first!.id)]: 1, [at(variant.id, second!.id)]: 3 });
    expect(await levelsAtOnly(variant.id, where)).toEqual({
      [first!.id]: { on_hand: 3, reserved: 2, allocated: 1 },
      [second!.id]: { on_hand: 5, reserved: 0, allocated: 3 },
    });
    await expectReconciled();
  });

  it("whose units are gone at every active location is refused, and nothing is taken", async () => {
    const [first, second] = await makeLocations([41, 46]);
    const { product, variant } = await emptyProduct();
    await stockAt(product.id, variant.id, { [first!.id]: 2, [second!.id]: 2 });
    const lapsing = await startFor([{ variantId: variant.id, quantity: 2 }]);
    await timeTravelHolds(lapsing.checkout.id);
    const other = await startFor([{ variantId: variant.id, quantity: 2 }]);
    expect(await holdRowsOf(other.checkout.id)).toEqual({ [at(variant.id, first!.id)]: 2 });
    // The second location's two units are free, but it is deactivated: they cannot take the lapsed line.
    await updateLocation(second!.id, { active: false });

    await expectDomainError(
      payInFull({ checkoutId: lapsing.checkout.id, shopperId: lapsing.shopper.id, cardNumber: TEST_CARDS.succeeds, idempotencyKey: "gone" }),
      "insufficient_stock",
    );
    expect(await levelsAtOnly(variant.id, [first!.id, second!.id])).toEqual({
      [first!.id]: { on_hand: 2, reserved: 2, allocated: 0 },
      [second!.id]: { on_hand: 2, reserved: 0, allocated: 0 },
    });
    await expectReconciled();
  });
});

describe("a payment the bank confirms after the checkout's holds lapsed", () => {
  it("allocates the order by the rule from what is free when it is placed", async () => {
    const [first, second] = await makeLocations([55, 56]);
    const { product, variant } = await emptyProduct();
    await stockAt(product.id, variant.id, { [first!.id]: 2, [second!.id]: 4 });
    const buyer = await startFor([{ variantId: variant.id, quantity: 3 }]);
    expect(await holdRowsOf(buyer.checkout.id)).toEqual({ [at(variant.id, first!.id)]: 2, [at(variant.id, second!.id)]: 1 });
    // The provider's answer waits while the holds lapse and another shopper takes the first location's units.
    let answer!: () => void;
    const answered = new Promise<void>((resolve) => (answer = resolve));
    setPaymentProvider({
      ...testPaymentProvider,
      authorize: async (request) => {
        await answered;
        return testPaymentProvider.authorize(request);
      },
    });
    try {
      const paying = payInFull({ checkoutId: buyer.checkout.id, shopperId: buyer.shopper.id, cardNumber: TEST_CARDS.succeeds, idempotencyKey: "slow" });
      await until("the checkout being paid", async () => (await checkoutStatus(buyer.checkout.id)) === "paying");
      await timeTravelHolds(buyer.checkout.id);
      const other = await startFor([{ variantId: variant.id, quantity: 2 }]);
      expect(await holdRowsOf(other.checkout.id)).toEqual({ [at(variant.id, first!.id)]: 2 });
      answer();
      const order = await paying;

      expect(await allocationsOf(order.id)).toEqual({ [at(variant.id, second!.id)]: { quantity: 3, fulfilled: 0 } });
      expect(await levelsAtOnly(variant.id, [first!.id, second!.id])).toEqual({
        [first!.id]: { on_hand: 2, reserved: 2, allocated: 0 },
        [second!.id]: { on_hand: 4, reserved: 0, allocated: 3 },
      });
      await expectReconciled();
    } finally {
      answer();
      setPaymentProvider(undefined);
    }
  });
});

describe("an order over several locations", () => {
  it("is allocated exactly where it was held, and a cancel after its payment failed gives back exactly that", async () => {
    const [a, b, c] = await makeLocations([70, 71, 72]);
    const shirt = await makeProductWithVariants({ S: 0, M: 0 });
    const { S, M } = shirt.variants as Record<"S" | "M", { id: string }>;
    await stockAt(shirt.id, S.id, { [a!.id]: 2, [b!.id]: 4, [c!.id]: 9 });
    await stockAt(shirt.id, M.id, { [b!.id]: 1, [c!.id]: 9 });

    const buyer = await startFor([
      { variantId: S.id, quantity: 5 },
      { variantId: M.id, quantity: 2 },
    ]);
    const held = { [at(S.id, a!.id)]: 2, [at(S.id, b!.id)]: 3, [at(M.id, b!.id)]: 1, [at(M.id, c!.id)]: 1 };
    expect(await holdRowsOf(buyer.checkout.id)).toEqual(held);

    // The card authorizes but its capture fails: the order stands, its units allocated where they were held.
    const order = await payInFull({
      checkoutId: buyer.checkout.id,
      shopperId: buyer.shopper.id,
      cardNumber: TEST_CARDS.captureFailsOnce,
      idempotencyKey: "fails-later",
    });
    expect(await allocationsOf(order.id)).toEqual(Object.fromEntries(Object.entries(held).map(([k, n]) => [k, { quantity: n, fulfilled: 0 }])));
    expect(await levelsAtOnly(S.id, [a!.id, b!.id, c!.id])).toEqual({
      [a!.id]: { on_hand: 2, reserved: 0, allocated: 2 },
      [b!.id]: { on_hand: 4, reserved: 0, allocated: 3 },
      [c!.id]: { on_hand: 9, reserved: 0, allocated: 0 },
    });
    expect(await levelsAtOnly(M.id, [b!.id, c!.id])).toEqual({
      [b!.id]: { on_hand: 1, reserved: 0, allocated: 1 },
      [c!.id]: { on_hand: 9, reserved: 0, allocated: 1 },
    });
    await expectReconciled();

    // The provider gives the authorization back; the order is cancelled and every unit returns where it was.
    await db.execute(sql`update payments set status = 'voided' where order_id = ${order.id}`);
    const cancelled = await cancelOrder(order.id, null, "authorization given back");
    expect(cancelled.status).toBe("cancelled");
    for (const [variantId, locationIds] of [
      [S.id, [a!.id, b!.id, c!.id]],
      [M.id, [b!.id, c!.id]],
    ] as const) {
      const now = await levelsAtOnly(variantId, [...locationIds]);
      for (const id of locationIds) expect(now[id]).toMatchObject({ reserved: 0, allocated: 0 });
    }
    const released = await db.execute<{ variant_id: string; location_id: string; allocated_delta: number }>(sql`
      select variant_id, location_id, allocated_delta from stock_movements where order_id = ${order.id} and kind = 'release'`);
    expect(Object.fromEntries(released.map((r) => [at(r.variant_id, r.location_id), -r.allocated_delta]))).toEqual(held);
    await expectReconciled();
  });

  it("is fulfilled one location at a time: partially_fulfilled, then fulfilled", async () => {
    const [a, b] = await makeLocations([80, 81]);
    const { product, variant } = await emptyProduct();
    await stockAt(product.id, variant.id, { [a!.id]: 2, [b!.id]: 5 });
    const buyer = await startFor([{ variantId: variant.id, quantity: 5 }]);
    const order = await payInFull({ checkoutId: buyer.checkout.id, shopperId: buyer.shopper.id, cardNumber: TEST_CARDS.succeeds, idempotencyKey: "ship" });
    expect(await allocationsOf(order.id)).toEqual({
      [at(variant.id, a!.id)]: { quantity: 2, fulfilled: 0 },
      [at(variant.id, b!.id)]: { quantity: 3, fulfilled: 0 },
    });

    // A location that does not exist: 404, nothing shipped.
    await expectDomainError(fulfilOrder(order.id, null, { locationId: randomUUID() }), "not_found");
    expect(await movementsAt(variant.id, a!.id, "fulfil")).toHaveLength(0);

    const part = await fulfilOrder(order.id, null, { locationId: b!.id });
    expect(part.status).toBe("partially_fulfilled");
    expect(part.lines).toEqual([
      expect.objectContaining({
        variantId: variant.id,
        allocations: [
          expect.objectContaining({ locationId: a!.id, quantity: 2, fulfilled: 0 }),
          expect.objectContaining({ locationId: b!.id, quantity: 3, fulfilled: 3 }),
        ],
      }),
    ]);
    expect(await levelsAtOnly(variant.id, [a!.id, b!.id])).toEqual({
      [a!.id]: { on_hand: 2, reserved: 0, allocated: 2 },
      [b!.id]: { on_hand: 2, reserved: 0, allocated: 0 },
    });
    await expectReconciled();
    // Shipping the same location again changes nothing.
    expect((await fulfilOrder(order.id, null, { locationId: b!.id })).status).toBe("partially_fulfilled");
    expect(await movementsAt(variant.id, b!.id, "fulfil")).toHaveLength(1);
    // A part shipped: the order can no longer be cancelled as a failed payment would be.
    await db.execute(sql`update payments set status = 'voided' where order_id = ${order.id}`);
    await expectDomainError(cancelOrder(order.id, null, "too late"), "conflict");
    await db.execute(sql`update payments set status = 'captured' where order_id = ${order.id}`);

    const rest = await fulfilOrder(order.id, null, { locationId: a!.id });
    expect(rest.status).toBe("fulfilled");
    expect(await levelsAtOnly(variant.id, [a!.id, b!.id])).toEqual({
      [a!.id]: { on_hand: 0, reserved: 0, allocated: 0 },
      [b!.id]: { on_hand: 2, reserved: 0, allocated: 0 },
    });
    expect(await allocationsOf(order.id)).toEqual({
      [at(variant.id, a!.id)]: { quantity: 2, fulfilled: 2 },
      [at(variant.id, b!.id)]: { quantity: 3, fulfilled: 3 },
    });
    await expectReconciled();
  });
});
