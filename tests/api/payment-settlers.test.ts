/**
 * Whoever brings the provider's answer — the pay request, a late answer, a webhook (once or twice at once), the
 * recovery sweep — the money moves once, proved by the test provider's own request log (test_provider_calls):
 * a late answer is settled when it comes, a webhook racing the sweep makes one capture, a duplicate delivery
 * settles once.
 */
import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db, pool } from "@/db/client";
import { signPayload, SIGNATURE_HEADER } from "@/lib/payments/signature";
import { startApp, TEST_CRON_SECRET, type RunningApp } from "../support/app-server";
import { makeProduct } from "../support/fixtures";
import { HttpClient } from "../support/http";
import { until } from "../support/wait";
import { CARDS, pay, shopperWithLines, startedCheckout, type CheckoutBody } from "./shop-support";

const SECRET = "whsec_test_settlers_0123456789";
const STALL_MS = 2_500;
let app: RunningApp;

beforeAll(async () => {
  app = await startApp({
    PAYMENT_WEBHOOK_SECRET: SECRET,
    PAYMENT_RECOVERY_AFTER_SECONDS: "1",
    PAYMENT_TEST_STALL_MS: String(STALL_MS),
    // No webhook of the provider's own, and no sweep but the cron calls a test makes.
    PAYMENT_TEST_WEBHOOK_DELAY_MS: "600000",
    EXPIRY_SWEEP_SECONDS: "0",
  });
});

afterAll(async () => {
  await app?.stop();
  await pool.end();
});

/** The provider calls made under a payment key, by kind. */
async function callsOf(key: string): Promise<Record<string, number>> {
  const rows = await db.execute<{ call: string; n: number }>(
    sql`select call, count(*)::int as n from test_provider_calls where idempotency_key = ${key} group by call`,
  );
  return Object.fromEntries(rows.map((r) => [r.call, r.n]));
}

async function paymentOf(checkoutId: string) {
  const [row] = await db.execute<{ id: string; status: string; orders: number; charged: string | null }>(sql`
    select p.id, p.status, (select count(*)::int from orders where checkout_id = ${checkoutId}) as orders,
      (select t.status from test_provider_payments t where t.idempotency_key = 'stockhold_pay_' || p.id) as charged
    from payments p where p.checkout_id = ${checkoutId} order by p.created_at desc limit 1`);
  return row!;
}

/** A checkout being paid whose payment the provider has authorized, with no answer brought back yet (the pay
 * request's answer lost a while ago): the state a webhook and the sweep both settle. */
async function authorizedAndUnsettled(client: HttpClient) {
  const checkout = await startedCheckout(client);
  const paymentId = randomUUID();
  const key = `stockhold_pay_${paymentId}`;
  await db.execute(sql`update checkouts set status = 'paying', expires_at = now() + interval '10 minutes',
    hard_expires_at = greatest(hard_expires_at, now() + interval '10 minutes') where id = ${checkout.id}`);
  await db.execute(sql`update reservations set expires_at = now() + interval '10 minutes' where checkout_id = ${checkout.id}`);
  await db.execute(sql`insert into payments (id, checkout_id, shopper_id, request_key, provider, amount_cents, updated_at)
    select ${paymentId}, id, shopper_id, 'first', 'test', total_cents, now() - interval '1 minute' from checkouts where id = ${checkout.id}`);
  await db.execute(sql`insert into test_provider_payments (idempotency_key, reference, amount_cents, card_last4, status)
    values (${key}, ${`test_pi_${paymentId.slice(0, 8)}`}, ${checkout.totalCents}, '4242', 'authorized')`);
  return { checkout, key };
}

const webhookBody = (key: string, id = `evt_${randomUUID()}`) =>
  JSON.stringify({ id, type: "payment.authorized", created: Math.floor(Date.now() / 1000), data: { object: { idempotencyKey: key } } });

const postWebhook = (body: string) =>
  new HttpClient(app.baseUrl).request("POST", "/api/payments/webhook", {
    body,
    headers: { "content-type": "application/json", [SIGNATURE_HEADER]: signPayload(SECRET, body) },
  });

const runSweep = () => new HttpClient(app.baseUrl).post("/api/cron/expire-reservations", {}, { authorization: `Bearer ${TEST_CRON_SECRET}` });

describe("a provider answer that comes after the pay request gave up waiting", () => {
  it("is settled when it comes, with the sweep off: the order is made, the cart is free, the money captured once", async () => {
    const product = await makeProduct(3, 1500);
    const client = await shopperWithLines(app, [{ productId: product.id, quantity: 1 }]);
    const checkout = await startedCheckout(client);

    const paid = await pay(client, checkout.id, CARDS.slow);
    expect(paid.status, paid.text).toBe(202);
    expect((paid.body as { checkout: CheckoutBody }).checkout.status).toBe("paying");

    await until("the late answer's order", async () => (await paymentOf(checkout.id)).status === "captured", STALL_MS + 10_000);
    const payment = await paymentOf(checkout.id);
    expect(payment).toMatchObject({ status: "captured", orders: 1, charged: "captured" });
    expect(await callsOf(`stockhold_pay_${payment.id}`)).toMatchObject({ authorize: 1, capture: 1 });

    const after = await client.get<{ checkout: CheckoutBody }>(`/api/checkout/${checkout.id}`);
    expect(after.body.checkout).toMatchObject({ status: "completed", orderId: expect.any(String) });
    // The cart is not stuck in "paying": what was bought left it, and a new checkout finds it empty.
    const cart = await client.get<{ cart: { lines: unknown[] } }>("/api/cart");
    expect(cart.body.cart.lines).toEqual([]);
    const restart = await client.post("/api/checkout", { email: "late@example.test" });
    expect(restart.status, restart.text).toBe(400);
    expect(restart.body).toMatchObject({ error: { code: "empty_cart" } });
  });
});

describe("two settlers at once", () => {
  it("a webhook racing the recovery sweep: one order and exactly one capture call, for every payment", async () => {
    const product = await makeProduct(20, 900);
    const payments = await Promise.all(
      Array.from({ length: 6 }, async () => authorizedAndUnsettled(await shopperWithLines(app, [{ productId: product.id, quantity: 1 }]))),
    );
    const answers = await Promise.all([...payments.map(({ key }) => postWebhook(webhookBody(key))), runSweep(), runSweep()]);
    for (const answer of answers) expect(answer.status, answer.text).toBe(200);

    for (const { checkout, key } of payments) {
      await until("the capture's record", async () => (await paymentOf(checkout.id)).status === "captured", 10_000);
      expect(await paymentOf(checkout.id)).toMatchObject({ status: "captured", orders: 1, charged: "captured" });
      expect((await callsOf(key)).capture).toBe(1);
    }
  });

  it("the same webhook delivered twice at once is settled once: one look-up, one capture, one duplicate", async () => {
    const product = await makeProduct(5, 900);
    const client = await shopperWithLines(app, [{ productId: product.id, quantity: 1 }]);
    const { checkout, key } = await authorizedAndUnsettled(client);
    const body = webhookBody(key);

    const answers = await Promise.all([postWebhook(body), postWebhook(body)]);
    for (const answer of answers) expect(answer.status, answer.text).toBe(200);
    expect(answers.map((a) => (a.body as { duplicate: boolean }).duplicate).sort()).toEqual([false, true]);

    await until("the capture's record", async () => (await paymentOf(checkout.id)).status === "captured", 10_000);
    expect(await callsOf(key)).toEqual({ lookup: 1, capture: 1 });
    expect((await paymentOf(checkout.id)).orders).toBe(1);
  });
});
