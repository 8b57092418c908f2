/**
 * Races over stock kept at several locations, on real parallel connections: shoppers for the last units spread
 * over three locations, holds racing transfers and write-offs at the same location, an admin deactivating a
 * location mid-sale, and multi-line carts over several locations held, cancelled, paid, swept, moved and shipped
 * all at once. Every transaction locks stock rows in (variant id, location id) order, so none may deadlock
 * (PostgreSQL would abort one with 40P01), and no stock row may ever be oversold.
 */
import { vi } from "vitest";

vi.hoisted(() => {
  process.env.RATE_LIMIT_CHECKOUTS_PER_MINUTE = "0";
  // Room for cancels, payments, transfers and sweeps to run side by side in this process.
  process.env.DATABASE_POOL_SIZE = "16";
});

import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { db } from "@/db/client";
import { addToCart } from "@/lib/cart";
import { cancelCheckout, InsufficientStockError, startCheckout } from "@/lib/checkout";
import { adjustStock, expireStaleHolds, holdCarts, holdQueueStats, reconcileStock, transferStock, updateLocation } from "@/lib/inventory";
import { fulfilOrder } from "@/lib/orders";
import { TEST_CARDS } from "@/lib/payments";
import { DomainError } from "@/lib/platform/errors";
import { postgresErrorOf, separateDatabasesForFile } from "../support/db";
import { payInFull, timeTravelHolds, type HoldVerdict } from "../support/fixtures";
import { levelsAtOnly, makeLocations, stockAt } from "../support/locations";
import { makeProductWithVariants, shoppersWithVariantCarts } from "../support/variants";

const CONNECTIONS = 120;
const connections = separateDatabasesForFile(CONNECTIONS);

type Shopper = { id: string; email: string; cartId: string };

/** One shopper's start, in its own transaction on its own connection. */
async function startOn(i: number, shopper: Shopper): Promise<HoldVerdict> {
  const [outcome] = await holdCarts(connections.dbs[i]!, [{ cartId: shopper.cartId, shopperId: shopper.id, email: shopper.email }]);
  return outcome!;
}

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

async function expectLedgerAndLevelsAgree() {
  const report = await reconcileStock();
  expect(report.problems).toEqual([]);
  const [broken] = await db.execute<{ count: number }>(sql`
    select count(*)::int as count from stock_levels
    where reserved + allocated > on_hand or on_hand < 0 or reserved < 0 or allocated < 0`);
  expect(broken!.count).toBe(0);
}

/** Active hold units of a variant per location. */
async function heldUnitsAt(variantId: string): Promise<Record<string, number>> {
  const rows = await db.execute<{ location_id: string; units: number }>(sql`
    select location_id, sum(quantity)::int as units from reservations
    where variant_id = ${variantId} and status = 'active' group by location_id`);
  return Object.fromEntries(rows.map((r) => [r.location_id, r.units]));
}

