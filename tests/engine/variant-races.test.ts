/**
 * Races on a product sold in sizes: the variant is the unit of stock. Shoppers racing for the last Ms never stop
 * anyone buying an L; carts mixing variants of several products in any order never deadlock; two lines of one
 * variant are one line, and two variants of one product are two lines that never interfere.
 */
import { vi } from "vitest";

vi.hoisted(() => {
  process.env.RATE_LIMIT_CHECKOUTS_PER_MINUTE = "0";
  // Room for cancels, payments and sweeps to run side by side in this process.
  process.env.DATABASE_POOL_SIZE = "16";
});

import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { db } from "@/db/client";
import { addToCart, getCart, setCartLineQuantity } from "@/lib/cart";
import { cancelCheckout, InsufficientStockError, startCheckout } from "@/lib/checkout";
import { adjustStock, expireStaleHolds, holdCarts, holdQueueStats, reconcileStock } from "@/lib/inventory";
import { fulfilOrder } from "@/lib/orders";
import { TEST_CARDS } from "@/lib/payments";
import { postgresErrorOf, separateDatabasesForFile } from "../support/db";
import { expectDomainError, payInFull, timeTravelHolds, type HoldVerdict } from "../support/fixtures";
import {
  activeHoldsOf,
  makeProductWithVariants,
  shoppersWithVariantCarts,
  shopperWithVariantCart,
  variantLevels,
  variantMovements,
} from "../support/variants";

const CONNECTIONS = 150;
const connections = separateDatabasesForFile(CONNECTIONS);

/** Each shopper starts checkout in its own transaction on its own connection, all at once. */
function startAllOnSeparateConnections(shoppers: { id: string; email: string; cartId: string }[]): Promise<HoldVerdict[]> {
  return Promise.all(
    shoppers.map(async (shopper, i) => {
      const [outcome] = await holdCarts(connections.dbs[i]!, [{ cartId: shopper.cartId, shopperId: shopper.id, email: shopper.email }]);
      return outcome!;
    }),
  );
}

async function expectLedgerAndLevelsAgree() {
  const report = await reconcileStock();
  expect(report.problems).toEqual([]);
  const [oversold] = await db.execute<{ count: number }>(sql`
    select count(*)::int as count from stock_levels where reserved + allocated > on_hand`);
  expect(oversold!.count).toBe(0);
}

describe("100 shoppers race for the last 10 Ms while 50 others buy an L", () => {
  it("on separate connections: exactly 10 M holds, every L buyer held, no L buyer refused because of M", async () => {
    const shirt = await makeProductWithVariants({ S: 4, M: 10, L: 60 });
    const { S, M, L } = shirt.variants as Record<"S" | "M" | "L", { id: string; sku: string }>;
    // M and L shoppers interleaved, so the two sizes' starts really run side by side.
    const wantsM = (i: number) => i % 3 !== 2;
    const carts = Array.from({ length: CONNECTIONS }, (_, i) => [{ variantId: wantsM(i) ? M.id : L.id, quantity: 1 }]);
    const shoppers = await shoppersWithVariantCarts(carts);

    const outcomes = await startAllOnSeparateConnections(shoppers);

    const mOutcomes = outcomes.filter((_, i) => wantsM(i));
    const lOutcomes = outcomes.filter((_, i) => !wantsM(i));
    expect(mOutcomes).toHaveLength(100);
    expect(lOutcomes).toHaveLength(50);
    expect(mOutcomes.filter((o) => o.outcome === "held")).toHaveLength(10);
    for (const refused of mOutcomes.filter((o) => o.outcome !== "held")) {
      expect(refused).toEqual({
        outcome: "insufficient_stock",
        lines: [{ productId: shirt.id, variantId: M.id, requested: 1, available: 0 }],
      });
    }
    expect(lOutcomes.map((o) => o.outcome)).toEqual(Array(50).fill("held"));
    // Every hold is of the variant its cart named.
    for (const [i, o] of outcomes.entries()) {
      if (o.outcome === "held") expect(await activeHoldsOf(o.checkoutId)).toEqual({ [carts[i]![0]!.variantId]: 1 });
    }
    expect(await variantLevels(M.id)).toEqual({ on_hand: 10, reserved: 10, allocated: 0 });
    expect(await variantLevels(L.id)).toEqual({ on_hand: 60, reserved: 50, allocated: 0 });
    expect(await variantLevels(S.id)).toEqual({ on_hand: 4, reserved: 0, allocated: 0 });
    expect(await variantMovements(M.id, "reserve")).toHaveLength(10);
    expect(await variantMovements(L.id, "reserve")).toHaveLength(50);
    await expectLedgerAndLevelsAgree();
  });

  it("through the public startCheckout (batched in process): the same, and each refusal names only the M", async () => {
    const shirt = await makeProductWithVariants({ S: 4, M: 10, L: 60 });
    const { M, L } = shirt.variants as Record<"S" | "M" | "L", { id: string; sku: string }>;
    const wantsM = (i: number) => i % 3 !== 2;
    const shoppers = await shoppersWithVariantCarts(
      Array.from({ length: CONNECTIONS }, (_, i) => [{ variantId: wantsM(i) ? M.id : L.id, quantity: 1 }]),
    );

    const before = holdQueueStats();

    const settled = await Promise.allSettled(shoppers.map((s) => startCheckout(s, { email: s.email })));

    // Starts for different sizes still travel together: a few batches, not one transaction per shopper.
    const after = holdQueueStats();
    expect(after.requests - before.requests).toBe(CONNECTIONS);
    expect(after.batches - before.batches).toBeLessThan(CONNECTIONS / 5);
    const mSettled = settled.filter((_, i) => wantsM(i));
    const lSettled = settled.filter((_, i) => !wantsM(i));
    expect(mSettled.filter((s) => s.status === "fulfilled")).toHaveLength(10);
    expect(lSettled.map((s) => s.status)).toEqual(Array(50).fill("fulfilled"));
    for (const failure of mSettled.flatMap((s) => (s.status === "rejected" ? [s.reason as unknown] : []))) {
      expect(failure).toBeInstanceOf(InsufficientStockError);
      const error = failure as InsufficientStockError;
      expect(error.lines).toEqual([{ productId: shirt.id, variantId: M.id, sku: M.sku, requested: 1, available: 0 }]);
      expect(error.message).toContain(`${shirt.name} — M is sold out`);
      expect(error.message).not.toContain("— L");
    }
    for (const started of lSettled) {
      if (started.status !== "fulfilled") continue;
      expect(started.value.checkout.lines).toEqual([expect.objectContaining({ variantId: L.id, sku: L.sku, options: { Size: "L" }, quantity: 1 })]);
    }
    expect(await variantLevels(M.id)).toEqual({ on_hand: 10, reserved: 10, allocated: 0 });
    expect(await variantLevels(L.id)).toEqual({ on_hand: 60, reserved: 50, allocated: 0 });
    await expectLedgerAndLevelsAgree();
  });
});

