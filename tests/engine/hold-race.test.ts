/**
 * A flash sale: many shoppers start checkout for the last units at the same moment. PostgreSQL alone decides who
 * gets them; no one is oversold and every refusal tells the truth about what is left.
 */
import { vi } from "vitest";

vi.hoisted(() => {
  // 200 starts by one process must not be throttled by the per-shopper limit (each shopper starts once anyway).
  process.env.RATE_LIMIT_CHECKOUTS_PER_MINUTE = "0";
});

import { describe, expect, it } from "vitest";
import { startCheckout, InsufficientStockError } from "@/lib/checkout";
import { holdCarts, reconcileStock } from "@/lib/inventory";
import { separateDatabasesForFile } from "../support/db";
import { levels, makeProduct, movements, sellUnits, shoppersWithCarts, type HoldVerdict } from "../support/fixtures";

const SHOPPERS = 200;
const connections = separateDatabasesForFile(SHOPPERS);

/** A product whose last `left` units are for sale: the rest of its stock is already sold. */
async function productWithLastUnits(left: number, sold = 5) {
  const product = await makeProduct(left + sold);
  await sellUnits(product.id, sold);
  expect(await levels(product.id)).toMatchObject({ on_hand: left + sold, reserved: 0, allocated: sold });
  return product;
}

async function shoppersWanting(productId: string, quantities: number[]) {
  const shoppers = await shoppersWithCarts(quantities.map((quantity) => [{ productId, quantity }]));
  return shoppers.map((shopper, i) => ({ ...shopper, quantity: quantities[i]! }));
}

/** Each shopper starts checkout in its own transaction on its own connection, all at once. */
async function startAllOnSeparateConnections(shoppers: { id: string; email: string; cartId: string }[]) {
  return Promise.all(
    shoppers.map(async (shopper, i) => {
      const [outcome] = await holdCarts(connections.dbs[i]!, [
        { cartId: shopper.cartId, shopperId: shopper.id, email: shopper.email },
      ]);
      return outcome!;
    }),
  );
}

/**
 * Checks a race's outcomes against the order in which PostgreSQL granted the holds (the ledger's reserve rows,
 * numbered while the stock row was locked): every hold fitted when it was made, and every refusal reported the
 * units that were really left at its turn and asked for more than that.
 */
async function expectFairRace(
  productId: string,
  stock: number,
  shoppers: { quantity: number }[],
  outcomes: HoldVerdict[],
) {
  const reserves = await movements({ productId, kind: "reserve" });
  const heldOutcomes = outcomes.flatMap((o, i) => (o.outcome === "held" ? [{ i, checkoutId: o.checkoutId }] : []));
  const refusals = outcomes.flatMap((o, i) => (o.outcome === "insufficient_stock" ? [{ i, lines: o.lines }] : []));
  expect(heldOutcomes.length + refusals.length).toBe(outcomes.length);

  // The reserve rows of this race are exactly the winners' holds, with the quantities they asked for.
  const raceReserves = reserves.filter((r) => heldOutcomes.some((h) => h.checkoutId === r.checkout_id));
  expect(raceReserves).toHaveLength(heldOutcomes.length);
  for (const held of heldOutcomes) {
    const row = raceReserves.find((r) => r.checkout_id === held.checkoutId)!;
    expect(row.reserved_delta).toBe(shoppers[held.i]!.quantity);
  }

  // What was left after each successive hold, in the order PostgreSQL granted them.
  const leftAfter = [stock];
  for (const row of raceReserves) leftAfter.push(leftAfter.at(-1)! - row.reserved_delta);
  const finallyLeft = leftAfter.at(-1)!;
  expect(finallyLeft).toBeGreaterThanOrEqual(0);

  for (const refusal of refusals) {
    const wanted = shoppers[refusal.i]!.quantity;
    expect(refusal.lines).toEqual([
      expect.objectContaining({ productId, variantId: expect.any(String), requested: wanted, available: expect.any(Number) }),
    ]);
    const reported = refusal.lines[0]!.available;
    expect(reported).toBeLessThan(wanted);
    expect(leftAfter).toContain(reported);
    // Stock only shrinks during the race, so no refused shopper could have fitted at the end either.
    expect(wanted).toBeGreaterThan(finallyLeft);
  }
  // Counted from the answers alone (not the ledger): the units the winners asked for.
  const wantedByWinners = heldOutcomes.reduce((sum, h) => sum + shoppers[h.i]!.quantity, 0);
  return { held: stock - finallyLeft, left: finallyLeft, winners: heldOutcomes.length, wantedByWinners };
}

