/**
 * The line over HTTP on a fleet: two app servers (the production build) behind PgBouncer in transaction mode. A
 * sale of 4 units to 16 shoppers: the 12 refused join the line (POST /api/queue, the contract's answers), freed
 * units reach the oldest tickets whatever server freed them, a lapse reaches the next in line within seconds with
 * no other traffic (each server's line sweep), a start from outside the line gets nothing while tickets wait, and
 * the offers are paid on the other server. The order of the line lives in PostgreSQL, not in a process.
 */
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pool } from "@/db/client";
import { startApp, type RunningApp } from "../support/app-server";
import { HttpClient } from "../support/http";
import { ADMIN_TOKEN_HEADERS, WRONG_TOKEN_HEADERS } from "./admin-helpers";
import { startPgBouncer, type RunningPgBouncer } from "../support/pgbouncer";
import { httpShopperAs, makeProductWithVariants, shoppersWithVariantCarts } from "../support/variants";
import { until } from "../support/wait";
import { runReconcileCli } from "../faults/support";

const directUrl = process.env.DATABASE_URL!;
const sql = postgres(directUrl, { max: 2, onnotice: () => {} });
let bouncer: RunningPgBouncer;
let servers: RunningApp[];

beforeAll(async () => {
  bouncer = await startPgBouncer(directUrl);
  const pooled = { DATABASE_URL: bouncer.urlFor(directUrl), DATABASE_POOLER: "transaction", LINE_SWEEP_SECONDS: "1" };
  servers = await Promise.all([startApp(pooled), startApp(pooled)]);
});

afterAll(async () => {
  await Promise.all((servers ?? []).map((s) => s.stop()));
  await bouncer?.stop();
  await sql.end();
  await pool.end();
});

/** The client talking to server `i` (round robin), as behind a load balancer without sticky sessions. */
const via = (client: HttpClient, i: number) => {
  client.baseUrl = servers[i % servers.length]!.baseUrl;
  return client;
};

const UNITS = 4;
const SHOPPERS = 16;

