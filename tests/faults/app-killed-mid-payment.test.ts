/**
 * The app process is killed (SIGKILL) while a payment is with the provider. Nothing is held open meanwhile: the
 * payment record was written before the provider was called, no transaction spans the call. After a restart,
 * the cron's recovery sweep asks the provider what became of the payment and finishes it exactly as the request
 * would have: one order when the provider charged; otherwise the hold released and nothing charged.
 */
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApp, TEST_CRON_SECRET, type RunningApp } from "../support/app-server";
import { HttpClient } from "../support/http";
import { seedProducts, type SeededProduct } from "../support/products";
import { sleep, until } from "../support/wait";
import { runReconcileCli } from "./support";

const SLOW_CARD = "4000000000000077";
const STALL_MS = 6_000;
const RECOVERY_AFTER_S = 2;

const url = process.env.DATABASE_URL!;
const sql = postgres(url, { max: 2, onnotice: () => {} });
let app: RunningApp | undefined;
let products: SeededProduct[];

beforeAll(async () => {
  products = await seedProducts(url, [
    { slug: "killed-lamp", priceCents: 4900, onHand: 5 },
    { slug: "killed-mug", priceCents: 1800, onHand: 10 },
  ]);
});

afterAll(async () => {
  await app?.stop();
  await sql.end();
});

const appEnv = { PAYMENT_TEST_STALL_MS: String(STALL_MS), PAYMENT_RECOVERY_AFTER_SECONDS: String(RECOVERY_AFTER_S) };

async function runCron(baseUrl: string) {
  const response = await fetch(`${baseUrl}/api/cron/expire-reservations`, {
    method: "POST",
    headers: { authorization: `Bearer ${TEST_CRON_SECRET}` },
  });
  return { status: response.status, body: (await response.json()) as { expired: number; paymentsSettled: number } };
}