describe("200 shoppers race for the last 10 units", () => {
  it("on 200 separate connections: exactly 10 holds succeed and 190 refusals report available 0", async () => {
    const product = await productWithLastUnits(10);
    const shoppers = await shoppersWanting(product.id, Array(SHOPPERS).fill(1));

    const outcomes = await startAllOnSeparateConnections(shoppers);

    const held = outcomes.filter((o) => o.outcome === "held");
    const refused = outcomes.filter((o) => o.outcome === "insufficient_stock");
    expect(held).toHaveLength(10);
    expect(refused).toHaveLength(190);
    for (const o of refused) {
      expect(o).toEqual({
        outcome: "insufficient_stock",
        lines: [{ productId: product.id, variantId: product.variantId, requested: 1, available: 0 }],
      });
    }
    expect(new Set(held.map((o) => (o.outcome === "held" ? o.checkoutId : ""))).size).toBe(10);
    expect(await levels(product.id)).toEqual({ on_hand: 15, reserved: 10, allocated: 5 });
    // One reserve row for the earlier sale, one per winner: the losers left no trace in the ledger.
    expect(await movements({ productId: product.id, kind: "reserve" })).toHaveLength(1 + 10);
    expect(await reconcileStock()).toMatchObject({ ok: true, problems: [] });
  });

  it("through the public startCheckout (batched in process): exactly 10 checkouts and 190 insufficient_stock with available 0", async () => {
    const product = await productWithLastUnits(10);
    const shoppers = await shoppersWanting(product.id, Array(SHOPPERS).fill(1));

    const settled = await Promise.allSettled(shoppers.map((s) => startCheckout(s, { email: s.email })));

    const started = settled.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
    const failures = settled.flatMap((r) => (r.status === "rejected" ? [r.reason as unknown] : []));
    expect(started).toHaveLength(10);
    expect(started.map((s) => [s.created, s.checkout.status])).toEqual(Array(10).fill([true, "active"]));
    expect(failures).toHaveLength(190);
    for (const failure of failures) {
      expect(failure).toBeInstanceOf(InsufficientStockError);
      expect((failure as InsufficientStockError).lines).toEqual([
        { productId: product.id, variantId: product.variantId, sku: product.slug.toUpperCase(), requested: 1, available: 0 },
      ]);
    }
    expect(await levels(product.id)).toEqual({ on_hand: 15, reserved: 10, allocated: 5 });
    expect(await reconcileStock()).toMatchObject({ ok: true, problems: [] });
  });
});

describe("200 shoppers wanting 1 to 3 units race for 37", () => {
  const quantities = Array.from({ length: SHOPPERS }, (_, i) => (i % 3) + 1);

  it("on separate connections: holds never pass the stock, and each refusal reports what was truly left at its turn", async () => {
    const product = await productWithLastUnits(37);
    const shoppers = await shoppersWanting(product.id, quantities);

    const outcomes = await startAllOnSeparateConnections(shoppers);

    const result = await expectFairRace(product.id, 37, shoppers, outcomes);
    // Demand (400 units) far exceeds stock, so the shelf ends with less than the smallest refused wish.
    expect(result.held).toBe(result.wantedByWinners);
    expect(result.left).toBe(37 - result.wantedByWinners);
    expect(result.left).toBeLessThan(3);
    expect(await levels(product.id)).toEqual({ on_hand: 42, reserved: result.held, allocated: 5 });
    expect(await reconcileStock()).toMatchObject({ ok: true, problems: [] });
  });

  it("through the public startCheckout: the same guarantees when starts are batched in process", async () => {
    const product = await productWithLastUnits(37);
    const shoppers = await shoppersWanting(product.id, quantities);

    const outcomes: HoldVerdict[] = await Promise.all(
      shoppers.map((s) =>
        startCheckout(s, { email: s.email }).then(
          ({ checkout }): HoldVerdict => ({ outcome: "held", checkoutId: checkout.id }),
          (error: unknown): HoldVerdict => {
            if (!(error instanceof InsufficientStockError)) throw error;
            return { outcome: "insufficient_stock", lines: error.lines };
          },
        ),
      ),
    );

    const result = await expectFairRace(product.id, 37, shoppers, outcomes);
    expect(result.held).toBe(result.wantedByWinners);
    expect(result.left).toBeLessThan(3);
    expect(await levels(product.id)).toEqual({ on_hand: 42, reserved: result.held, allocated: 5 });
    expect(await reconcileStock()).toMatchObject({ ok: true, problems: [] });
  });
});
