/**
 * Two `next start` processes on one database, shoppers racing over HTTP for sizes of one shirt: 40 shoppers for the
 * last 30 Ms while 24 others buy an L, each shopper starting on one server and paying on the other. Exactly 30 M
 * holds, every L buyer held, no L buyer refused because of the Ms, and each winner's money captured once.
 * The carts are filled through lib/cart (by variant id); the race and the payments are HTTP.
 */
import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db, pool } from "@/db/client";
import { reconcileStock } from "@/lib/inventory";
import { startApp, type RunningApp } from "../support/app-server";
import { httpShopperAs, makeProductWithVariants, shoppersWithVariantCarts, variantLevels } from "../support/variants";

const M_SHOPPERS = 40;
// More Ms than one server's 20 M shoppers could take: both servers must win some on the same stock row.
const M_UNITS = 30;
const L_SHOPPERS = 24;
const L_UNITS = 30;
let servers: RunningApp[] = [];

beforeAll(async () => {
  servers = await Promise.all([startApp(), startApp()]);
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  await pool.end();
});

/** Captured payments at the provider, per checkout. */
async function capturesOf(checkoutIds: string[]): Promise<Map<string, number>> {
  const rows = await db.execute<{ checkout_id: string; n: number }>(sql`
    select p.checkout_id, count(*)::int as n from test_provider_payments t
    join payments p on t.idempotency_key = 'stockhold_pay_' || p.id
    where t.status = 'captured' and p.checkout_id in (${sql.join(
      checkoutIds.map((id) => sql`${id}::uuid`),
      sql`, `,
    )})
    group by p.checkout_id`);
  return new Map(rows.map((r) => [r.checkout_id, r.n]));
}

