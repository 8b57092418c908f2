/**
 * Holds whose time is up: they stop counting at once whether or not the cron has run, and the cron's sweep
 * (expireStaleHolds) releases each exactly once, even when several sweeps and many checkouts run together.
 */
import { vi } from "vitest";

vi.hoisted(() => {
  process.env.RATE_LIMIT_CHECKOUTS_PER_MINUTE = "0";
  process.env.DATABASE_POOL_SIZE = "12";
});

import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { db } from "@/db/client";
import { cancelCheckout, getCheckout, recordCheckoutActivity, startCheckout } from "@/lib/checkout";
import { expireStaleHolds, holdCarts, listStockLevels, reconcileStock } from "@/lib/inventory";
import { postgresErrorOf, separateDatabasesForFile } from "../support/db";
import {
  checkoutStatus,
  expectDomainError,
  levels,
  makeProduct,
  movements,
  shopperWithCart,
  shoppersWithCarts,
  timeTravelHolds,
} from "../support/fixtures";

const NEW_SHOPPERS = 40;
const connections = separateDatabasesForFile(NEW_SHOPPERS);

/** `count` checkouts spread over the products, each holding 1 or 2 units of two neighbouring products. */
async function manyCheckouts(productIds: string[], count: number) {
  const shoppers = await shoppersWithCarts(
    Array.from({ length: count }, (_, i) => [
      { productId: productIds[i % productIds.length]!, quantity: 1 + (i % 2) },
      { productId: productIds[(i + 1) % productIds.length]!, quantity: 1 },
    ]),
  );
  return Promise.all(
    shoppers.map(async (shopper) => {
      const { checkout } = await startCheckout(shopper, { email: shopper.email });
      return { shopper, checkout };
    }),
  );
}

/** How many 'expire' ledger rows each of these checkouts' holds got (one key per checkout and product). */
async function expireRowsPerHold(checkoutIds: string[]) {
  const rows = await db.execute<{ checkout_id: string; product_id: string; rows: number }>(sql`
    select r.checkout_id, r.product_id,
      (select count(*)::int from stock_movements m
       where m.kind = 'expire' and m.checkout_id = r.checkout_id and m.product_id = r.product_id) as rows
    from reservations r
    where r.checkout_id in (${sql.join(
      checkoutIds.map((id) => sql`${id}::uuid`),
      sql`, `,
    )})`);
  return rows.map((r) => r.rows);
}

async function holdStatuses(checkoutIds: string[]) {
  const rows = await db.execute<{ status: string; count: number }>(sql`
    select status, count(*)::int as count from reservations
    where checkout_id in (${sql.join(
      checkoutIds.map((id) => sql`${id}::uuid`),
      sql`, `,
    )})
    group by status`);
  return Object.fromEntries(rows.map((r) => [r.status, r.count]));
}

describe("expiry without any cron run", () => {
  it("a lapsed hold stops counting at once: shoppers see its units and the next shopper holds them", async () => {
    const product = await makeProduct(3);
    const first = await shopperWithCart([{ productId: product.id, quantity: 3 }]);
    const { checkout } = await startCheckout(first, { email: first.email });
    await timeTravelHolds(checkout.id);

    expect(await levels(product.id)).toMatchObject({ reserved: 3 });
    expect((await listStockLevels()).find((l) => l.id === product.id)).toMatchObject({ reserved: 0, available: 3 });
    expect((await getCheckout(checkout.id, first.id)).status).toBe("expired");

    const second = await shopperWithCart([{ productId: product.id, quantity: 3 }]);
    const taken = await startCheckout(second, { email: second.email });
    expect(taken.created).toBe(true);
    expect(await levels(product.id)).toEqual({ on_hand: 3, reserved: 3, allocated: 0 });
    expect(await holdStatuses([checkout.id])).toEqual({ expired: 1 });
    expect(await expireRowsPerHold([checkout.id])).toEqual([1]);

    // The first shopper comes back: told it expired, and nothing is released a second time.
    await expectDomainError(recordCheckoutActivity(checkout.id, first.id), "checkout_expired");
    expect(await expireRowsPerHold([checkout.id])).toEqual([1]);
    expect(await levels(product.id)).toEqual({ on_hand: 3, reserved: 3, allocated: 0 });
    expect(await reconcileStock()).toMatchObject({ ok: true });
  });

  it("activity after expiry answers checkout_expired and releases the hold then", async () => {
    const [a, b] = [await makeProduct(4), await makeProduct(4)];
    const shopper = await shopperWithCart([
      { productId: a.id, quantity: 2 },
      { productId: b.id, quantity: 1 },
    ]);
    const { checkout } = await startCheckout(shopper, { email: shopper.email });
    await timeTravelHolds(checkout.id);

    await expectDomainError(recordCheckoutActivity(checkout.id, shopper.id, { details: { name: "Late" } }), "checkout_expired");

    expect(await levels(a.id)).toEqual({ on_hand: 4, reserved: 0, allocated: 0 });
    expect(await levels(b.id)).toEqual({ on_hand: 4, reserved: 0, allocated: 0 });
    expect(await checkoutStatus(checkout.id)).toBe("expired");
    expect(await expireRowsPerHold([checkout.id])).toEqual([1, 1]);
    // Cancelling it now says so (it can never be paid), and moves no stock: nothing was held.
    expect((await cancelCheckout(checkout.id, shopper.id)).status).toBe("cancelled");
    expect(await movements({ checkoutId: checkout.id })).toHaveLength(4); // 2 reserve + 2 expire
  });
});

