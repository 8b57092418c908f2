/**
 * Sizes of one shirt on a fleet: two app servers (the production build) behind one PgBouncer in transaction mode.
 * 60 shoppers race for the last 8 Ms while 20 others buy an L, then winners pay, cancel and let holds lapse, each
 * step on another server than the last. Exactly as many "held" as units per size, every "held" backed by a hold of
 * that size in the database, money captured once, and each step moves only the size it concerns.
 * The carts are filled through lib/cart (by variant id) on a direct connection; everything else is HTTP.
 */
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pool } from "@/db/client";
import { startApp, TEST_CRON_SECRET, type RunningApp } from "../support/app-server";
import { HttpClient } from "../support/http";
import { startPgBouncer, type RunningPgBouncer } from "../support/pgbouncer";
import { guestCookieFor, makeProductWithVariants, shoppersWithVariantCarts } from "../support/variants";
import { runReconcileCli } from "../faults/support";

const directUrl = process.env.DATABASE_URL!;
const sql = postgres(directUrl, { max: 2, onnotice: () => {} });
let bouncer: RunningPgBouncer;
let servers: RunningApp[];

const M_SHOPPERS = 60;
const M_UNITS = 8;
const L_SHOPPERS = 20;
const L_UNITS = 25;

beforeAll(async () => {
  bouncer = await startPgBouncer(directUrl);
  const pooled = { DATABASE_URL: bouncer.urlFor(directUrl), DATABASE_POOLER: "transaction" };
  servers = await Promise.all([startApp(pooled), startApp(pooled)]);
});

afterAll(async () => {
  await Promise.all((servers ?? []).map((s) => s.stop()));
  await bouncer?.stop();
  await sql.end();
  await pool.end();
});

const server = (i: number) => servers[i % servers.length]!;

/** One guest's cookie jar that may talk to any server, as behind a load balancer without sticky sessions. */
class FleetShopper {
  private readonly jar = new HttpClient("");
  constructor(
    private readonly home: number,
    guestId: string,
  ) {
    this.jar.setCookie("stockhold_guest", guestCookieFor(guestId));
  }
  /** This shopper talking to the server `offset` places after its home server. */
  on(offset: number) {
    const jar = this.jar;
    const baseUrl = server(this.home + offset).baseUrl;
    return {
      post(urlPath: string, json: unknown = {}, headers: Record<string, string> = {}) {
        jar.baseUrl = baseUrl;
        return jar.send("POST", urlPath, json, headers);
      },
    };
  }
}

const levelsOf = async (variantId: string) =>
  (await sql`select on_hand, reserved, allocated from stock_levels where variant_id = ${variantId}`)[0];