describe("app killed while the provider works on a payment", () => {
  it("the provider charged: the recovery sweep makes exactly one order and captures once", async () => {
    app = await startApp(appEnv);
    const shopper = new HttpClient(app.baseUrl);
    const [lamp, mug] = products as [SeededProduct, SeededProduct];
    expect((await shopper.send("PUT", `/api/cart/lines/${lamp.id}`, { quantity: 2 })).status).toBe(200);
    expect((await shopper.send("PUT", `/api/cart/lines/${mug.id}`, { quantity: 3 })).status).toBe(200);
    const started = await shopper.send("POST", "/api/checkout", { email: "killed@example.test" });
    expect(started.status).toBe(201);
    const checkoutId: string = started.body.checkout.id;
    const key = `kill-${checkoutId}`;

    // Pay with the slow card: the provider authorizes at once, but its answer takes STALL_MS. Kill the app then.
    const firstAttempt = shopper.send("POST", `/api/checkout/${checkoutId}/pay`, { cardNumber: SLOW_CARD }, { "Idempotency-Key": key });
    await until("the provider to authorize", async () => {
      const [row] = await sql<{ n: number }[]>`
        select count(*)::int as n from test_provider_payments t join payments p on t.idempotency_key = 'stockhold_pay_' || p.id
        where p.checkout_id = ${checkoutId} and t.status = 'authorized'`;
      return row!.n === 1;
    });
    // Nothing is held open while the provider works: no transaction of the app waits on it.
    const [open] = await sql<{ n: number }[]>`
      select count(*)::int as n from pg_stat_activity
      where datname = current_database() and pid <> pg_backend_pid() and state like 'idle in transaction%'`;
    expect(open!.n).toBe(0);
    await app.kill();
    expect((await firstAttempt).status, "the killed app gives no answer").toBe(0);

    const [midway] = await sql<{ orders: number; payment: string; status: string; reserved: number; allocated: number }[]>`
      select (select count(*)::int from orders where checkout_id = ${checkoutId}) as orders,
             (select status from payments where checkout_id = ${checkoutId}) as payment,
             (select status from checkouts where id = ${checkoutId}) as status,
             (select sum(reserved)::int from stock_levels) as reserved,
             (select sum(allocated)::int from stock_levels) as allocated`;
    expect(midway).toEqual({ orders: 0, payment: "processing", status: "paying", reserved: 5, allocated: 0 });

    app = await startApp(appEnv);
    shopper.baseUrl = app.baseUrl;
    // Once no answer can still be on its way (PAYMENT_RECOVERY_AFTER_SECONDS), the sweep asks the provider.
    await sleep(RECOVERY_AFTER_S * 1000 + 200);
    expect(await runCron(app.baseUrl)).toMatchObject({ status: 200, body: { expired: 0, paymentsSettled: 1 } });
    expect((await runCron(app.baseUrl)).body.paymentsSettled).toBe(0);

    const read = await shopper.send("GET", `/api/checkout/${checkoutId}`);
    expect(read.body.checkout).toMatchObject({ status: "completed", endedBy: "payment", orderId: expect.any(String) });
    // The shopper's retry with the same key shows that order; nothing is charged again.
    const retried = await shopper.send("POST", `/api/checkout/${checkoutId}/pay`, { cardNumber: SLOW_CARD }, { "Idempotency-Key": key });
    expect(retried.status, JSON.stringify(retried.body)).toBe(200);
    expect(retried.body.order.id).toBe(read.body.checkout.orderId);
    expect(retried.ms).toBeLessThan(STALL_MS);

    const orders = await sql<{ id: string; total_cents: string }[]>`select id, total_cents from orders where checkout_id = ${checkoutId}`;
    expect(orders.map((o) => [o.id, Number(o.total_cents)])).toEqual([[read.body.checkout.orderId, 2 * 4900 + 3 * 1800]]);
    const payments = await sql`select status from payments where checkout_id = ${checkoutId}`;
    expect(payments.map((p) => p.status)).toEqual(["captured"]);
    const charged = await sql`
      select t.status from test_provider_payments t join payments p on t.idempotency_key = 'stockhold_pay_' || p.id
      where p.checkout_id = ${checkoutId}`;
    expect(charged.map((c) => c.status)).toEqual(["captured"]);
    const levels = await sql<{ product_id: string; on_hand: number; reserved: number; allocated: number }[]>`
      select product_id, on_hand, reserved, allocated from stock_levels order by product_id`;
    expect(new Map(levels.map((l) => [l.product_id, [l.on_hand, l.reserved, l.allocated]]))).toEqual(
      new Map([
        [lamp.id, [5, 0, 2]],
        [mug.id, [10, 0, 3]],
      ]),
    );
    const reconcile = await runReconcileCli(url);
    expect(reconcile.code, reconcile.output).toBe(0);
  }, 90_000);

  it("the provider never saw the payment: the sweep releases the hold and nothing is charged", async () => {
    await app?.stop();
    app = await startApp(appEnv);
    const shopper = new HttpClient(app.baseUrl);
    const [lamp] = products as [SeededProduct, SeededProduct];
    expect((await shopper.send("PUT", `/api/cart/lines/${lamp.id}`, { quantity: 1 })).status).toBe(200);
    const started = await shopper.send("POST", "/api/checkout", { email: "lost@example.test" });
    const checkoutId: string = started.body.checkout.id;
    // The request to the provider was lost on its way: the payment record exists, the provider has none. (The
    // same state as a crash between the record and the call; made here without the call.)
    await sql`update checkouts set status = 'paying', expires_at = now() + interval '10 minutes',
                hard_expires_at = greatest(hard_expires_at, now() + interval '10 minutes') where id = ${checkoutId}`;
    await sql`update reservations set expires_at = now() + interval '10 minutes' where checkout_id = ${checkoutId}`;
    await sql`insert into payments (checkout_id, shopper_id, request_key, provider, amount_cents, updated_at)
              select id, shopper_id, 'lost', 'test', total_cents, now() - interval '1 minute' from checkouts where id = ${checkoutId}`;
    const before = await sql<{ reserved: number }[]>`select reserved from stock_levels where product_id = ${lamp.id}`;

    expect(await runCron(app.baseUrl)).toMatchObject({ status: 200, body: { expired: 0, paymentsSettled: 1 } });

    const read = await shopper.send("GET", `/api/checkout/${checkoutId}`);
    expect(read.body.checkout).toMatchObject({ status: "failed", endedBy: "payment" });
    expect((await sql`select status from payments where checkout_id = ${checkoutId}`).map((p) => p.status)).toEqual(["failed"]);
    expect(await sql`select 1 from orders where checkout_id = ${checkoutId}`).toHaveLength(0);
    const [after] = await sql<{ reserved: number }[]>`select reserved from stock_levels where product_id = ${lamp.id}`;
    expect(after!.reserved).toBe(before[0]!.reserved - 1);
    const reconcile = await runReconcileCli(url);
    expect(reconcile.code, reconcile.output).toBe(0);
  }, 90_000);
});
