/**
 * The hold engine and the database scripts through a real PgBouncer in transaction mode (DATABASE_POOLER=
 * transaction): consecutive transactions of one client land on different server connections, so nothing may
 * rely on session state. The same race as tests/engine/hold-race.test.ts must give the same answer.
 */
import { randomUUID } from "node:crypto";
import { drizzle } from "drizzle-orm/postgres-js";
import { sql } from "drizzle-orm";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "@/db/client";
import * as schema from "@/db/schema";
import { demoKits, demoProducts } from "@/db/seed";
import { startPgBouncer, type RunningPgBouncer } from "../support/pgbouncer";

const SHOPPERS = 200;
const directUrl = process.env.DATABASE_URL!;
let bouncer: RunningPgBouncer;
let pooledUrl: string;
// Loaded once DATABASE_URL points at the pooler: lib/ and db/client read their configuration at import.
let lib: {
  client: typeof import("@/db/client");
  inventory: typeof import("@/lib/inventory");
  checkout: typeof import("@/lib/checkout");
  fixtures: typeof import("../support/fixtures");
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
    fixtures: await import("../support/fixtures"),
  };
});

afterAll(async () => {
  await lib?.client.pool.end();
  await bouncer?.stop();
});

/** `count` Drizzle instances through the pooler, each on its own client connection (like `count` app servers). */
async function pooledDatabases(count: number) {
  const clients = Array.from({ length: count }, () =>
    postgres(pooledUrl, { max: 1, prepare: false, onnotice: () => {} }),
  );
  await Promise.all(clients.map((client) => client`select 1`));
  return {
    dbs: clients.map((client) => drizzle({ client, schema }) as unknown as Db),
    end: () => Promise.all(clients.map((client) => client.end())),
  };
}

describe("200 shoppers race for the last 10 units through PgBouncer (transaction mode)", () => {
  it("on 200 client connections sharing 20 server connections: exactly 10 holds, 190 refusals with available 0", async () => {
    const { makeProduct, sellUnits, shoppersWithCarts, levels, movements } = lib.fixtures;
    const product = await makeProduct(15);
    await sellUnits(product.id, 5);
    const shoppers = await shoppersWithCarts(Array.from({ length: SHOPPERS }, () => [{ productId: product.id, quantity: 1 }]));
    const connections = await pooledDatabases(SHOPPERS);
    try {
      const outcomes = await Promise.all(
        shoppers.map(async (shopper, i) => {
          const [outcome] = await lib.inventory.holdCarts(connections.dbs[i]!, [
            { cartId: shopper.cartId, shopperId: shopper.id, email: shopper.email },
          ]);
          return outcome!;
        }),
      );
      const held = outcomes.filter((o) => o.outcome === "held");
      const refused = outcomes.filter((o) => o.outcome === "insufficient_stock");
      expect(held).toHaveLength(10);
      expect(refused).toHaveLength(190);
      for (const o of refused) {
        expect(o).toEqual({ outcome: "insufficient_stock", lines: [{ productId: product.id, variantId: product.variantId, requested: 1, available: 0 }] });
      }
      // Every "held" names a checkout that really holds the unit, and no one else holds any.
      const heldIds = held.map((o) => (o.outcome === "held" ? o.checkoutId : ""));
      const reserves = await movements({ productId: product.id, kind: "reserve" });
      expect(reserves.filter((r) => heldIds.includes(r.checkout_id!))).toHaveLength(10);
      expect(reserves).toHaveLength(1 + 10);
      expect(await levels(product.id)).toEqual({ on_hand: 15, reserved: 10, allocated: 5 });
      expect(await lib.inventory.reconcileStock()).toMatchObject({ ok: true, problems: [] });
    } finally {
      await connections.end();
    }
  });

  it("through the public startCheckout (batched in process, the app's pool on the pooler): exactly 10 checkouts", async () => {
    const { makeProduct, sellUnits, shoppersWithCarts, levels } = lib.fixtures;
    const product = await makeProduct(15);
    await sellUnits(product.id, 5);
    const shoppers = await shoppersWithCarts(Array.from({ length: SHOPPERS }, () => [{ productId: product.id, quantity: 1 }]));

    const settled = await Promise.allSettled(shoppers.map((s) => lib.checkout.startCheckout(s, { email: s.email })));

    const started = settled.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
    const failures = settled.flatMap((r) => (r.status === "rejected" ? [r.reason as unknown] : []));
    expect(started).toHaveLength(10);
    expect(failures).toHaveLength(190);
    for (const failure of failures) {
      expect(failure).toBeInstanceOf(lib.checkout.InsufficientStockError);
      expect((failure as InstanceType<typeof lib.checkout.InsufficientStockError>).lines).toEqual([
        { productId: product.id, variantId: product.variantId, sku: product.slug.toUpperCase(), requested: 1, available: 0 },
      ]);
    }
    expect(await levels(product.id)).toEqual({ on_hand: 15, reserved: 10, allocated: 5 });
    expect(await lib.inventory.reconcileStock()).toMatchObject({ ok: true, problems: [] });
  });
});