describe(`${M_SHOPPERS} shoppers for the last ${M_UNITS} Ms and ${L_SHOPPERS} for an L, on two app servers behind PgBouncer`, () => {
  let M: { id: string; sku: string };
  let L: { id: string; sku: string };
  let productId: string;
  const winners: { shopper: FleetShopper; checkoutId: string; size: "M" | "L" }[] = [];

  it(`exactly ${M_UNITS} M holds and every L held; the refused are told only the M is short`, async () => {
    const shirt = await makeProductWithVariants({ M: M_UNITS, L: L_UNITS }, { priceCents: 2500 });
    productId = shirt.id;
    M = shirt.variants.M!;
    L = shirt.variants.L!;
    const wants = Array.from({ length: M_SHOPPERS + L_SHOPPERS }, (_, i) => (i % 4 === 3 ? "L" : "M") as "M" | "L");
    const guests = await shoppersWithVariantCarts(wants.map((size) => [{ variantId: (size === "M" ? M : L).id, quantity: 1 }]));
    const shoppers = guests.map((g, i) => ({ i, size: wants[i]!, shopper: new FleetShopper(i, g.id) }));

    const answers = await Promise.all(
      shoppers.map(async (s) => ({ ...s, answer: await s.shopper.on(0).post("/api/checkout", { email: `fleet-${s.i}@example.test` }) })),
    );

    expect(answers.filter((a) => a.answer.status !== 201 && a.answer.status !== 409).map((a) => a.answer.text)).toEqual([]);
    const held = answers.filter((a) => a.answer.status === 201);
    expect(held.filter((a) => a.size === "M")).toHaveLength(M_UNITS);
    expect(held.filter((a) => a.size === "L")).toHaveLength(L_SHOPPERS);
    const refused = answers.filter((a) => a.answer.status === 409);
    expect(refused).toHaveLength(M_SHOPPERS - M_UNITS);
    for (const { size, answer } of refused) {
      expect(size).toBe("M");
      expect(answer.body.error).toMatchObject({ code: "insufficient_stock", lines: [{ productId, variantId: M.id, requested: 1, available: 0 }] });
    }
    // Each "held" names a checkout that holds a unit of its size in the database, and no other checkout holds any.
    const holds = await sql<{ checkout_id: string; variant_id: string }[]>`
      select checkout_id, variant_id from reservations where product_id = ${productId} and status = 'active'`;
    expect(holds.map((h) => `${h.checkout_id}:${h.variant_id}`).sort()).toEqual(
      held.map((h) => `${h.answer.body.checkout.id}:${(h.size === "M" ? M : L).id}`).sort(),
    );
    expect(await levelsOf(M.id)).toEqual({ on_hand: M_UNITS, reserved: M_UNITS, allocated: 0 });
    expect(await levelsOf(L.id)).toEqual({ on_hand: L_UNITS, reserved: L_SHOPPERS, allocated: 0 });
    // Ms and Ls alternate in the list, so payers, cancellers and lapsers below mix both sizes.
    const ms = held.filter((h) => h.size === "M");
    const ls = held.filter((h) => h.size === "L");
    for (let n = 0; n < Math.max(ms.length, ls.length); n += 1) {
      for (const h of [ms[n], ls[n]]) if (h) winners.push({ shopper: h.shopper, checkoutId: h.answer.body.checkout.id, size: h.size });
    }
  });

  it("winners pay on the other server, and replay there: one order and one capture each, each size allocated once", async () => {
    const payers = winners.slice(0, 6); // 3 Ms and 3 Ls
    const paid = await Promise.all(
      payers.map(({ shopper, checkoutId }) =>
        shopper.on(1).post(`/api/checkout/${checkoutId}/pay`, { cardNumber: "4242424242424242" }, { "Idempotency-Key": `fleet-${checkoutId}` }),
      ),
    );
    for (const answer of paid) expect(answer.status, answer.text).toBe(200);
    const again = await Promise.all(
      payers.map(({ shopper, checkoutId }) =>
        shopper.on(0).post(`/api/checkout/${checkoutId}/pay`, { cardNumber: "4242424242424242" }, { "Idempotency-Key": `fleet-${checkoutId}` }),
      ),
    );
    expect(again.map((a) => a.body?.order?.id)).toEqual(paid.map((p) => p.body.order.id));
    const lines = await sql<{ checkout_id: string; variant_id: string }[]>`
      select o.checkout_id, l.variant_id from orders o join order_lines l on l.order_id = o.id where l.product_id = ${productId}`;
    expect(lines.map((l) => `${l.checkout_id}:${l.variant_id}`).sort()).toEqual(
      payers.map((p) => `${p.checkoutId}:${(p.size === "M" ? M : L).id}`).sort(),
    );
    const captured = await sql<{ n: number }[]>`
      select count(*)::int as n from test_provider_payments t join payments p on t.idempotency_key = 'stockhold_pay_' || p.id
      where t.status = 'captured' and p.checkout_id in ${sql(payers.map((p) => p.checkoutId))}`;
    expect(captured[0]!.n).toBe(payers.length);
    expect(await levelsOf(M.id)).toEqual({ on_hand: M_UNITS, reserved: M_UNITS - 3, allocated: 3 });
    expect(await levelsOf(L.id)).toEqual({ on_hand: L_UNITS, reserved: L_SHOPPERS - 3, allocated: 3 });
  });

  it("winners cancel on the other server: exactly their sizes are free again at once", async () => {
    const cancellers = winners.slice(6, 10); // 2 Ms and 2 Ls
    for (const { shopper, checkoutId } of cancellers) {
      const cancelled = await shopper.on(1).post(`/api/checkout/${checkoutId}/cancel`);
      expect(cancelled.status, cancelled.text).toBe(200);
      expect(cancelled.body.checkout.status).toBe("cancelled");
    }
    expect(await levelsOf(M.id)).toEqual({ on_hand: M_UNITS, reserved: M_UNITS - 5, allocated: 3 });
    expect(await levelsOf(L.id)).toEqual({ on_hand: L_UNITS, reserved: L_SHOPPERS - 5, allocated: 3 });
  });

  it("the cron on both servers at once expires each lapsed hold once, and the shop reconciles through the pooler", async () => {
    const lapsed = winners.slice(10, 14).map((w) => w.checkoutId); // 2 Ms and 2 Ls
    await sql`update reservations set expires_at = now() - interval '1 second' where checkout_id in ${sql(lapsed)} and status = 'active'`;
    await sql`update checkouts set expires_at = now() - interval '1 second' where id in ${sql(lapsed)}`;
    const runs = await Promise.all(
      servers.map((s) => new HttpClient(s.baseUrl).get("/api/cron/expire-reservations", { authorization: `Bearer ${TEST_CRON_SECRET}` })),
    );
    for (const run of runs) expect(run.status, run.text).toBe(200);
    expect(runs.reduce((sum, run) => sum + (run.body.expired as number), 0)).toBe(4);
    expect(await levelsOf(M.id)).toEqual({ on_hand: M_UNITS, reserved: M_UNITS - 7, allocated: 3 });
    expect(await levelsOf(L.id)).toEqual({ on_hand: L_UNITS, reserved: L_SHOPPERS - 7, allocated: 3 });

    const report = await runReconcileCli(bouncer.urlFor(directUrl));
    expect(report.code, report.output).toBe(0);
  });
});