describe(`${SHOPPERS} shoppers for ${UNITS} units on two app servers behind PgBouncer`, () => {
  let variantId: string;
  let slug: string;
  const holders: { client: HttpClient; checkoutId: string }[] = [];
  const waiting: { client: HttpClient; ticketId: string; email: string }[] = [];

  it("refuses the rest with what is held, and they join the line in order", async () => {
    const product = await makeProductWithVariants({ One: UNITS }, { priceCents: 3000 });
    variantId = product.variants.One!.id;
    slug = product.slug;
    const guests = await shoppersWithVariantCarts(Array.from({ length: SHOPPERS }, () => [{ variantId, quantity: 1 }]));
    const clients = guests.map((g) => httpShopperAs("", g.id));
    const answers = await Promise.all(clients.map((c, i) => via(c, i).post("/api/checkout", { email: `line-${i}@example.test` })));
    expect(answers.filter((a) => a.status === 201)).toHaveLength(UNITS);
    const refused = answers.flatMap((a, i) => (a.status === 409 ? [i] : []));
    expect(refused).toHaveLength(SHOPPERS - UNITS);
    for (const i of refused) {
      expect(answers[i]!.body.error).toMatchObject({ code: "insufficient_stock", held: UNITS, line: { canJoin: true } });
    }
    answers.forEach((a, i) => a.status === 201 && holders.push({ client: clients[i]!, checkoutId: a.body.checkout.id }));

    for (const [n, i] of refused.entries()) {
      const email = `line-${i}@example.test`;
      const joined = await via(clients[i]!, n).post("/api/queue", { email });
      expect(joined.status, joined.text).toBe(201);
      expect(joined.body.ticket).toMatchObject({ status: "waiting", position: n + 1, ahead: n, lines: [{ variantId, quantity: 1 }] });
      // An estimate while the holds ahead could free enough units; past what is held, no one can say.
      expect(joined.body.ticket.estimatedWaitSeconds).toEqual(n < UNITS ? expect.any(Number) : null);
      waiting.push({ client: clients[i]!, ticketId: joined.body.ticket.id, email });
    }
  });

  it("answers the contract's refusals and keeps one live ticket per shopper", async () => {
    const first = waiting[0]!;
    const again = await via(first.client, 1).post("/api/queue", { email: first.email });
    expect(again.status).toBe(200);
    expect(again.body.ticket.id).toBe(first.ticketId);
    // Another shopper's ticket does not exist for them.
    expect((await via(waiting[1]!.client, 0).get(`/api/queue/${first.ticketId}`)).status).toBe(404);
    expect((await via(waiting[1]!.client, 0).post(`/api/queue/${first.ticketId}/leave`)).status).toBe(404);
    expect((await via(first.client, 0).get("/api/queue/not-a-ticket")).status).toBe(404);
    // A visitor with no cart, a cart that can be held now, a guest without an email, a bad body.
    const empty = await new HttpClient(servers[0]!.baseUrl).post("/api/queue", { email: "empty@example.test" });
    expect(empty.status).toBe(400);
    expect(empty.body.error.code).toBe("empty_cart");
    const plenty = await makeProductWithVariants({ One: 10 });
    const [easy] = await shoppersWithVariantCarts([[{ variantId: plenty.variants.One!.id, quantity: 1 }]]);
    const easyClient = httpShopperAs(servers[1]!.baseUrl, easy!.id);
    expect((await easyClient.post("/api/queue", { email: "easy@example.test" })).body.error.code).toBe("in_stock");
    expect((await easyClient.post("/api/queue", {})).status).toBe(400);
    expect((await easyClient.post("/api/queue", { email: 42 })).body.error.code).toBe("invalid_request");
    const [rows] = await sql<{ n: number }[]>`select count(*)::int as n from queue_tickets where status = 'waiting'`;
    expect(rows!.n).toBe(SHOPPERS - UNITS);
    // The last in line leaves.
    const last = waiting.pop()!;
    const left = await via(last.client, 1).post(`/api/queue/${last.ticketId}/leave`);
    expect(left.body.ticket).toMatchObject({ status: "left", position: null });
  });

  it("hands a cancelled and a declined hold to the two oldest tickets, whatever server freed them", async () => {
    expect((await via(holders[0]!.client, 1).post(`/api/checkout/${holders[0]!.checkoutId}/cancel`)).status).toBe(200);
    const declined = await via(holders[1]!.client, 0).post(
      `/api/checkout/${holders[1]!.checkoutId}/pay`,
      { cardNumber: "4000000000000002" },
      { "Idempotency-Key": `decline-${holders[1]!.checkoutId}` },
    );
    expect(declined.status).toBe(402);
    const tickets = await Promise.all(waiting.map((w, i) => via(w.client, i).get(`/api/queue/${w.ticketId}`)));
    expect(tickets.map((t) => t.body.ticket.status)).toEqual(["offered", "offered", ...Array(waiting.length - 2).fill("waiting")]);
    expect(tickets[2]!.body.ticket).toMatchObject({ position: 1, ahead: 0 });
    for (const t of tickets.slice(0, 2)) {
      expect(t.body.ticket.offerExpiresAt).toEqual(expect.any(String));
      const offer = await via(waiting[0]!.client, 0).get(`/api/checkout/${tickets[0]!.body.ticket.checkoutId}`);
      expect(offer.body.checkout).toMatchObject({ status: "active", lines: [expect.objectContaining({ variantId, quantity: 1 })] });
    }
    // A start from outside the line: nothing for it while tickets wait.
    const [outsider] = await shoppersWithVariantCarts([[{ variantId, quantity: 1 }]]);
    const refused = await httpShopperAs(servers[1]!.baseUrl, outsider!.id).post("/api/checkout", { email: "outsider@example.test" });
    expect(refused.status).toBe(409);
    expect(refused.body.error.line).toEqual({ canJoin: true, waiting: true });
  });

  it("lists those two offers in the admin's hand-ons (GET /api/admin/line/hand-ons), and to admins only", async () => {
    const answer = await new HttpClient(servers[1]!.baseUrl).get("/api/admin/line/hand-ons", ADMIN_TOKEN_HEADERS);
    expect(answer.status, answer.text).toBe(200);
    expect(answer.body.windowSeconds).toBe(3600);
    const handOns = answer.body.handOns as { email: string; outcome: string; checkoutId: string; lines: unknown[] }[];
    expect(handOns.map((h) => h.email).sort()).toEqual([waiting[0]!.email, waiting[1]!.email].sort());
    for (const h of handOns) {
      expect(h).toMatchObject({ outcome: "held", checkoutId: expect.any(String), lines: [expect.objectContaining({ variantId, quantity: 1 })] });
    }
    expect((await new HttpClient(servers[0]!.baseUrl).get("/api/admin/line/hand-ons")).status).toBe(401);
    expect((await new HttpClient(servers[0]!.baseUrl).get("/api/admin/line/hand-ons", WRONG_TOKEN_HEADERS)).status).toBe(403);
  });

  it("reaches the next in line within seconds of a lapse, with no other traffic", async () => {
    await sql`update reservations set expires_at = now() where checkout_id = ${holders[2]!.checkoutId}`;
    await sql`update checkouts set expires_at = now() where id = ${holders[2]!.checkoutId}`;
    const waited = await until(
      "the third ticket to be offered",
      async () => {
        const [row] = await sql<{ status: string }[]>`select status from queue_tickets where id = ${waiting[2]!.ticketId}`;
        return row!.status === "offered";
      },
      5_000,
    );
    expect(waited).toBeLessThan(5_000);
  });

  it("shows the demand on the product, and the offers are paid on the other server", async () => {
    const product = await via(new HttpClient(""), 0).get(`/api/products/${slug}`);
    const stillWaiting = waiting.length - 3;
    expect(product.body.product.variants[0].demand).toEqual({ checkingOut: 4, waiting: stillWaiting });
    for (const [i, w] of waiting.slice(0, 3).entries()) {
      const ticket = await via(w.client, i).get(`/api/queue/${w.ticketId}`);
      const paid = await via(w.client, i + 1).post(
        `/api/checkout/${ticket.body.ticket.checkoutId}/pay`,
        { cardNumber: "4242424242424242" },
        { "Idempotency-Key": `line-pay-${w.ticketId}` },
      );
      expect(paid.status, paid.text).toBe(200);
    }
    const [levels] = await sql`select on_hand, reserved, allocated from stock_levels where variant_id = ${variantId}`;
    expect(levels).toEqual({ on_hand: UNITS, reserved: 1, allocated: 3 });
    const reconcile = await runReconcileCli(directUrl);
    expect(reconcile.code, reconcile.output).toBe(0);
  });
});