describe("shoppers for the last units spread over three locations", () => {
  it("120 shoppers on separate connections for 90 units at three locations: exactly 90 holds, every location emptied exactly", async () => {
    const [a, b, c] = await makeLocations([12, 10, 11]);
    const product = await makeProductWithVariants({ One: 0 });
    const variant = product.variants.One!;
    await stockAt(product.id, variant.id, { [a!.id]: 30, [b!.id]: 30, [c!.id]: 30 });
    const shoppers = await shoppersWithVariantCarts(Array.from({ length: CONNECTIONS }, () => [{ variantId: variant.id, quantity: 1 }]));

    const outcomes = await Promise.all(shoppers.map((s, i) => startOn(i, s)));

    const held = outcomes.filter((o) => o.outcome === "held");
    expect(held).toHaveLength(90);
    for (const refused of outcomes.filter((o) => o.outcome !== "held")) {
      expect(refused).toEqual({ outcome: "insufficient_stock", lines: [expect.objectContaining({ variantId: variant.id, requested: 1, available: 0 })] });
    }
    // Each hold is one row at one location (a line of one unit never splits).
    const rows = await db.execute<{ checkout_id: string; n: number }>(sql`
      select checkout_id, count(*)::int as n from reservations where variant_id = ${variant.id} and status = 'active' group by checkout_id`);
    expect(rows).toHaveLength(90);
    expect(rows.every((r) => r.n === 1)).toBe(true);
    expect(await levelsAtOnly(variant.id, [a!.id, b!.id, c!.id])).toEqual({
      [a!.id]: { on_hand: 30, reserved: 30, allocated: 0 },
      [b!.id]: { on_hand: 30, reserved: 30, allocated: 0 },
      [c!.id]: { on_hand: 30, reserved: 30, allocated: 0 },
    });
    await expectLedgerAndLevelsAgree();
  });

  it("the same through the public startCheckout (batched in process), with lines of 1 to 3 split across locations", async () => {
    const [a, b, c] = await makeLocations([22, 20, 21]);
    const product = await makeProductWithVariants({ One: 0 });
    const variant = product.variants.One!;
    await stockAt(product.id, variant.id, { [a!.id]: 17, [b!.id]: 13, [c!.id]: 11 });
    const quantities = Array.from({ length: 60 }, (_, i) => 1 + (i % 3));
    const shoppers = await shoppersWithVariantCarts(quantities.map((quantity) => [{ variantId: variant.id, quantity }]));

    const before = holdQueueStats();
    const settled = await Promise.allSettled(shoppers.map((s) => startCheckout(s, { email: s.email })));

    // Starts over several locations still travel together: a few batches, not one transaction per shopper.
    const after = holdQueueStats();
    expect(after.requests - before.requests).toBe(60);
    expect(after.batches - before.batches).toBeLessThan(60 / 5);

    const failures = settled.flatMap((s) => (s.status === "rejected" ? [s.reason as unknown] : []));
    for (const f of failures) expect(f).toBeInstanceOf(InsufficientStockError);
    const heldUnits = settled.reduce((n, s, i) => n + (s.status === "fulfilled" ? quantities[i]! : 0), 0);
    // Every unit the three locations had is held or what is left is less than the smallest refused line.
    const left = 41 - heldUnits;
    expect(left).toBeGreaterThanOrEqual(0);
    const smallestRefused = Math.min(...settled.flatMap((s, i) => (s.status === "rejected" ? [quantities[i]!] : [])));
    expect(left).toBeLessThan(smallestRefused);
    expect(await heldUnitsAt(variant.id)).toEqual(
      Object.fromEntries(
        [
          [b!.id, Math.min(13, heldUnits)],
          [c!.id, Math.min(11, Math.max(0, heldUnits - 13))],
          [a!.id, Math.max(0, heldUnits - 24)],
        ].filter(([, n]) => (n as number) > 0),
      ),
    );
    await expectLedgerAndLevelsAgree();
  });
});

