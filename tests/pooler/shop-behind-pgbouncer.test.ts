/**
 * The shop as it runs on a fleet: three app servers (the production build) behind one PgBouncer in transaction
 * mode, in front of PostgreSQL. Shoppers spread over the servers race for the last units, then pay, cancel and
 * let holds lapse, each step on another server than the last. The answers must be the same as on a direct
 * connection: exactly as many "held" as there are units, and every "held" backed by a hold in the database.
 */
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApp, TEST_ADMIN_TOKEN, TEST_CRON_SECRET, type RunningApp } from "../support/app-server";
import { HttpClient } from "../support/http";
import { startPgBouncer, type RunningPgBouncer } from "../support/pgbouncer";
import { runReconcileCli } from "../faults/support";

const directUrl = process.env.DATABASE_URL!;
const sql = postgres(directUrl, { max: 2, onnotice: () => {} });
let bouncer: RunningPgBouncer;
let servers: RunningApp[];

const SHOPPERS = 150;
const UNITS = 10;

beforeAll(async () => {
  bouncer = await startPgBouncer(directUrl);
  const pooled = { DATABASE_URL: bouncer.urlFor(directUrl), DATABASE_POOLER: "transaction" };
  servers = await Promise.all([startApp(pooled), startApp(pooled), startApp(pooled)]);
});

afterAll(async () => {
  await Promise.all((servers ?? []).map((s) => s.stop()));
  await bouncer?.stop();
  await sql.end();
});

const server = (i: number) => servers[i % servers.length]!;

async function createProduct(onHand: number): Promise<string> {
  const admin = new HttpClient(server(0).baseUrl);
  const created = await admin.post(
    "/api/admin/products",
    { name: `Pooled ${Math.random().toString(36).slice(2, 8)}`, priceCents: 2500, onHand },
    { authorization: `Bearer ${TEST_ADMIN_TOKEN}` },
  );
  expect(created.status, created.text).toBe(201);
  return created.body.product.id as string;
}

