/**
 * Concurrent checkout starts in one process are coalesced: they reach PostgreSQL in batches of more than one
 * (the README's "a flash sale takes a hot row's lock once per batch"), and every shopper still gets their own
 * answer.
 */
import { vi } from "vitest";

vi.hoisted(() => {
  // 60 starts by one process must not be throttled by the per-shopper limit.
  process.env.RATE_LIMIT_CHECKOUTS_PER_MINUTE = "0";
});

import { afterAll, describe, expect, it } from "vitest";
import { pool } from "@/db/client";
import { InsufficientStockError, startCheckout } from "@/lib/checkout";
import { holdQueueSettings, holdQueueStats, reconcileStock } from "@/lib/inventory";
import { levels, makeProduct, shoppersWithCarts } from "../support/fixtures";

afterAll(async () => {
  await pool.end();
});

describe("the in-process hold queue", () => {
  it("sends 60 simultaneous starts in fewer, larger batches, and answers each shopper", async () => {
    const SHOPPERS = 60;
    const product = await makeProduct(SHOPPERS - 10);
    const shoppers = await shoppersWithCarts(Array.from({ length: SHOPPERS }, () => [{ productId: product.id, quantity: 1 }]));
    const before = holdQueueStats();

    const settled = await Promise.allSettled(shoppers.map((s) => startCheckout(s, { email: s.email })));

    const after = holdQueueStats();
    const batches = after.batches - before.batches;
    console.log(
      `Hold queue: ${SHOPPERS} starts in ${batches} batches (largest ${after.largestBatch}; at most ${holdQueueSettings.maxBatch} a batch, ${holdQueueSettings.maxInFlight} in flight)`,
    );
    expect(after.requests - before.requests).toBe(SHOPPERS);
    // Coalescing happened: at most `maxInFlight` batches can go alone while the rest wait and gather.
    expect(after.largestBatch).toBeGreaterThan(1);
    expect(batches).toBeLessThan(SHOPPERS / 2);
    expect(batches).toBeGreaterThanOrEqual(Math.ceil(SHOPPERS / holdQueueSettings.maxBatch));

    // Batching changes nothing of the answers: exactly the stock is held, the rest told what is left.
    const held = settled.filter((r) => r.status === "fulfilled");
    const refused = settled.flatMap((r) => (r.status === "rejected" ? [r.reason as unknown] : []));
    expect(held).toHaveLength(SHOPPERS - 10);
    expect(refused).toHaveLength(10);
    for (const error of refused) expect(error).toBeInstanceOf(InsufficientStockError);
    expect(await levels(product.id)).toEqual({ on_hand: SHOPPERS - 10, reserved: SHOPPERS - 10, allocated: 0 });
    expect(await reconcileStock()).toMatchObject({ ok: true, problems: [] });
  });
});