describe("holds racing a transfer and a write-off at the same location", () => {
  it("no oversell, no negative level; every transfer is done in full or refused with 409", async () => {
    const [a, b, c, d] = await makeLocations([30, 31, 32, 33]);
    const product = await makeProductWithVariants({ One: 0 });
    const variant = product.variants.One!;
    const start = { [a!.id]: 40, [b!.id]: 20, [c!.id]: 0, [d!.id]: 30 };
    await stockAt(product.id, variant.id, start);
    // A store room no hold draws on: its units can only leave by transfer, so moving them into the hot location
    // always succeeds, however fast the shoppers empty it.
    await updateLocation(d!.id, { active: false });
    const all = [a!.id, b!.id, c!.id, d!.id];
    const shoppers = await shoppersWithVariantCarts(Array.from({ length: 100 }, (_, i) => [{ variantId: variant.id, quantity: 1 + (i % 2) }]));

    type Move = { from: string; to: string; quantity: number; done: boolean };
    const moves: Move[] = [];
    const writeOffs: { at: string; quantity: number; done: boolean }[] = [];
    const transfer = async (from: string, to: string, quantity: number) => {
      const move = { from, to, quantity, done: false };
      moves.push(move);
      try {
        await transferStock({ variantId: variant.id, fromLocationId: from, toLocationId: to, quantity, reason: "rebalance", actorId: null });
        move.done = true;
      } catch (error) {
        if (!(error instanceof DomainError) || error.code !== "invariant_violation") throw error;
      }
    };
    const writeOff = async (at: string, quantity: number) => {
      const w = { at, quantity, done: false };
      writeOffs.push(w);
      try {
        await adjustStock({ productId: product.id, variantId: variant.id, locationId: at, delta: -quantity, reason: "damaged", actorId: null });
        w.done = true;
      } catch (error) {
        if (!(error instanceof DomainError) || error.code !== "invariant_violation") throw error;
      }
    };
    const operatorTasks = Array.from({ length: 12 }, (_, j) => [
      () => transfer(d!.id, a!.id, 2),
      () => transfer(a!.id, c!.id, 3),
      () => transfer(b!.id, a!.id, 2),
      () => transfer(c!.id, b!.id, 1),
      () => writeOff(a!.id, 1 + (j % 2)),
    ]).flat();

    const outcomes: HoldVerdict[] = [];
    const failures = await runAll([
      ...shoppers.map((s, i) => async () => void (outcomes[i] = await startOn(i, s))),
      ...operatorTasks,
    ]);

    expect(describeFailures(failures)).toEqual([]);
    // Both kinds of outcome happened: the race really contended.
    expect(moves.some((m) => m.done)).toBe(true);
    expect(outcomes.some((o) => o.outcome === "insufficient_stock")).toBe(true);
    // What each location must have on hand, from what was reported done: a transfer is both its rows or neither.
    const onHand = { ...start };
    for (const m of moves.filter((m) => m.done)) {
      onHand[m.from]! -= m.quantity;
      onHand[m.to]! += m.quantity;
    }
    for (const w of writeOffs.filter((w) => w.done)) onHand[w.at]! -= w.quantity;
    const levels = await levelsAtOnly(variant.id, all);
    for (const id of all) expect(levels[id]!.on_hand).toBe(onHand[id]);
    expect(levels[d!.id]).toEqual({ on_hand: 6, reserved: 0, allocated: 0 });
    const transferRows = await db.execute<{ location_id: string; on_hand_delta: number }>(sql`
      select location_id, on_hand_delta from stock_movements where variant_id = ${variant.id} and kind = 'transfer'`);
    expect(transferRows).toHaveLength(2 * moves.filter((m) => m.done).length);
    // The holds granted are exactly the reserved units, and no more than was ever there.
    const heldUnits = outcomes.reduce((n, o, i) => n + (o.outcome === "held" ? 1 + (i % 2) : 0), 0);
    expect(Object.values(levels).reduce((n, l) => n + l.reserved, 0)).toBe(heldUnits);
    await expectLedgerAndLevelsAgree();
  });
});

