/**
 * What one client address may hold, counted in the hold batch itself: new checkouts per hour
 * (RATE_LIMIT_CHECKOUTS_PER_IP_PER_HOUR) and units of one product per hour
 * (RATE_LIMIT_UNITS_PER_IP_PER_PRODUCT_PER_HOUR), whatever number of shoppers (cookies) the address makes up.
 * Starts from one address in one batch, and in batches racing on separate connections, respect both exactly.
 */
import { vi } from "vitest";

vi.hoisted(() => {
  process.env.RATE_LIMIT_CHECKOUTS_PER_MINUTE = "0";
  process.env.MAX_QUANTITY_PER_LINE = "5";
  process.env.RATE_LIMIT_UNITS_PER_IP_PER_PRODUCT_PER_HOUR = "10";
  process.env.RATE_LIMIT_CHECKOUTS_PER_IP_PER_HOUR = "4";
});

import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { holdCarts, reconcileStock, type HoldOutcome } from "@/lib/inventory";
import { pruneRateLimits } from "@/lib/platform/rate-limit";
import { db } from "@/db/client";
import { separateDatabasesForFile } from "../support/db";
import { levels, makeProduct, shoppersWithCarts } from "../support/fixtures";

const connections = separateDatabasesForFile(8);

const address = () => `203.0.113.${1 + Math.floor(Math.random() * 250)}-${randomUUID().slice(0, 8)}`;
const held = (outcomes: HoldOutcome[]) => outcomes.filter((o) => o.outcome === "held").length;
const refusedPer = (outcomes: HoldOutcome[]) =>
  outcomes.flatMap((o) => (o.outcome === "rate_limited" && o.per === "address" ? [o.productId] : []));

describe("per client address, in the hold batch", () => {
  it("one batch of starts from one address holds at most the units bound of a product, exactly", async () => {
    const product = await makeProduct(100);
    const shoppers = await shoppersWithCarts(Array.from({ length: 6 }, () => [{ productId: product.id, quantity: 3 }]));
    const from = address();
    const outcomes = await holdCarts(
      db,
      shoppers.map((s) => ({ shopperId: s.id, email: s.email, clientAddress: from })),
    );
    // 3 + 3 + 3 = 9 fit in 10; a fourth 3 would not. Refused starts hold nothing and name the product.
    expect(outcomes.map((o) => o.outcome)).toEqual(["held", "held", "held", "rate_limited", "rate_limited", "rate_limited"]);
    expect(refusedPer(outcomes)).toEqual([product.id, product.id, product.id]);
    expect(await levels(product.id)).toMatchObject({ reserved: 9 });
    // The rows keep what was granted, not what was asked for.
    const counted = await db.execute<{ bucket: string; hits: number }>(
      sql`select bucket, hits from rate_limits where bucket like ${`client-%:${from}%`} order by bucket`,
    );
    expect(counted.map((r) => [r.bucket, r.hits])).toEqual([
      [`client-checkouts:${from}`, 3],
      [`client-units:${from}:${product.id}`, 9],
    ]);
    // One unit still fits; the next address is not affected at all.
    const [oneMore] = await shoppersWithCarts([[{ productId: product.id, quantity: 1 }]]);
    expect((await holdCarts(db, [{ shopperId: oneMore!.id, email: oneMore!.email, clientAddress: from }]))[0]!.outcome).toBe("held");
    const [neighbour] = await shoppersWithCarts([[{ productId: product.id, quantity: 5 }]]);
    expect((await holdCarts(db, [{ shopperId: neighbour!.id, email: neighbour!.email, clientAddress: address() }]))[0]!.outcome).toBe("held");
    expect(await levels(product.id)).toMatchObject({ reserved: 15 });
    expect((await reconcileStock()).problems).toEqual([]);
  });

  it("counts new checkouts per address across products, and only granted holds", async () => {
    const products = await Promise.all([1, 2, 3, 4, 5, 6].map(() => makeProduct(10)));
    const soldOut = await makeProduct(0);
    const from = address();
    // A start refused for want of stock does not count against the address.
    const [unlucky] = await shoppersWithCarts([[{ productId: soldOut.id, quantity: 1 }]]);
    expect((await holdCarts(db, [{ shopperId: unlucky!.id, email: unlucky!.email, clientAddress: from }]))[0]!.outcome).toBe(
      "insufficient_stock",
    );
    const shoppers = await shoppersWithCarts(products.map((p) => [{ productId: p.id, quantity: 1 }]));
    const outcomes = await holdCarts(
      db,
      shoppers.map((s) => ({ shopperId: s.id, email: s.email, clientAddress: from })),
    );
    expect(held(outcomes)).toBe(4);
    expect(refusedPer(outcomes)).toEqual([null, null]);
    const reserved = await Promise.all(products.map(async (p) => (await levels(p.id)).reserved));
    expect(reserved).toEqual([1, 1, 1, 1, 0, 0]);
  });

  it("batches racing on separate connections (as on separate app servers) respect the bound exactly", async () => {
    const product = await makeProduct(100);
    const from = address();
    const shoppers = await shoppersWithCarts(Array.from({ length: 16 }, () => [{ productId: product.id, quantity: 3 }]));
    const batches = connections.dbs.map((conn, i) =>
      holdCarts(
        conn,
        shoppers.slice(i * 2, i * 2 + 2).map((s) => ({ shopperId: s.id, email: s.email, clientAddress: from })),
      ),
    );
    const outcomes = (await Promise.all(batches)).flat();
    // Ten units from one address: three starts of three; a fourth would make twelve.
    expect(held(outcomes)).toBe(3);
    expect(refusedPer(outcomes)).toEqual(Array(13).fill(product.id));
    expect(await levels(product.id)).toMatchObject({ reserved: 9 });
    expect((await reconcileStock()).problems).toEqual([]);
  });

  it("a start without an address (scripts, the engine's own callers) is not counted", async () => {
    const product = await makeProduct(100);
    const shoppers = await shoppersWithCarts(Array.from({ length: 6 }, () => [{ productId: product.id, quantity: 5 }]));
    const outcomes = await holdCarts(
      db,
      shoppers.map((s) => ({ shopperId: s.id, email: s.email })),
    );
    expect(held(outcomes)).toBe(6);
  });

  it("the sweep keeps an hour's counts until the hour is over, and a minute's for five minutes", async () => {
    const tag = randomUUID().slice(0, 8);
    await db.execute(sql`
      insert into rate_limits (bucket, window_start, hits) values
        (${`client-units:${tag}:recent`}, now() - interval '40 minutes', 7),
        (${`client-units:${tag}:old`}, now() - interval '70 minutes', 7),
        (${`checkout:${tag}:recent`}, now() - interval '2 minutes', 1),
        (${`checkout:${tag}:old`}, now() - interval '10 minutes', 1)`);
    await pruneRateLimits();
    const kept = await db.execute<{ bucket: string }>(sql`select bucket from rate_limits where bucket like ${`%${tag}%`} order by bucket`);
    expect(kept.map((r) => r.bucket)).toEqual([`checkout:${tag}:recent`, `client-units:${tag}:recent`]);
  });
});