type CartOwner = Awaited<ReturnType<typeof shoppersWithVariantCarts>>[number] & { lines: { variantId: string; quantity: number }[] };

/** Runs every task at once and returns the failures, so one error does not hide the others. */
async function runAll(tasks: (() => Promise<unknown>)[]): Promise<unknown[]> {
  const settled = await Promise.allSettled(tasks.map((task) => task()));
  return settled.flatMap((s) => (s.status === "rejected" ? [s.reason as unknown] : []));
}

const describeFailures = (failures: unknown[]) =>
  failures.map((f) => {
    const pg = postgresErrorOf(f);
    return pg.code ? `${pg.code} ${pg.message}` : String(f);
  });

/** Every new hold of a round covers exactly its cart's variant lines; answers how many it checked. */
async function expectWholeHolds(owners: CartOwner[], outcomes: HoldVerdict[]): Promise<number> {
  let checked = 0;
  for (const [i, o] of outcomes.entries()) {
    if (o?.outcome !== "held") continue;
    expect(await activeHoldsOf(o.checkoutId)).toEqual(Object.fromEntries(owners[i]!.lines.map((l) => [l.variantId, l.quantity])));
    checked += 1;
  }
  return checked;
}

/**
 * Three products in three sizes each: shopper i's cart names some of the nine variants forwards, backwards, or
 * sizes of one product from opposite ends of another, each cart in its own order (the rows are locked by variant
 * id, which mixes products).
 */
async function shirtsAndCrossedCarts(count: number, stock: Record<string, number>) {
  const shirts = await Promise.all([0, 1, 2].map(() => makeProductWithVariants(stock)));
  const all = shirts.flatMap((s) => Object.values(s.variants).map((v) => v.id));
  const backwards = [...all].reverse();
  const shapes = [
    all,
    backwards,
    [all[0]!, all[8]!, all[4]!],
    [all[8]!, all[0]!, all[4]!],
    [all[1]!, all[2]!], // two sizes of one product
    [all[2]!, all[1]!, all[5]!, all[7]!],
    backwards.slice(2, 6),
  ];
  const carts = Array.from({ length: count }, (_, i) => shapes[i % shapes.length]!.map((variantId, j) => ({ variantId, quantity: 1 + ((i + j) % 2) })));
  const shoppers = await shoppersWithVariantCarts(carts);
  return { shirts, variantIds: all, owners: shoppers.map((s, i) => ({ ...s, lines: carts[i]! })) };
}

