/**
 * Stock kept at three locations, shoppers racing over HTTP on a fleet: two `next start` processes on one database,
 * then two behind PgBouncer in transaction mode. Exactly as many "held" as units, each unit taken from the
 * locations in priority order, payments (on the other server) allocating exactly where the holds were, and a
 * location deactivated mid-sale giving no unit to a start made after. The locations and their stock are set up
 * through lib/inventory on a direct connection, as the admin's requests would; the carts through lib/cart.
 */
import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db, pool } from "@/db/client";
import { reconcileStock, updateLocation } from "@/lib/inventory";
import { fulfilOrder } from "@/lib/orders";
import { startApp, type RunningApp } from "../support/app-server";
import { startPgBouncer, type RunningPgBouncer } from "../support/pgbouncer";
import { allocationsOf, at, levelsAtOnly, makeLocations, stockAt } from "../support/locations";
import { httpShopperAs, makeProductWithVariants, shoppersWithVariantCarts } from "../support/variants";
import type { HttpClient } from "../support/http";

afterAll(async () => {
  await pool.end();
});

/** Active hold units per (variant, location) of these checkouts. */
async function holdsOf(checkoutIds: string[]): Promise<Record<string, number>> {
  if (checkoutIds.length === 0) return {};
  const rows = await db.execute<{ variant_id: string; location_id: string; units: number }>(sql`
    select variant_id, location_id, sum(quantity)::int as units from reservations
    where status = 'active' and checkout_id in (${sql.join(
      checkoutIds.map((id) => sql`${id}::uuid`),
      sql`, `,
    )})
    group by variant_id, location_id`);
  return Object.fromEntries(rows.map((r) => [at(r.variant_id, r.location_id), r.units]));
}

/** Pays with a fresh key, retrying a 503 (the pool's wait for a connection on a busy machine) with the same key. */
async function payUntilAnswered(shopper: HttpClient, checkoutId: string) {
  const key = randomUUID();
  for (let attempt = 1; ; attempt += 1) {
    const answer = await shopper.post(`/api/checkout/${checkoutId}/pay`, { cardNumber: "4242424242424242" }, { "Idempotency-Key": key });
    if (answer.status !== 503 || attempt === 5) return answer;
    await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
  }
}

describe("two app servers, one database, one product stocked at three locations", () => {
  let servers: RunningApp[] = [];
  beforeAll(async () => {
    servers = await Promise.all([startApp(), startApp()]);
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
  });

  it("40 shoppers for 30 units (10 at each location): exactly 30 held, every location emptied, paid and shipped where held", async () => {
    const [x, y, z] = await makeLocations([130, 110, 120]);
    const product = await makeProductWithVariants({ One: 0 }, { priceCents: 1200 });
    const variant = product.variants.One!;
    await stockAt(product.id, variant.id, { [x!.id]: 10, [y!.id]: 10, [z!.id]: 10 });
    const guests = await shoppersWithVariantCarts(Array.from({ length: 40 }, () => [{ variantId: variant.id, quantity: 1 }]));
    const [a, b] = servers as [RunningApp, RunningApp];
    const home = (i: number) => (i % 2 === 0 ? a : b);
    const other = (i: number) => (i % 2 === 0 ? b : a);
    const shoppers = guests.map((g, i) => httpShopperAs(home(i).baseUrl, g.id));

    const answers = await Promise.all(shoppers.map((s, i) => s.post("/api/checkout", { email: `loc-${i}@example.test` })));

    expect(answers.filter((r) => r.status !== 201 && r.status !== 409).map((r) => `${r.status} ${r.text}`)).toEqual([]);
    expect(answers.filter((r) => r.status === 201)).toHaveLength(30);
    for (const refused of answers.filter((r) => r.status === 409)) {
      expect(refused.body.error).toMatchObject({ code: "insufficient_stock", lines: [{ variantId: variant.id, requested: 1, available: 0 }] });
    }
    const held = answers.flatMap((r, i) => (r.status === 201 ? [{ i, checkoutId: r.body.checkout.id as string }] : []));
    // Both servers won units, and the database holds exactly what was answered.
    expect(new Set(held.map((h) => h.i % 2)).size).toBe(2);
    expect(await holdsOf(held.map((h) => h.checkoutId))).toEqual({ [at(variant.id, x!.id)]: 10, [at(variant.id, y!.id)]: 10, [at(variant.id, z!.id)]: 10 });
    expect(await levelsAtOnly(variant.id, [x!.id, y!.id, z!.id])).toEqual({
      [x!.id]: { on_hand: 10, reserved: 10, allocated: 0 },
      [y!.id]: { on_hand: 10, reserved: 10, allocated: 0 },
      [z!.id]: { on_hand: 10, reserved: 10, allocated: 0 },
    });

    // Each winner pays on the server it did not start on: its unit is allocated where it was held.
    const holdOf = new Map(
      (
        await db.execute<{ checkout_id: string; location_id: string }>(sql`
          select checkout_id, location_id from reservations where variant_id = ${variant.id} and status = 'active'`)
      ).map((r) => [r.checkout_id, r.location_id]),
    );
    const paid = await Promise.all(
      held.map(({ i, checkoutId }) => {
        shoppers[i]!.baseUrl = other(i).baseUrl;
        return payUntilAnswered(shoppers[i]!, checkoutId);
      }),
    );
    expect(paid.filter((p) => p.status !== 200).map((p) => `${p.status} ${p.text}`)).toEqual([]);
    for (const [n, { checkoutId }] of held.entries()) {
      const orderId = paid[n]!.body.order.id as string;
      expect(await allocationsOf(orderId)).toEqual({ [at(variant.id, holdOf.get(checkoutId)!)]: { quantity: 1, fulfilled: 0 } });
    }
    expect(await levelsAtOnly(variant.id, [x!.id, y!.id, z!.id])).toEqual({
      [x!.id]: { on_hand: 10, reserved: 0, allocated: 10 },
      [y!.id]: { on_hand: 10, reserved: 0, allocated: 10 },
      [z!.id]: { on_hand: 10, reserved: 0, allocated: 10 },
    });
    // The y location ships its orders: only its stock leaves.
    for (const p of paid) await fulfilOrder(p.body.order.id as string, null, { locationId: y!.id });
    expect(await levelsAtOnly(variant.id, [x!.id, y!.id, z!.id])).toEqual({
      [x!.id]: { on_hand: 10, reserved: 0, allocated: 10 },
      [y!.id]: { on_hand: 0, reserved: 0, allocated: 0 },
      [z!.id]: { on_hand: 10, reserved: 0, allocated: 10 },
    });
    expect(await reconcileStock()).toMatchObject({ ok: true, problems: [] });
  });
});