describe("session limits behind the pooler", () => {
  it("every transaction of the app's pool runs with the statement, lock and idle-in-transaction limits", async () => {
    const { db } = lib.client;
    // Several transactions at once, so they spread over several server connections.
    const settings = await Promise.all(
      Array.from({ length: 8 }, () =>
        db.transaction(async (tx) => {
          const [row] = await tx.execute<{ statement: string; lock: string; idle: string }>(sql`
            select current_setting('statement_timeout') as statement, current_setting('lock_timeout') as lock,
                   current_setting('idle_in_transaction_session_timeout') as idle`);
          return row!;
        }),
      ),
    );
    for (const s of settings) expect(s).toEqual({ statement: "15s", lock: "5s", idle: "15s" });
  });

  it("a transaction waiting on a locked row is cut off by lock_timeout (5 s), as on a direct connection", async () => {
    const { db } = lib.client;
    const product = await lib.fixtures.makeProduct(3);
    const holder = postgres(directUrl, { max: 1, onnotice: () => {} });
    let release!: () => void;
    let locked!: () => void;
    const holdsTheLock = new Promise<void>((resolve) => (locked = resolve));
    const holding = holder.begin(async (tx) => {
      await tx`select 1 from stock_levels where product_id = ${product.id} for update`;
      locked();
      await new Promise<void>((resolve) => (release = resolve));
    });
    try {
      // Not a fixed pause: on a busy machine the holder may take longer than that to get its lock.
      await holdsTheLock;
      const started = performance.now();
      const error = await db
        .transaction((tx) => tx.execute(sql`select 1 from stock_levels where product_id = ${product.id} for update`))
        .then(() => null, (e: unknown) => e);
      const waited = performance.now() - started;
      expect(error).not.toBeNull();
      const { isDatabaseUnavailable } = await import("@/lib/platform/errors");
      expect(isDatabaseUnavailable(error)).toBe(true); // lock_not_available: a 503 to the shopper
      expect(waited).toBeGreaterThan(4_500);
      expect(waited).toBeLessThan(10_000);
    } finally {
      release();
      await holding;
      await holder.end();
    }
  });
});

describe("migrations, seed and reconcile through the pooler", () => {
  it("two servers migrating a fresh database at once through PgBouncer both finish, and it is migrated once", async () => {
    const { runMigrations } = await import("../../db/migrate");
    const { seedDemoCatalogue } = await import("../../db/seed");
    const name = `stockhold_pooled_${randomUUID().slice(0, 8)}`;
    const admin = postgres(directUrl, { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database ${name}`);
    const fresh = new URL(directUrl);
    fresh.pathname = `/${name}`;
    const through = bouncer.urlFor(fresh.toString());
    try {
      await Promise.all([
        runMigrations(through, { pooler: "transaction" }),
        runMigrations(through, { pooler: "transaction" }),
        runMigrations(through, { pooler: "transaction" }),
      ]);
      const seeded = await Promise.all([seedDemoCatalogue(through), seedDemoCatalogue(through)]);
      expect(seeded.filter(Boolean)).toHaveLength(1);

      const check = postgres(fresh.toString(), { max: 1, onnotice: () => {} });
      try {
        const journal = await check<{ n: number }[]>`select count(*)::int as n from drizzle.__drizzle_migrations`;
        const files = (await import("drizzle-orm/migrator")).readMigrationFiles({
          migrationsFolder: (await import("../../db/migrate")).migrationsFolder,
        });
        expect(journal[0]!.n).toBe(files.length);
        const [products] = await check<{ n: number }[]>`select count(*)::int as n from products`;
        // The demo catalogue, seeded once: its products and its kits.
        expect(products!.n).toBe(demoProducts.length + demoKits.length);
        // Statements outside a transaction get the limits from the role's defaults in this database.
        const [defaults] = await check<{ settings: string[] }[]>`
          select setconfig as settings from pg_db_role_setting
          where setdatabase = (select oid from pg_database where datname = ${name})
            and setrole = (select oid from pg_roles where rolname = current_user)`;
        expect(defaults!.settings).toEqual(
          expect.arrayContaining(["statement_timeout=15000", "lock_timeout=5000", "idle_in_transaction_session_timeout=15000"]),
        );
      } finally {
        await check.end();
      }
      const { runReconcileCli } = await import("../faults/support");
      const report = await runReconcileCli(through);
      expect(report.output).toMatch(/OK: every level equals the ledger/);
      expect(report.code, report.output).toBe(0);
    } finally {
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    }
  });
});
