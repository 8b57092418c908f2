/**
 * The hold engine on sizes through a real PgBouncer in transaction mode: consecutive transactions of one client land
 * on different server connections. 150 shoppers race for the last 10 Ms while 50 others buy an L, on client
 * connections of their own and through the public startCheckout: the same answers as on direct connections.
 */
import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "@/db/client";
import * as schema from "@/db/schema";
import { startPgBouncer, type RunningPgBouncer } from "../support/pgbouncer";

const M_SHOPPERS = 150;
const L_SHOPPERS = 50;
const directUrl = process.env.DATABASE_URL!;
let bouncer: RunningPgBouncer;
let pooledUrl: string;
// Loaded once DATABASE_URL points at the pooler: lib/ and db/client read their configuration at import.
let lib: {
  client: typeof import("@/db/client");
  inventory: typeof import("@/lib/inventory");
  checkout: typeof import("@/lib/checkout");
  variants: typeof import("../support/variants");
};

beforeAll(async () => {
  bouncer = await startPgBouncer(directUrl);
  pooledUrl = bouncer.urlFor(directUrl);
  process.env.DATABASE_URL = pooledUrl;
  process.env.DATABASE_POOLER = "transaction";
  process.env.RATE_LIMIT_CHECKOUTS_PER_MINUTE = "0";
  lib = {
    client: await import("@/db/client"),
    inventory: await import("@/lib/inventory"),
    checkout: await import("@/lib/checkout"),
    variants: await import("../support/variants"),
  };
});

afterAll(async () => {
  await lib?.client.pool.end();
  await bouncer?.stop();
});

/** `count` Drizzle instances through the pooler, each on its own client connection (like `count` app servers). */
async function pooledDatabases(count: number) {
  const clients = Array.from({ length: count }, () => postgres(pooledUrl, { max: 1, prepare: false, onnotice: () => {} }));
  await Promise.all(clients.map((client) => client`select 1`));
  return {
    dbs: clients.map((client) => drizzle({ client, schema }) as unknown as Db),
    end: () => Promise.all(clients.map((client) => client.end())),
  };
}

/** A shirt with 10 Ms and 60 Ls, and shoppers wanting one each: every fourth an L, the others an M. */
async function raceSetUp() {
  const shirt = await lib.variants.makeProductWithVariants({ S: 2, M: 10, L: 60 });
  const { M, L } = shirt.variants as Record<"M" | "L", { id: string; sku: string }>;
  const wants = Array.from({ length: M_SHOPPERS + L_SHOPPERS }, (_, i) => (i % 4 === 3 ? L : M));
  const shoppers = await lib.variants.shoppersWithVariantCarts(wants.map((v) => [{ variantId: v.id, quantity: 1 }]));
  return { shirt, M, L, wants, shoppers };
}

describe("the last 10 Ms and 50 Ls through PgBouncer (transaction mode)", () => {
  it("on 200 client connections sharing 20 server connections: exactly 10 M holds, every L held", async () => {
    const { shirt, M, L, wants, shoppers } = await raceSetUp();
    const connections = await pooledDatabases(shoppers.length);
    try {
      const outcomes = await Promise.all(
        shoppers.map(async (shopper, i) => {
          const [outcome] = await lib.inventory.holdCarts(connections.dbs[i]!, [{ cartId: shopper.cartId, shopperId: shopper.id, email: shopper.email }]);
          return outcome!;
        }),
      );
      const mOutcomes = outcomes.filter((_, i) => wants[i] === M);
      const lOutcomes = outcomes.filter((_, i) => wants[i] === L);
      expect(mOutcomes.filter((o) => o.outcome === "held")).toHaveLength(10);
      for (const o of mOutcomes.filter((o) => o.outcome !== "held")) {
        expect(o).toEqual({ outcome: "insufficient_stock", lines: [{ productId: shirt.id, variantId: M.id, requested: 1, available: 0 }] });
      }
      expect(lOutcomes.map((o) => o.outcome)).toEqual(Array(L_SHOPPERS).fill("held"));
      for (const [i, o] of outcomes.entries()) {
        if (o.outcome === "held") expect(await lib.variants.activeHoldsOf(o.checkoutId)).toEqual({ [wants[i]!.id]: 1 });
      }
      expect(await lib.variants.variantLevels(M.id)).toEqual({ on_hand: 10, reserved: 10, allocated: 0 });
      expect(await lib.variants.variantLevels(L.id)).toEqual({ on_hand: 60, reserved: L_SHOPPERS, allocated: 0 });
      expect(await lib.inventory.reconcileStock()).toMatchObject({ ok: true, problems: [] });
    } finally {
      await connections.end();
    }
  });

  it("through the public startCheckout (batched in process, the pool on the pooler): the same, refusals naming the M", async () => {
    const { shirt, M, L, wants, shoppers } = await raceSetUp();

    const settled = await Promise.allSettled(shoppers.map((s) => lib.checkout.startCheckout(s, { email: s.email })));

    const mSettled = settled.filter((_, i) => wants[i] === M);
    const lSettled = settled.filter((_, i) => wants[i] === L);
    expect(mSettled.filter((s) => s.status === "fulfilled")).toHaveLength(10);
    expect(lSettled.map((s) => s.status)).toEqual(Array(L_SHOPPERS).fill("fulfilled"));
    for (const s of mSettled) {
      if (s.status === "fulfilled") continue;
      expect(s.reason).toBeInstanceOf(lib.checkout.InsufficientStockError);
      expect((s.reason as InstanceType<typeof lib.checkout.InsufficientStockError>).lines).toEqual([
        { productId: shirt.id, variantId: M.id, sku: M.sku, requested: 1, available: 0 },
      ]);
    }
    expect(await lib.variants.variantLevels(M.id)).toEqual({ on_hand: 10, reserved: 10, allocated: 0 });
    expect(await lib.variants.variantLevels(L.id)).toEqual({ on_hand: 60, reserved: L_SHOPPERS, allocated: 0 });
    expect(await lib.inventory.reconcileStock()).toMatchObject({ ok: true, problems: [] });
  });
});
