/**
 * The app process is killed (SIGKILL) in the middle of a payment, while the payment provider is still
 * working on the charge and the payment's transaction holds the checkout. The shopper retries with the same
 * Idempotency-Key on a restarted app: exactly one order, stock allocated exactly once, the ledger in balance.
 */
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApp, type RunningApp } from "../support/app-server";
import { runReconcileCli } from "./support";
import { seedProducts, type SeededProduct } from "../support/products";
import { HttpClient } from "../support/http";
import { until } from "../support/wait";

const SLOW_CARD = "4000000000000077";
const STALL_MS = 4_000;

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

/**
 * Open transactions of the app in this database that have waited at least `idleMs` for the app (the payment's,
 * while the provider works on the charge).
 */
async function appTransactionsOpen(idleMs = 0): Promise<number> {
  const [row] = await sql<{ count: number }[]>`
    select count(*)::int as count from pg_stat_activity
    where datname = current_database() and pid <> pg_backend_pid() and state like 'idle in transaction%'
      and state_change <= clock_timestamp() - make_interval(secs => ${idleMs / 1000})`;
  return row!.count;
}

describe("app killed in the middle of a payment", () => {
  it("a retry with the same idempotency key makes one order and allocates the stock once", async () => {
    app = await startApp({ PAYMENT_TEST_STALL_MS: String(STALL_MS) });
    const shopper = new HttpClient(app.baseUrl);
    const [lamp, mug] = products as [SeededProduct, SeededProduct];
    expect((await shopper.send("PUT", `/api/cart/lines/${lamp.id}`, { quantity: 2 })).status).toBe(200);
    expect((await shopper.send("PUT", `/api/cart/lines/${mug.id}`, { quantity: 3 })).status).toBe(200);
    const started = await shopper.send("POST", "/api/checkout", { email: "killed@example.test" });
    expect(started.status).toBe(201);
    const checkoutId: string = started.body.checkout.id;
    const key = `kill-${checkoutId}`;

    // Pay with the slow card, and kill the app while the provider stalls inside the payment's transaction.
    const firstAttempt = shopper.send("POST", `/api/checkout/${checkoutId}/pay`, { cardNumber: SLOW_CARD }, { "Idempotency-Key": key });
    const sentAt = performance.now();
    await until("the payment to wait on the provider", async () => (await appTransactionsOpen(300)) > 0);
    const untilMidPayment = performance.now() - sentAt;
    const killedAt = performance.now();
    app.process.kill("SIGKILL");
    await new Promise<void>((resolve) => (app!.process.exitCode !== null || app!.process.signalCode ? resolve() : app!.process.once("exit", () => resolve())));
    const exitedMs = performance.now() - killedAt;
    const first = await firstAttempt;
    expect(first.status, "the killed app gives no answer").toBe(0);

    // PostgreSQL rolls the payment's transaction back when its connection dies: nothing half-written.
    const rolledBackMs = await until("the killed transaction to end", async () => (await appTransactionsOpen()) === 0);
    const [midway] = await sql<{ orders: number; attempts: number; status: string; reserved: number; allocated: number }[]>`
      select (select count(*)::int from orders where checkout_id = ${checkoutId}) as orders,
             (select count(*)::int from payment_attempts where checkout_id = ${checkoutId}) as attempts,
             (select status from checkouts where id = ${checkoutId}) as status,
             (select sum(reserved)::int from stock_levels) as reserved,
             (select sum(allocated)::int from stock_levels) as allocated`;
    expect(midway).toEqual({ orders: 0, attempts: 0, status: "active", reserved: 5, allocated: 0 });

    // The shopper retries on a restarted app with the same key.
    const restartStarted = performance.now();
    app = await startApp({ PAYMENT_TEST_STALL_MS: String(STALL_MS) });
    const restartMs = performance.now() - restartStarted;
    shopper.baseUrl = app.baseUrl;
    const retried = await shopper.send("POST", `/api/checkout/${checkoutId}/pay`, { cardNumber: SLOW_CARD }, { "Idempotency-Key": key });
    expect(retried.status, JSON.stringify(retried.body)).toBe(200);
    expect(retried.body.order.status).toBe("paid");
    const replayed = await shopper.send("POST", `/api/checkout/${checkoutId}/pay`, { cardNumber: SLOW_CARD }, { "Idempotency-Key": key });
    expect(replayed.status).toBe(200);
    expect(replayed.body.order.id).toBe(retried.body.order.id);
    expect(replayed.ms, "a replay answers from the record, without charging again").toBeLessThan(STALL_MS);

    const orders = await sql<{ id: string; total_cents: number }[]>`select id, total_cents from orders where checkout_id = ${checkoutId}`;
    expect(orders.map((o) => o.id)).toEqual([retried.body.order.id]);
    expect(orders[0]!.total_cents).toBe(2 * 4900 + 3 * 1800);
    const attempts = await sql`select outcome from payment_attempts where checkout_id = ${checkoutId}`;
    expect(attempts.map((a) => a.outcome)).toEqual(["succeeded"]);
    const allocations = await sql<{ product_id: string; allocated: number; rows: number }[]>`
      select product_id, sum(allocated_delta)::int as allocated, count(*)::int as rows from stock_movements
      where checkout_id = ${checkoutId} and kind = 'allocate' group by product_id order by product_id`;
    expect(new Map(allocations.map((a) => [a.product_id, [a.allocated, a.rows]]))).toEqual(
      new Map([
        [lamp.id, [2, 1]],
        [mug.id, [3, 1]],
      ]),
    );
    const levels = await sql<{ product_id: string; on_hand: number; reserved: number; allocated: number }[]>`
      select product_id, on_hand, reserved, allocated from stock_levels order by product_id`;
    expect(new Map(levels.map((l) => [l.product_id, [l.on_hand, l.reserved, l.allocated]]))).toEqual(
      new Map([
        [lamp.id, [5, 0, 2]],
        [mug.id, [10, 0, 3]],
      ]),
    );
    const reconcile = await runReconcileCli(url);
    console.log(
      [
        "App killed mid-payment:",
        `  killed ${Math.round(untilMidPayment)} ms after the payment was sent (provider stall ${STALL_MS} ms); the payment's ` +
          `transaction was gone ${Math.round(rolledBackMs)} ms after the app had exited (${Math.round(exitedMs)} ms after SIGKILL)`,
        `  app restarted in ${Math.round(restartMs)} ms; the retry with the same key paid in ${Math.round(retried.ms)} ms, a replay answered in ${Math.round(replayed.ms)} ms`,
        `  orders for the checkout: ${orders.length}; reconcile exit ${reconcile.code}`,
      ].join("\n"),
    );
    expect(reconcile.code, reconcile.output).toBe(0);
  }, 90_000);
});