describe("carts mixing variants of several products, in different orders", () => {
  it("60 shoppers on separate connections start and cancel over 10 rounds: no deadlock, no oversell", async () => {
    const { owners } = await shirtsAndCrossedCarts(60, { S: 8, M: 6, L: 7 });
    const active = new Map<number, string>();
    let holds = 0;
    let refusals = 0;
    let checked = 0;

    for (let round = 0; round < 10; round += 1) {
      const outcomes: HoldVerdict[] = Array(owners.length);
      const failures = await runAll(
        owners.map((owner, i) => async () => {
          const previous = active.get(i);
          if (previous && (i + round) % 2 === 0) {
            await cancelCheckout(previous, owner.id);
            active.delete(i);
          }
          const [outcome] = await holdCarts(connections.dbs[i]!, [{ cartId: owner.cartId, shopperId: owner.id, email: owner.email }]);
          outcomes[i] = outcome!;
          if (outcome!.outcome === "held" || outcome!.outcome === "existing") active.set(i, outcome!.checkoutId);
        }),
      );

      expect(describeFailures(failures)).toEqual([]);
      holds += outcomes.filter((o) => o.outcome === "held").length;
      refusals += outcomes.filter((o) => o.outcome === "insufficient_stock").length;
      checked += await expectWholeHolds(owners, outcomes);
      await expectLedgerAndLevelsAgree();
    }
    expect(checked).toBe(holds);
    // Contended both ways: the rounds really raced.
    expect(holds).toBeGreaterThan(20);
    expect(refusals).toBeGreaterThan(20);
  });

  it("starts, cancels, payments, sweeps, per-variant restocks and shipments all at once: no deadlock, no oversell", async () => {
    const { shirts, variantIds, owners } = await shirtsAndCrossedCarts(40, { S: 10, M: 10, L: 10 });
    const productOf = new Map(shirts.flatMap((s) => Object.values(s.variants).map((v) => [v.id, s.id] as const)));
    const active = new Map<number, string>();
    const paidOrders: string[] = [];
    let paid = 0;
    let checked = 0;

    for (let round = 0; round < 8; round += 1) {
      for (const [, checkoutId] of [...active.entries()].filter(([i]) => (i + round) % 3 === 0)) await timeTravelHolds(checkoutId);

      const outcomes: HoldVerdict[] = Array(owners.length);
      const shopperTasks = owners.map((owner, i) => async () => {
        const previous = active.get(i);
        if (previous && (i + round) % 4 === 1) {
          await cancelCheckout(previous, owner.id);
          active.delete(i);
        } else if (previous && (i + round) % 4 === 2) {
          try {
            const order = await payInFull({ checkoutId: previous, shopperId: owner.id, cardNumber: TEST_CARDS.succeeds, idempotencyKey: `round-${round}` });
            paidOrders.push(order.id);
            paid += 1;
            for (const line of owner.lines) await addToCart(owner.id, { variantId: line.variantId }, line.quantity);
          } catch (error) {
            if (!(error instanceof InsufficientStockError)) throw error;
          }
          active.delete(i);
        }
        if (i % 5 === 0) {
          try {
            const { checkout } = await startCheckout(owner, { email: owner.email });
            outcomes[i] = { outcome: "held", checkoutId: checkout.id };
            active.set(i, checkout.id);
          } catch (error) {
            if (!(error instanceof InsufficientStockError)) throw error;
            outcomes[i] = { outcome: "insufficient_stock", lines: error.lines };
          }
          return;
        }
        const [outcome] = await holdCarts(connections.dbs[i]!, [{ cartId: owner.cartId, shopperId: owner.id, email: owner.email }]);
        outcomes[i] = outcome!;
        if (outcome!.outcome === "held" || outcome!.outcome === "existing") active.set(i, outcome!.checkoutId);
      });
      const shipping = paidOrders.splice(0);
      const operatorTasks = [
        () => expireStaleHolds(),
        () => expireStaleHolds({ batchSize: 1 }),
        () => expireStaleHolds({ batchSize: 2 }),
        ...variantIds.map((variantId, j) => () =>
          adjustStock({ productId: productOf.get(variantId)!, variantId, delta: (round + j) % 3, reason: "restock during the sale", actorId: null }),
        ),
        ...shipping.map((orderId) => () => fulfilOrder(orderId, null)),
      ];

      const failures = await runAll([...shopperTasks, ...operatorTasks]);

      expect(describeFailures(failures)).toEqual([]);
      checked += await expectWholeHolds(owners, outcomes);
      await expectLedgerAndLevelsAgree();
    }
    expect(checked).toBeGreaterThan(0);
    expect(paid).toBeGreaterThan(0);
  });
});