describe("two app servers behind PgBouncer, a location deactivated mid-sale", () => {
  let bouncer: RunningPgBouncer | undefined;
  let servers: RunningApp[] = [];
  beforeAll(async () => {
    const directUrl = process.env.DATABASE_URL!;
    bouncer = await startPgBouncer(directUrl);
    const pooled = { DATABASE_URL: bouncer.urlFor(directUrl), DATABASE_POOLER: "transaction" };
    servers = await Promise.all([startApp(pooled), startApp(pooled)]);
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await bouncer?.stop();
  });

  it("the first 10 take the first location's 8 and 2 of the next; once the last is deactivated, 40 more get only the 4 left", async () => {
    const [first, second, last] = await makeLocations([210, 220, 230]);
    const product = await makeProductWithVariants({ One: 0 }, { priceCents: 900 });
    const variant = product.variants.One!;
    await stockAt(product.id, variant.id, { [first!.id]: 8, [second!.id]: 6, [last!.id]: 6 });
    const guests = await shoppersWithVariantCarts(Array.from({ length: 50 }, () => [{ variantId: variant.id, quantity: 1 }]));
    const shoppers = guests.map((g, i) => httpShopperAs(servers[i % 2]!.baseUrl, g.id));
    const start = (i: number) => shoppers[i]!.post("/api/checkout", { email: `pooled-${i}@example.test` });

    const early = await Promise.all(shoppers.slice(0, 10).map((_, i) => start(i)));
    expect(early.map((r) => r.status)).toEqual(Array(10).fill(201));
    expect(await holdsOf(early.map((r) => r.body.checkout.id as string))).toEqual({ [at(variant.id, first!.id)]: 8, [at(variant.id, second!.id)]: 2 });

    await updateLocation(last!.id, { active: false });
    const late = await Promise.all(shoppers.slice(10).map((_, k) => start(10 + k)));

    expect(late.filter((r) => r.status !== 201 && r.status !== 409).map((r) => `${r.status} ${r.text}`)).toEqual([]);
    const lateHeld = late.filter((r) => r.status === 201);
    expect(lateHeld).toHaveLength(4);
    expect(await holdsOf(lateHeld.map((r) => r.body.checkout.id as string))).toEqual({ [at(variant.id, second!.id)]: 4 });
    for (const refused of late.filter((r) => r.status === 409)) {
      expect(refused.body.error).toMatchObject({ code: "insufficient_stock", lines: [{ variantId: variant.id, requested: 1, available: 0 }] });
    }
    expect(await levelsAtOnly(variant.id, [first!.id, second!.id, last!.id])).toEqual({
      [first!.id]: { on_hand: 8, reserved: 8, allocated: 0 },
      [second!.id]: { on_hand: 6, reserved: 6, allocated: 0 },
      [last!.id]: { on_hand: 6, reserved: 0, allocated: 0 },
    });
    // Winners pay on the other server, through the pooler.
    const winners = [...early, ...lateHeld].map((r) => r.body.checkout.id as string);
    const paid = await Promise.all(
      winners.map((checkoutId) => {
        const i = guests.findIndex((_, k) => (k < 10 ? early[k] : late[k - 10])?.body?.checkout?.id === checkoutId);
        shoppers[i]!.baseUrl = servers[(i + 1) % 2]!.baseUrl;
        return payUntilAnswered(shoppers[i]!, checkoutId);
      }),
    );
    expect(paid.filter((p) => p.status !== 200).map((p) => `${p.status} ${p.text}`)).toEqual([]);
    expect(await levelsAtOnly(variant.id, [first!.id, second!.id, last!.id])).toEqual({
      [first!.id]: { on_hand: 8, reserved: 0, allocated: 8 },
      [second!.id]: { on_hand: 6, reserved: 0, allocated: 6 },
      [last!.id]: { on_hand: 6, reserved: 0, allocated: 0 },
    });
    expect(await reconcileStock()).toMatchObject({ ok: true, problems: [] });
  });
});