describe("an admin deactivating a location mid-flash-sale", () => {
  it("no hold started after the deactivation committed draws on it, none is oversold, nothing deadlocks", async () => {
    const [first, second] = await makeLocations([40, 41]);
    const product = await makeProductWithVariants({ One: 0 });
    const variant = product.variants.One!;
    await stockAt(product.id, variant.id, { [first!.id]: 50, [second!.id]: 50 });
    const shoppers = await shoppersWithVariantCarts(Array.from({ length: CONNECTIONS }, () => [{ variantId: variant.id, quantity: 1 }]));
    const before = shoppers.slice(0, 40);
    const after = shoppers.slice(40);

    let deactivatedAt = "";
    const outcomesBefore: HoldVerdict[] = [];
    const failures = await runAll([
      ...before.map((s, i) => async () => void (outcomesBefore[i] = await startOn(i, s))),
      async () => {
        await updateLocation(first!.id, { active: false });
        const [now] = await db.execute<{ now: string }>(sql`select to_json(clock_timestamp()) #>> '{}' as now`);
        deactivatedAt = now!.now;
      },
    ]);
    expect(describeFailures(failures)).toEqual([]);
    const outcomesAfter = await Promise.all(after.map((s, i) => startOn(40 + i, s)));

    // Every start after the deactivation drew on the second location only.
    const afterIds = outcomesAfter.flatMap((o) => (o.outcome === "held" ? [o.checkoutId] : []));
    expect(afterIds.length).toBeGreaterThan(0);
    const [drawnOnFirst] = await db.execute<{ n: number }>(sql`
      select count(*)::int as n from reservations
      where location_id = ${first!.id}
        and (created_at > ${deactivatedAt}::timestamptz
             or checkout_id in (${sql.join(
               afterIds.map((id) => sql`${id}::uuid`),
               sql`, `,
             )}))`);
    expect(drawnOnFirst!.n).toBe(0);
    const levels = await levelsAtOnly(variant.id, [first!.id, second!.id]);
    const heldBefore = outcomesBefore.filter((o) => o.outcome === "held").length;
    expect(heldBefore).toBe(40);
    // The second location sold out; what the first had free stays off sale.
    expect(levels[second!.id]).toEqual({ on_hand: 50, reserved: 50, allocated: 0 });
    expect(levels[first!.id]!.reserved).toBe(heldBefore + afterIds.length - 50);
    expect(outcomesAfter.filter((o) => o.outcome === "insufficient_stock").length).toBe(80 - afterIds.length);
    await expectLedgerAndLevelsAgree();
  });

  it("deactivations, renames and re-prioritising racing holds, transfers and shipments over both locations: no deadlock", async () => {
    const [a, b] = await makeLocations([50, 51]);
    const shirt = await makeProductWithVariants({ S: 0, M: 0, L: 0 });
    const variants = Object.values(shirt.variants);
    for (const v of variants) await stockAt(shirt.id, v.id, { [a!.id]: 20, [b!.id]: 20 });
    // Carts of two or three lines, each wanting more than the first location in the rule's order may have left.
    const carts = Array.from({ length: 60 }, (_, i) => {
      const order = i % 2 === 0 ? variants : [...variants].reverse();
      return order.slice(0, 2 + (i % 2)).map((v) => ({ variantId: v.id, quantity: 1 + (i % 3) }));
    });
    const shoppers = await shoppersWithVariantCarts(carts);

    for (let round = 0; round < 4; round += 1) {
      const admin = [a!, b!].flatMap((loc, k) => [
        () => updateLocation(loc.id, { priority: 50 + ((round + k) % 2) }),
        () => updateLocation(loc.id, { name: `${loc.name} r${round}` }),
        () => updateLocation(loc.id, { active: (round + k) % 2 === 0 }).catch((e: unknown) => {
          // At least one location stays active: refusing to deactivate the last one is an answer, not a failure.
          if (!(e instanceof DomainError) || e.code !== "conflict") throw e;
        }),
      ]);
      const moves = variants.flatMap((v) => [
        () => transferStock({ variantId: v.id, fromLocationId: a!.id, toLocationId: b!.id, quantity: 1, reason: "x", actorId: null }),
        () => transferStock({ variantId: v.id, fromLocationId: b!.id, toLocationId: a!.id, quantity: 1, reason: "y", actorId: null }),
      ]).map((t) => () =>
        t().catch((e: unknown) => {
          // Moving into a location just deactivated, or more than is free: refused with 409, nothing moved.
          if (!(e instanceof DomainError) || !["location_inactive", "invariant_violation"].includes(e.code)) throw e;
        }),
      );
      const failures = await runAll([
        ...shoppers.map((s, i) => () => startOn(i, s)),
        ...admin,
        ...moves,
        () => expireStaleHolds(),
      ]);
      expect(describeFailures(failures)).toEqual([]);
      await expectLedgerAndLevelsAgree();
      await updateLocation(a!.id, { active: true });
      await updateLocation(b!.id, { active: true });
      await timeTravelHolds();
    }
  });
});

/** Every hold of a round covers exactly its cart's lines (summed over the locations it was split across). */
async function expectWholeHolds(carts: { variantId: string; quantity: number }[][], outcomes: HoldVerdict[]): Promise<number> {
  let checked = 0;
  for (const [i, o] of outcomes.entries()) {
    if (o?.outcome !== "held") continue;
    const rows = await db.execute<{ variant_id: string; units: number }>(sql`
      select variant_id, sum(quantity)::int as units from reservations where checkout_id = ${o.checkoutId} group by variant_id`);
    expect(Object.fromEntries(rows.map((r) => [r.variant_id, r.units]))).toEqual(Object.fromEntries(carts[i]!.map((l) => [l.variantId, l.quantity])));
    checked += 1;
  }
  return checked;
}