describe("lines of variants", () => {
  it("adding one variant twice sums into one line, held as one hold", async () => {
    const shirt = await makeProductWithVariants({ S: 5, M: 5, L: 5 });
    const { M } = shirt.variants;
    const shopper = await shopperWithVariantCart([
      { variantId: M!.id, quantity: 1 },
      { variantId: M!.id, quantity: 2 },
    ]);

    const cart = await getCart(shopper.id);
    expect(cart.lines).toEqual([expect.objectContaining({ variantId: M!.id, sku: M!.sku, options: { Size: "M" }, quantity: 3 })]);
    // The line's key is the variant: setting it changes that one line.
    await setCartLineQuantity(shopper.id, M!.id, 2);
    expect((await getCart(shopper.id)).lines.map((l) => [l.variantId, l.quantity])).toEqual([[M!.id, 2]]);

    const { checkout } = await startCheckout(shopper, { email: shopper.email });
    expect(checkout.lines).toEqual([expect.objectContaining({ variantId: M!.id, quantity: 2 })]);
    expect(await activeHoldsOf(checkout.id)).toEqual({ [M!.id]: 2 });
    expect(await variantLevels(M!.id)).toEqual({ on_hand: 5, reserved: 2, allocated: 0 });
  });

  it("a product in several variants cannot be added by its product id alone (variant_required)", async () => {
    const shirt = await makeProductWithVariants({ S: 5, M: 5 });
    const shopper = await shopperWithVariantCart([]);
    await expectDomainError(addToCart(shopper.id, { productId: shirt.id }, 1), "variant_required");
    await expectDomainError(addToCart(shopper.id, shirt.id, 1), "variant_required");
    expect((await getCart(shopper.id)).lines).toEqual([]);
  });

  it("two variants of one product are two lines: one short refuses the whole cart, naming only that variant", async () => {
    const shirt = await makeProductWithVariants({ S: 5, M: 1, L: 5 });
    const { M, L } = shirt.variants;
    const shopper = await shopperWithVariantCart([
      { variantId: L!.id, quantity: 2 },
      { variantId: M!.id, quantity: 2 },
    ]);
    expect((await getCart(shopper.id)).lines.map((l) => [l.variantId, l.quantity]).sort()).toEqual([[L!.id, 2], [M!.id, 2]].sort());

    const error = await expectDomainError(startCheckout(shopper, { email: shopper.email }), "insufficient_stock");

    expect((error as InsufficientStockError).lines).toEqual([{ productId: shirt.id, variantId: M!.id, sku: M!.sku, requested: 2, available: 1 }]);
    expect(error.message).toContain(`${shirt.name} — M: only 1 left (you asked for 2)`);
    expect(error.message).not.toContain("— L");
    // All or nothing: the L that was there is not held either.
    expect(await variantLevels(L!.id)).toEqual({ on_hand: 5, reserved: 0, allocated: 0 });
    expect(await variantLevels(M!.id)).toEqual({ on_hand: 1, reserved: 0, allocated: 0 });

    // With the M lowered to what is left, both lines are held, each on its own variant.
    await setCartLineQuantity(shopper.id, M!.id, 1);
    const { checkout } = await startCheckout(shopper, { email: shopper.email });
    expect(await activeHoldsOf(checkout.id)).toEqual({ [M!.id]: 1, [L!.id]: 2 });
    expect(await variantLevels(L!.id)).toEqual({ on_hand: 5, reserved: 2, allocated: 0 });
    expect(await variantLevels(M!.id)).toEqual({ on_hand: 1, reserved: 1, allocated: 0 });
  });

  it("a sold-out M never stops an L of the same product, and holding an L never takes from the M", async () => {
    const shirt = await makeProductWithVariants({ M: 1, L: 3 });
    const { M, L } = shirt.variants;
    const first = await shopperWithVariantCart([{ variantId: M!.id, quantity: 1 }]);
    await startCheckout(first, { email: first.email });
    const lBuyers = await Promise.all([1, 2, 3].map(() => shopperWithVariantCart([{ variantId: L!.id, quantity: 1 }])));
    const mBuyer = await shopperWithVariantCart([{ variantId: M!.id, quantity: 1 }]);

    const [mStart, ...lStarts] = await Promise.allSettled([mBuyer, ...lBuyers].map((s) => startCheckout(s, { email: s.email })));

    expect(mStart!.status).toBe("rejected");
    expect(lStarts.map((s) => s.status)).toEqual(["fulfilled", "fulfilled", "fulfilled"]);
    expect(await variantLevels(M!.id)).toEqual({ on_hand: 1, reserved: 1, allocated: 0 });
    expect(await variantLevels(L!.id)).toEqual({ on_hand: 3, reserved: 3, allocated: 0 });
    await expectLedgerAndLevelsAgree();
  });
});