describe("two app servers, one database, one shirt in sizes", () => {
  it(`${M_SHOPPERS} race for the last ${M_UNITS} Ms while ${L_SHOPPERS} buy an L: exactly ${M_UNITS} M holds, every L held, money captured once`, async () => {
    const shirt = await makeProductWithVariants({ S: 5, M: M_UNITS, L: L_UNITS }, { priceCents: 1500 });
    const { S, M, L } = shirt.variants as Record<"S" | "M" | "L", { id: string; sku: string }>;
    const [a, b] = servers as [RunningApp, RunningApp];
    // M and L shoppers interleaved (10 Ms then 6 Ls in every 16), half of each size starting on each server;
    // shopper i starts on server i % 2 and pays on the other.
    const wants = Array.from({ length: M_SHOPPERS + L_SHOPPERS }, (_, i) => (i % 16 < 10 ? "M" : "L") as "M" | "L");
    expect(wants.filter((w) => w === "L")).toHaveLength(L_SHOPPERS);
    const guests = await shoppersWithVariantCarts(wants.map((size) => [{ variantId: (size === "M" ? M : L).id, quantity: 1 }]));
    const home = (i: number) => (i % 2 === 0 ? a : b);
    const other = (i: number) => (i % 2 === 0 ? b : a);
    const shoppers = guests.map((g, i) => httpShopperAs(home(i).baseUrl, g.id));

    const answers = await Promise.all(shoppers.map((s, i) => s.post("/api/checkout", { email: `race-${i}@example.test` })));

    expect(answers.filter((r) => r.status !== 201 && r.status !== 409).map((r) => `${r.status} ${r.text}`)).toEqual([]);
    const mAnswers = answers.filter((_, i) => wants[i] === "M");
    const lAnswers = answers.filter((_, i) => wants[i] === "L");
    expect(mAnswers.filter((r) => r.status === 201)).toHaveLength(M_UNITS);
    expect(mAnswers.filter((r) => r.status === 409)).toHaveLength(M_SHOPPERS - M_UNITS);
    expect(lAnswers.map((r) => r.status)).toEqual(Array(L_SHOPPERS).fill(201));
    for (const refused of mAnswers.filter((r) => r.status === 409)) {
      expect(refused.body.error).toMatchObject({
        code: "insufficient_stock",
        lines: [{ productId: shirt.id, variantId: M.id, requested: 1, available: 0 }],
      });
      expect(refused.body.error.lines).toHaveLength(1);
    }
    // Every "held" is a hold of the size its cart named, in the database.
    const held = answers.flatMap((r, i) => (r.status === 201 ? [{ i, checkoutId: r.body.checkout.id as string }] : []));
    const holds = await db.execute<{ checkout_id: string; variant_id: string }>(sql`
      select checkout_id, variant_id from reservations where product_id = ${shirt.id} and status = 'active'`);
    expect(holds.map((h) => `${h.checkout_id}:${h.variant_id}`).sort()).toEqual(
      held.map((h) => `${h.checkoutId}:${(wants[h.i] === "M" ? M : L).id}`).sort(),
    );
    expect(await variantLevels(M.id)).toEqual({ on_hand: M_UNITS, reserved: M_UNITS, allocated: 0 });
    expect(await variantLevels(L.id)).toEqual({ on_hand: L_UNITS, reserved: L_SHOPPERS, allocated: 0 });
    const mByServer = [a, b].map((server) => held.filter((h) => wants[h.i] === "M" && home(h.i) === server).length);
    console.log(`Two servers, sizes: M holds granted ${mByServer.join(" + ")}; L holds ${L_SHOPPERS}`);
    expect(Math.min(...mByServer)).toBeGreaterThanOrEqual(M_UNITS - M_SHOPPERS / 2);

    // The winners pay at once, each on the server it did not start on. 54 payments on a busy machine may meet a
    // 503 (the pool's wait for a connection): the client retries with the same key, which must never charge twice.
    const keys = held.map(() => randomUUID());
    const payUntilAnswered = async (i: number, checkoutId: string, key: string) => {
      for (let attempt = 1; ; attempt += 1) {
        const answer = await shoppers[i]!.post(`/api/checkout/${checkoutId}/pay`, { cardNumber: "4242424242424242" }, { "Idempotency-Key": key });
        if (answer.status !== 503 || attempt === 5) return answer;
        await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
      }
    };
    const paid = await Promise.all(
      held.map(({ i, checkoutId }, n) => {
        shoppers[i]!.baseUrl = other(i).baseUrl;
        return payUntilAnswered(i, checkoutId, keys[n]!);
      }),
    );
    expect(paid.filter((p) => p.status !== 200).map((p) => `${p.status} ${p.text}`)).toEqual([]);
    for (const [n, { i }] of held.entries()) {
      const size = wants[i] === "M" ? M : L;
      expect(paid[n]!.body.order.lines).toEqual([expect.objectContaining({ productId: shirt.id, quantity: 1 })]);
      expect(await variantOfOrder(paid[n]!.body.order.id as string)).toEqual([size.id]);
    }
    // The same keys again on the first server: the same orders.
    const replays = [];
    for (const [n, { i, checkoutId }] of held.entries()) {
      shoppers[i]!.baseUrl = home(i).baseUrl;
      replays.push(await payUntilAnswered(i, checkoutId, keys[n]!));
    }
    expect(replays.map((r) => r.body?.order?.id)).toEqual(paid.map((p) => p.body.order.id));

    const captures = await capturesOf(held.map((h) => h.checkoutId));
    expect(held.map((h) => captures.get(h.checkoutId) ?? 0)).toEqual(Array(held.length).fill(1));
    expect(await variantLevels(M.id)).toEqual({ on_hand: M_UNITS, reserved: 0, allocated: M_UNITS });
    expect(await variantLevels(L.id)).toEqual({ on_hand: L_UNITS, reserved: 0, allocated: L_SHOPPERS });
    expect(await variantLevels(S.id)).toEqual({ on_hand: 5, reserved: 0, allocated: 0 });

    // A refused M shopper trying again on either server is still refused: no M is left.
    const loser = wants.findIndex((w, i) => w === "M" && answers[i]!.status === 409);
    for (const server of [a, b]) {
      shoppers[loser]!.baseUrl = server.baseUrl;
      expect((await shoppers[loser]!.post("/api/checkout", { email: "again@example.test" })).status).toBe(409);
    }
    expect(await reconcileStock()).toMatchObject({ ok: true, problems: [] });
  });
});

async function variantOfOrder(orderId: string): Promise<string[]> {
  const rows = await db.execute<{ variant_id: string }>(sql`select variant_id from order_lines where order_id = ${orderId}`);
  return rows.map((r) => r.variant_id);
}