describe("multi-line carts over several locations, in different orders", () => {
  it("starts, cancels, payments, sweeps, restocks, transfers and per-location shipments all at once: no deadlock, no oversell", async () => {
    const [a, b, c] = await makeLocations([62, 60, 61]);
    const shirts = await Promise.all([0, 1, 2].map(() => makeProductWithVariants({ S: 0, M: 0, L: 0 })));
    const productOf = new Map(shirts.flatMap((s) => Object.values(s.variants).map((v) => [v.id, s.id] as const)));
    const all = shirts.flatMap((s) => Object.values(s.variants).map((v) => v.id));
    const locationIds = [a!.id, b!.id, c!.id];
    for (const [j, variantId] of all.entries()) {
      // Spread unevenly, so lines split over two or three locations.
      await stockAt(productOf.get(variantId)!, variantId, { [a!.id]: 2 + (j % 3), [b!.id]: 1 + (j % 2), [c!.id]: 3 });
    }
    const backwards = [...all].reverse();
    const shapes = [all, backwards, [all[0]!, all[8]!, all[4]!], [all[8]!, all[0]!, all[4]!], [all[1]!, all[2]!], [all[2]!, all[1]!, all[5]!, all[7]!]];
    const carts = Array.from({ length: 48 }, (_, i) => shapes[i % shapes.length]!.map((variantId, j) => ({ variantId, quantity: 1 + ((i + j) % 3) })));
    const owners = await shoppersWithVariantCarts(carts);
    const active = new Map<number, string>();
    const paidOrders: string[] = [];
    let paid = 0;
    let checked = 0;
    let shippedParts = 0;

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
            for (const line of carts[i]!) await addToCart(owner.id, { variantId: line.variantId }, line.quantity);
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
        const outcome = await startOn(i, owner);
        outcomes[i] = outcome;
        if (outcome.outcome === "held" || outcome.outcome === "existing") active.set(i, outcome.checkoutId);
      });
      const shipping = paidOrders.splice(0);
      const operatorTasks = [
        () => expireStaleHolds(),
        () => expireStaleHolds({ batchSize: 1 }),
        () => expireStaleHolds({ batchSize: 2 }),
        ...all.map((variantId, j) => () =>
          adjustStock({ productId: productOf.get(variantId)!, variantId, locationId: locationIds[(round + j) % 3], delta: 1 + ((round + j) % 3), reason: "restock", actorId: null }),
        ),
        ...all.map((variantId, j) => () =>
          transferStock({
            variantId,
            fromLocationId: locationIds[(round + j) % 3]!,
            toLocationId: locationIds[(round + j + 1) % 3]!,
            quantity: 1,
            reason: "rebalance",
            actorId: null,
          }).catch((e: unknown) => {
            if (!(e instanceof DomainError) || e.code !== "invariant_violation") throw e;
          }),
        ),
        // Orders shipped one location at a time, in an order that differs from order to order.
        ...shipping.map((orderId, k) => async () => {
          for (const locationId of k % 2 === 0 ? locationIds : [...locationIds].reverse()) {
            await fulfilOrder(orderId, null, { locationId });
            shippedParts += 1;
          }
        }),
      ];

      const failures = await runAll([...shopperTasks, ...operatorTasks]);

      expect(describeFailures(failures)).toEqual([]);
      checked += await expectWholeHolds(carts, outcomes);
      await expectLedgerAndLevelsAgree();
    }
    expect(checked).toBeGreaterThan(0);
    expect(paid).toBeGreaterThan(0);
    expect(shippedParts).toBeGreaterThan(0);
    // Every shipped order's units all left, location by location.
    const [unshipped] = await db.execute<{ n: number }>(sql`
      select count(*)::int as n from orders o join order_allocations a on a.order_id = o.id
      where o.status = 'fulfilled' and a.fulfilled <> a.quantity`);
    expect(unshipped!.n).toBe(0);
  });
});