/** One cookie jar that may talk to any server, as behind a load balancer without sticky sessions. */
class FleetShopper {
  private readonly jar = new HttpClient("");
  constructor(private readonly home: number) {}
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

describe(`${SHOPPERS} shoppers on three app servers behind PgBouncer race for the last ${UNITS} units`, () => {
  let productId: string;
  const winners: { shopper: FleetShopper; checkoutId: string; home: number }[] = [];

  it(`exactly ${UNITS} are told "held", the rest 409 with available 0, and the database holds exactly those`, async () => {
    productId = await createProduct(UNITS);
    const shoppers = Array.from({ length: SHOPPERS }, (_, i) => ({ i, shopper: new FleetShopper(i) }));
    for (const { shopper } of shoppers) {
      const added = await shopper.on(0).post("/api/cart/lines", { productId, quantity: 1 });
      expect(added.status, added.text).toBe(200);
    }

    const answers = await Promise.all(
      shoppers.map(async ({ i, shopper }) => ({
        i,
        shopper,
        answer: await shopper.on(0).post("/api/checkout", { email: `fleet-${i}@example.test` }),
      })),
    );

    const held = answers.filter((a) => a.answer.status === 201);
    const refused = answers.filter((a) => a.answer.status === 409);
    expect(answers.filter((a) => a.answer.status !== 201 && a.answer.status !== 409).map((a) => a.answer.text)).toEqual([]);
    expect(held).toHaveLength(UNITS);
    expect(refused).toHaveLength(SHOPPERS - UNITS);
    for (const { answer } of refused) {
      expect(answer.body).toMatchObject({
        error: { code: "insufficient_stock", lines: [{ productId, requested: 1, available: 0 }] },
      });
    }
    // Each "held" names a checkout that holds a unit in the database, and no other checkout holds any.
    const holds = await sql<{ checkout_id: string }[]>`
      select checkout_id from reservations where product_id = ${productId} and status = 'active'`;
    expect(holds.map((h) => h.checkout_id).sort()).toEqual(held.map((h) => h.answer.body.checkout.id as string).sort());
    const [level] = await sql`select on_hand, reserved, allocated from stock_levels where product_id = ${productId}`;
    expect(level).toEqual({ on_hand: UNITS, reserved: UNITS, allocated: 0 });
    for (const h of held) winners.push({ shopper: h.shopper, checkoutId: h.answer.body.checkout.id, home: h.i });
  });

  it("winners pay on another server than the one that held their stock: one order each, stock allocated once", async () => {
    const payers = winners.slice(0, 4);
    const paid = await Promise.all(
      payers.map(({ shopper, checkoutId }) =>
        shopper.on(1).post(`/api/checkout/${checkoutId}/pay`, { cardNumber: "4242424242424242" }, { "Idempotency-Key": `fleet-${checkoutId}` }),
      ),
    );
    for (const answer of paid) expect(answer.status, answer.text).toBe(200);
    // The same attempt again, on the third server: the same order, no second charge.
    const again = await payers[0]!.shopper.on(2).post(
      `/api/checkout/${payers[0]!.checkoutId}/pay`,
      { cardNumber: "4242424242424242" },
      { "Idempotency-Key": `fleet-${payers[0]!.checkoutId}` },
    );
    expect(again.status, again.text).toBe(200);
    expect(again.body.order.id).toBe(paid[0]!.body.order.id);
    const [level] = await sql`select on_hand, reserved, allocated from stock_levels where product_id = ${productId}`;
    expect(level).toEqual({ on_hand: UNITS, reserved: UNITS - 4, allocated: 4 });
    const [orders] = await sql<{ n: number }[]>`select count(*)::int as n from orders`;
    expect(orders!.n).toBe(4);
  });

  it("winners cancel on another server: their units are free again at once", async () => {
    const cancellers = winners.slice(4, 7);
    for (const { shopper, checkoutId } of cancellers) {
      const cancelled = await shopper.on(2).post(`/api/checkout/${checkoutId}/cancel`);
      expect(cancelled.status, cancelled.text).toBe(200);
      expect(cancelled.body.checkout.status).toBe("cancelled");
    }
    const [level] = await sql`select on_hand, reserved, allocated from stock_levels where product_id = ${productId}`;
    expect(level).toEqual({ on_hand: UNITS, reserved: UNITS - 7, allocated: 4 });
    const listed = await new HttpClient(server(1).baseUrl).get(`/api/admin/stock`, { authorization: `Bearer ${TEST_ADMIN_TOKEN}` });
    expect(listed.body.products.find((p: { id: string }) => p.id === productId)).toMatchObject({ available: 3 });
  });

  it("the cron on any server expires the lapsed holds, and the shop reconciles through the pooler", async () => {
    const lapsed = winners.slice(7).map((w) => w.checkoutId);
    expect(lapsed).toHaveLength(3);
    await sql`update reservations set expires_at = now() - interval '1 second' where checkout_id in ${sql(lapsed)} and status = 'active'`;
    await sql`update checkouts set expires_at = now() - interval '1 second' where id in ${sql(lapsed)}`;
    const runs = await Promise.all(
      servers.map((s) => new HttpClient(s.baseUrl).get("/api/cron/expire-reservations", { authorization: `Bearer ${TEST_CRON_SECRET}` })),
    );
    for (const run of runs) expect(run.status, run.text).toBe(200);
    // Run concurrently on three servers, the job expires each hold exactly once.
    expect(runs.reduce((sum, run) => sum + (run.body.expired as number), 0)).toBe(3);
    const [level] = await sql`select on_hand, reserved, allocated from stock_levels where product_id = ${productId}`;
    expect(level).toEqual({ on_hand: UNITS, reserved: 0, allocated: 4 });

    const report = await runReconcileCli(bouncer.urlFor(directUrl));
    expect(report.code, report.output).toBe(0);
  });
});