describe("the cron sweep", () => {
  it("expires only holds whose time is up, returns how many, and records their checkouts as expired", async () => {
    const products = await Promise.all([makeProduct(20), makeProduct(20), makeProduct(20)]);
    const productIds = products.map((p) => p.id);
    const all = await manyCheckouts(productIds, 12);
    const stale = all.slice(0, 8);
    const live = all.slice(8);
    await timeTravelHolds(stale.map((s) => s.checkout.id));

    expect(await expireStaleHolds()).toBe(16); // 8 checkouts x 2 lines
    expect(await expireStaleHolds()).toBe(0);

    expect(await holdStatuses(stale.map((s) => s.checkout.id))).toEqual({ expired: 16 });
    expect(await holdStatuses(live.map((s) => s.checkout.id))).toEqual({ active: 8 });
    for (const { checkout } of stale) expect(await checkoutStatus(checkout.id)).toBe("expired");
    for (const { checkout } of live) expect(await checkoutStatus(checkout.id)).toBe("active");
    expect(await reconcileStock()).toMatchObject({ ok: true });
  });

  it("several sweeps at once expire each stale hold exactly once", async () => {
    const products = await Promise.all(Array.from({ length: 6 }, () => makeProduct(40)));
    const held = await manyCheckouts(
      products.map((p) => p.id),
      60,
    );
    const checkoutIds = held.map((h) => h.checkout.id);
    await timeTravelHolds(checkoutIds);

    const counts = await Promise.all([
      expireStaleHolds({ batchSize: 1 }),
      expireStaleHolds({ batchSize: 2 }),
      expireStaleHolds({ batchSize: 3 }),
      expireStaleHolds(),
      expireStaleHolds({ batchSize: 1 }),
    ]);

    expect(counts.reduce((sum, n) => sum + n, 0)).toBe(120);
    expect(await holdStatuses(checkoutIds)).toEqual({ expired: 120 });
    expect(new Set(await expireRowsPerHold(checkoutIds))).toEqual(new Set([1]));
    for (const product of products) expect(await levels(product.id)).toMatchObject({ reserved: 0 });
    expect(await reconcileStock()).toMatchObject({ ok: true });
  });

  it("sweeps running alongside 40 checkouts on the same products: no deadlock, each stale hold expired once, no oversell", async () => {
    const products = await Promise.all(Array.from({ length: 4 }, () => makeProduct(30)));
    const productIds = products.map((p) => p.id);
    const stale = await manyCheckouts(productIds, 40);
    const staleIds = stale.map((s) => s.checkout.id);
    await timeTravelHolds(staleIds);
    // 40 newcomers, each wanting 2 units of two products in crossed orders: more than the shelves hold at once.
    const newcomers = await shoppersWithCarts(
      Array.from({ length: NEW_SHOPPERS }, (_, i) => [
        { productId: productIds[i % 4]!, quantity: 2 },
        { productId: productIds[3 - (i % 4)]!, quantity: 2 },
      ]),
    );

    const settled = await Promise.allSettled([
      ...newcomers.map((shopper, i) =>
        holdCarts(connections.dbs[i]!, [{ cartId: shopper.cartId, shopperId: shopper.id, email: shopper.email }]),
      ),
      expireStaleHolds({ batchSize: 1 }),
      expireStaleHolds({ batchSize: 2 }),
      expireStaleHolds(),
    ]);

    const failures = settled.flatMap((s) => (s.status === "rejected" ? [postgresErrorOf(s.reason).message] : []));
    expect(failures).toEqual([]);
    const swept = settled.slice(NEW_SHOPPERS).reduce((sum, s) => sum + (s.status === "fulfilled" ? (s.value as number) : 0), 0);
    const outcomes = settled.slice(0, NEW_SHOPPERS).flatMap((s) => (s.status === "fulfilled" ? (s.value as unknown[]) : []));
    expect(outcomes).toHaveLength(NEW_SHOPPERS);

    // Whoever expired them (a sweep, or a checkout on the same stock row), each stale hold went exactly once.
    expect(swept).toBeLessThanOrEqual(80);
    expect(await holdStatuses(staleIds)).toEqual({ expired: 80 });
    expect(new Set(await expireRowsPerHold(staleIds))).toEqual(new Set([1]));
    const [oversold] = await db.execute<{ count: number }>(sql`
      select count(*)::int as count from stock_levels where reserved + allocated > on_hand`);
    expect(oversold!.count).toBe(0);
    expect(await reconcileStock()).toMatchObject({ ok: true });
  });
});
