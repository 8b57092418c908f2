/**
 * The Stripe provider with the real SDK against a local stand-in for Stripe's API (tests/support/stripe-stand-in.ts):
 * manual-capture PaymentIntents, declines, 3-D Secure "processing" with its client secret, void, refund, lookup by the shop's key,
 * idempotent retries, and webhooks verified by the SDK's own constructEvent. Then the built app with
 * PAYMENT_PROVIDER=stripe, over HTTP: a checkout paid with a PaymentMethod id, and Stripe-signed webhooks.
 */
import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { chromium } from "@playwright/test";
import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db, pool } from "@/db/client";
import type { PaymentProvider } from "@/lib/payments/provider";
import { createStripeProvider } from "@/lib/payments/stripe-provider";
import { shopperWithLines, startedCheckout } from "../api/shop-support";
import { startApp, type RunningApp } from "../support/app-server";
import { chromiumExecutable } from "../support/chromium";
import { levels, makeProduct } from "../support/fixtures";
import { HttpClient } from "../support/http";
import { until } from "../support/wait";
import { stripeJsStandIn } from "../support/stripe-js-stand-in";
import { STAND_IN_PAYMENT_METHODS as PM, startStripeStandIn, type StripeStandIn } from "../support/stripe-stand-in";

const SECRET_KEY = "sk_test_standin_0123456789";
const PUBLISHABLE_KEY = "pk_test_standin_0123456789";
const WEBHOOK_SECRET = "whsec_standin_0123456789";

let standIn: StripeStandIn;
let provider: PaymentProvider;
const sdk = new Stripe(SECRET_KEY);

beforeAll(async () => {
  standIn = await startStripeStandIn(SECRET_KEY);
  provider = createStripeProvider({ secretKey: SECRET_KEY, webhookSecret: WEBHOOK_SECRET, ...standIn.sdkOptions });
});

afterAll(async () => {
  await standIn?.close();
  await pool.end();
});

const newKey = () => `stockhold_pay_${randomUUID()}`;
const authorize = (paymentMethod: string, idempotencyKey = newKey(), amountCents = 2599) =>
  provider.authorize({ idempotencyKey, amountCents, paymentMethod, description: "Stockhold checkout test" });
const intentOf = (reference: string | null) => standIn.intents.get(reference ?? "")!;

describe("the Stripe provider against the stand-in", () => {
  it("authorizes with manual capture under the shop's key, then captures the amount", async () => {
    const key = newKey();
    const authorized = await authorize(PM.visa, key);
    expect(authorized).toEqual({ status: "authorized", reference: expect.stringMatching(/^pi_/) });
    expect(intentOf(authorized.reference)).toMatchObject({
      status: "requires_capture",
      amount: 2599,
      currency: "usd",
      capture_method: "manual",
      payment_method: PM.visa,
      metadata: { idempotency_key: key },
    });

    const captured = await provider.capture({ idempotencyKey: key, reference: authorized.reference!, amountCents: 2599 });
    expect(captured).toEqual({ status: "captured", reference: authorized.reference });
    expect(intentOf(authorized.reference)).toMatchObject({ status: "succeeded", amount_received: 2599 });
  });

  it("a declined card is the card's answer, with Stripe's code and message, and the intent is found by its key", async () => {
    const key = newKey();
    const declined = await authorize(PM.declined, key);
    expect(declined).toEqual({ status: "declined", reference: expect.stringMatching(/^pi_/), code: "card_declined", message: "Your card was declined." });
    expect(await provider.lookup(key)).toEqual(declined);

    const short = await authorize(PM.insufficientFunds);
    expect(short).toMatchObject({ status: "declined", code: "insufficient_funds", message: "Your card has insufficient funds." });

    // A card number, or a PaymentMethod Stripe does not know: refused, nothing made at Stripe.
    const intents = standIn.intents.size;
    expect(await authorize("4242424242424242")).toMatchObject({ status: "declined", reference: null, code: "card_not_supported" });
    expect(await authorize("pm_from_another_account")).toMatchObject({ status: "declined", reference: null, code: "card_not_supported" });
    expect(standIn.intents.size).toBe(intents);
  });

  it("3-D Secure answers processing; the bank's later answer is what lookup sees", async () => {
    const key = newKey();
    const pending = await authorize(PM.threeDSecure, key);
    // The shopper's browser needs the intent's client secret for the bank's check (Stripe.js handleNextAction).
    expect(pending).toEqual({
      status: "processing",
      reference: expect.stringMatching(/^pi_/),
      nextAction: { type: "stripe_3ds", clientSecret: intentOf(pending.reference).client_secret },
    });
    expect(await provider.lookup(key)).toEqual(pending);
    expect(await provider.pendingAction!(pending.reference!)).toEqual({ type: "stripe_3ds", clientSecret: intentOf(pending.reference).client_secret });

    standIn.completeAction(pending.reference!, "authorized");
    expect(await provider.lookup(key)).toEqual({ status: "authorized", reference: pending.reference });
    expect(await provider.pendingAction!(pending.reference!)).toBeNull();

    const refusedKey = newKey();
    const refused = await authorize(PM.threeDSecure, refusedKey);
    standIn.completeAction(refused.reference!, "declined");
    expect(await provider.lookup(refusedKey)).toMatchObject({ status: "declined", code: "card_declined", reference: refused.reference });
  });

  it("void cancels an authorization; a capture after it answers voided and takes nothing", async () => {
    const key = newKey();
    const { reference } = await authorize(PM.visa, key);
    expect(await provider.void({ idempotencyKey: key, reference: reference! })).toEqual({ status: "voided", reference });
    expect(await provider.void({ idempotencyKey: key, reference: reference! })).toEqual({ status: "voided", reference });
    expect(await provider.capture({ idempotencyKey: key, reference: reference!, amountCents: 2599 })).toEqual({ status: "voided", reference });
    expect(intentOf(reference)).toMatchObject({ status: "canceled", amount_received: 0 });
  });

  it("refund gives captured money back, and lookup then says refunded", async () => {
    const key = newKey();
    const { reference } = await authorize(PM.visa, key);
    await provider.capture({ idempotencyKey: key, reference: reference!, amountCents: 2599 });
    expect(await provider.refund({ idempotencyKey: key, reference: reference!, amountCents: 2599 })).toEqual({ status: "refunded", reference });
    expect(intentOf(reference).latest_charge).toMatchObject({ refunded: true, amount_refunded: 2599 });
    expect(await provider.lookup(key)).toEqual({ status: "refunded", reference });
  });

  it("lookup: null for a key Stripe never saw; an intent search has not indexed yet is found in the recent list", async () => {
    expect(await provider.lookup(newKey())).toBeNull();

    const key = newKey();
    const { reference } = await authorize(PM.visa, key);
    await authorize(PM.visa); // another payment, made later: listed first
    standIn.searchIndexed = false;
    try {
      expect(await provider.lookup(key)).toEqual({ status: "authorized", reference });
      // A capture whose reference was lost (a crash) finds the intent by the key too.
      expect(await provider.capture({ idempotencyKey: key, reference: "", amountCents: 2599 })).toEqual({ status: "captured", reference });
    } finally {
      standIn.searchIndexed = true;
    }
  });

  it("refunds part of a capture under the refund's own key, once however often asked, and finds it again by that key", async () => {
    const key = newKey();
    const { reference } = await authorize(PM.visa, key);
    await provider.capture({ idempotencyKey: key, reference: reference!, amountCents: 2599 });
    const refundKey = `stockhold_refund_${randomUUID()}`;
    const request = { idempotencyKey: refundKey, paymentKey: key, reference: reference!, amountCents: 1000 };
    expect(await provider.lookupRefund(request)).toBeNull();
    const made = await provider.refundAmount(request);
    expect(made).toEqual({ status: "succeeded", reference: expect.stringMatching(/^re_/) });
    expect(await provider.refundAmount(request)).toEqual(made);
    expect(intentOf(reference).latest_charge).toMatchObject({ refunded: false, amount_refunded: 1000 });
    expect(await provider.lookupRefund(request)).toEqual(made);
    // The rest, under another key; past the capture Stripe refuses.
    await provider.refundAmount({ ...request, idempotencyKey: `stockhold_refund_${randomUUID()}`, amountCents: 1599 });
    await expect(provider.refundAmount({ ...request, idempotencyKey: `stockhold_refund_${randomUUID()}`, amountCents: 1 })).rejects.toThrow();
    expect(intentOf(reference).latest_charge).toMatchObject({ refunded: true, amount_refunded: 2599 });
  });

  it("reads charge.refunded as a refund event naming the payment", async () => {
    const payload = JSON.stringify({
      id: "evt_charge_refunded",
      object: "event",
      type: "charge.refunded",
      data: { object: { id: "ch_1", object: "charge", payment_intent: "pi_refunded", refunded: true } },
    });
    const header = sdk.webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET });
    expect(provider.parseWebhook(payload, new Headers({ "stripe-signature": header }))).toEqual({
      id: "evt_charge_refunded",
      type: "charge.refunded",
      idempotencyKey: null,
      refund: { idempotencyKey: null, paymentReference: "pi_refunded" },
    });
  });

  it("retries under the same key are the same request: one intent, one capture, one refund", async () => {
    const key = newKey();
    const before = standIn.intents.size;
    const first = await authorize(PM.visa, key);
    const again = await authorize(PM.visa, key);
    expect(again).toEqual(first);
    expect(standIn.intents.size).toBe(before + 1);
    // The same key with another amount is refused, never a second charge.
    await expect(authorize(PM.visa, key, 100)).rejects.toThrow(/same parameters/);

    const call = { idempotencyKey: key, reference: first.reference!, amountCents: 2599 };
    await provider.capture(call);
    expect(await provider.capture(call)).toEqual({ status: "captured", reference: first.reference });
    await provider.refund(call);
    expect(await provider.refund(call)).toEqual({ status: "refunded", reference: first.reference });
    expect(intentOf(first.reference)).toMatchObject({ amount_received: 2599, latest_charge: { amount_refunded: 2599 } });
  });
});

describe("Stripe webhooks, verified by the SDK's constructEvent", () => {
  const signed = (payload: string, options: { secret?: string; timestamp?: number } = {}) =>
    new Headers({
      "stripe-signature": sdk.webhooks.generateTestHeaderString({ payload, secret: options.secret ?? WEBHOOK_SECRET, timestamp: options.timestamp }),
    });

  it("a genuine payment_intent event names the payment by the shop's key", async () => {
    const key = newKey();
    const { reference } = await authorize(PM.visa, key);
    const body = standIn.eventFor("payment_intent.amount_capturable_updated", intentOf(reference), "evt_genuine_1");
    expect(provider.parseWebhook(body, signed(body))).toEqual({
      id: "evt_genuine_1",
      type: "payment_intent.amount_capturable_updated",
      idempotencyKey: key,
    });
  });

  it("a wrong secret, a stale timestamp, a changed body or no signature: not genuine", async () => {
    const { reference } = await authorize(PM.visa);
    const body = standIn.eventFor("payment_intent.succeeded", intentOf(reference));
    expect(provider.parseWebhook(body, signed(body, { secret: "whsec_someone_else" }))).toBeNull();
    expect(provider.parseWebhook(body, signed(body, { timestamp: Math.floor(Date.now() / 1000) - 600 }))).toBeNull();
    expect(provider.parseWebhook(body.replace("2599", "1"), signed(body))).toBeNull();
    expect(provider.parseWebhook(body, new Headers())).toBeNull();
  });

  it("other events are genuine but name no payment", () => {
    const body = JSON.stringify({ id: "evt_charge_1", object: "event", type: "charge.dispute.created", data: { object: { object: "dispute", metadata: { idempotency_key: newKey() } } } });
    expect(provider.parseWebhook(body, signed(body))).toEqual({ id: "evt_charge_1", type: "charge.dispute.created", idempotencyKey: null });
  });
});

describe("the built app with PAYMENT_PROVIDER=stripe, over HTTP", () => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await startApp({
      PAYMENT_PROVIDER: "stripe",
      STRIPE_SECRET_KEY: SECRET_KEY,
      STRIPE_PUBLISHABLE_KEY: PUBLISHABLE_KEY,
      STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
      STRIPE_API_HOST: standIn.sdkOptions.host,
      STRIPE_API_PORT: String(standIn.port),
      STRIPE_API_PROTOCOL: "http",
    });
  });
  afterAll(async () => {
    await app?.stop();
  });

  const payWith = (client: HttpClient, checkoutId: string, body: Record<string, string>, key = randomUUID()) =>
    client.post(`/api/checkout/${checkoutId}/pay`, body, { "Idempotency-Key": key });
  const postWebhook = (body: string, signature: string) =>
    new HttpClient(app.baseUrl).request("POST", "/api/payments/webhook", {
      body,
      headers: { "content-type": "application/json", "stripe-signature": signature },
    });
  const sign = (payload: string, secret = WEBHOOK_SECRET) => sdk.webhooks.generateTestHeaderString({ payload, secret });
  async function paymentOf(checkoutId: string) {
    const [row] = await db.execute<{ id: string; status: string; provider: string; orders: number }>(sql`
      select p.id, p.status, p.provider, (select count(*)::int from orders o where o.checkout_id = p.checkout_id) as orders
      from payments p where p.checkout_id = ${checkoutId}`);
    return row!;
  }
  const paymentCount = async (checkoutId: string) =>
    (await db.execute<{ n: number }>(sql`select count(*)::int as n from payments where checkout_id = ${checkoutId}`))[0]!.n;
  const intentFor = (paymentId: string) => [...standIn.intents.values()].find((i) => i.metadata.idempotency_key === `stockhold_pay_${paymentId}`)!;

  it("this build (made without PAYMENT_PROVIDER=stripe) has no CSP for Stripe.js, and the server says so at start-up", async () => {
    const page = await new HttpClient(app.baseUrl).get("/cart");
    expect(page.headers.get("content-security-policy")).not.toMatch(/stripe/);
    expect(app.logs.join("")).toContain("this build's Content-Security-Policy does not allow Stripe.js");
  });

  it("a checkout paid with a PaymentMethod id: 200 with the order, authorized then captured at Stripe", async () => {
    const product = await makeProduct(5, 1250);
    const client = await shopperWithLines(app, [{ productId: product.id, quantity: 2 }]);
    const checkout = await startedCheckout(client);

    const paid = await payWith(client, checkout.id, { paymentMethod: PM.visa });
    expect(paid.status, paid.text).toBe(200);
    expect(paid.body.order).toMatchObject({ id: expect.any(String), totalCents: 2500 });
    const payment = await paymentOf(checkout.id);
    expect(payment).toMatchObject({ status: "captured", provider: "stripe", orders: 1 });
    expect(intentFor(payment.id)).toMatchObject({ amount: 2500, currency: "usd", capture_method: "manual", status: "succeeded", amount_received: 2500 });
    expect(await levels(product.id)).toEqual({ on_hand: 5, reserved: 0, allocated: 2 });

    // Stripe then tells the shop; the event is accepted once, a replay changes nothing.
    const event = standIn.eventFor("payment_intent.succeeded", intentFor(payment.id));
    expect((await postWebhook(event, sign(event))).body).toEqual({ received: true, duplicate: false });
    expect((await postWebhook(event, sign(event))).body).toEqual({ received: true, duplicate: true });
    expect(await paymentOf(checkout.id)).toMatchObject({ status: "captured", orders: 1 });
  });

  it("3-D Secure: 202 paying; Stripe's signed webhook makes the order; a bad signature is 400 and changes nothing", async () => {
    const product = await makeProduct(3, 900);
    const client = await shopperWithLines(app, [{ productId: product.id, quantity: 1 }]);
    const checkout = await startedCheckout(client);

    const answered = await payWith(client, checkout.id, { paymentMethod: PM.threeDSecure });
    expect(answered.status, answered.text).toBe(202);
    expect(answered.body.checkout.status).toBe("paying");
    const { id: paymentId } = await paymentOf(checkout.id);
    const intent = standIn.completeAction(intentFor(paymentId).id, "authorized");
    const event = standIn.eventFor("payment_intent.amount_capturable_updated", intent);

    const forged = await postWebhook(event, sign(event, "whsec_someone_else"));
    expect(forged.status, forged.text).toBe(400);
    const stale = await postWebhook(event, sdk.webhooks.generateTestHeaderString({ payload: event, secret: WEBHOOK_SECRET, timestamp: Math.floor(Date.now() / 1000) - 600 }));
    expect(stale.status, stale.text).toBe(400);
    expect(await paymentOf(checkout.id)).toMatchObject({ status: "processing", orders: 0 });
    expect((await client.get(`/api/checkout/${checkout.id}`)).body.checkout.status).toBe("paying");

    const accepted = await postWebhook(event, sign(event));
    expect(accepted.status, accepted.text).toBe(200);
    await until("the order", async () => (await paymentOf(checkout.id)).status === "captured", 10_000);
    expect(await paymentOf(checkout.id)).toMatchObject({ orders: 1 });
    expect((await client.get(`/api/checkout/${checkout.id}`)).body.checkout).toMatchObject({ status: "completed", orderId: expect.any(String) });
    expect(standIn.intents.get(intent.id)).toMatchObject({ status: "succeeded", amount_received: 900 });
    expect(await levels(product.id)).toEqual({ on_hand: 3, reserved: 0, allocated: 1 });
  });

  it("3-D Secure refused by the bank: payment_intent.payment_failed releases the hold at once, no order", async () => {
    const product = await makeProduct(2, 700);
    const client = await shopperWithLines(app, [{ productId: product.id, quantity: 2 }]);
    const checkout = await startedCheckout(client);
    expect((await payWith(client, checkout.id, { paymentMethod: PM.threeDSecure })).status).toBe(202);
    expect(await levels(product.id)).toEqual({ on_hand: 2, reserved: 2, allocated: 0 });

    const { id: paymentId } = await paymentOf(checkout.id);
    const event = standIn.eventFor("payment_intent.payment_failed", standIn.completeAction(intentFor(paymentId).id, "declined"));
    expect((await postWebhook(event, sign(event))).status).toBe(200);
    expect(await paymentOf(checkout.id)).toMatchObject({ status: "declined", orders: 0 });
    expect((await client.get(`/api/checkout/${checkout.id}`)).body.checkout).toMatchObject({ status: "failed", endedBy: "payment" });
    expect(await levels(product.id)).toEqual({ on_hand: 2, reserved: 0, allocated: 0 });
  });

  it("a declined card: 402 and the hold released; a bad pay body is 400; a card number is refused with 402", async () => {
    const product = await makeProduct(2, 500);
    const client = await shopperWithLines(app, [{ productId: product.id, quantity: 1 }]);
    const checkout = await startedCheckout(client);

    expect((await payWith(client, checkout.id, { paymentMethod: "card_4242" })).status).toBe(400);
    expect((await payWith(client, checkout.id, { paymentMethod: PM.visa, cardNumber: "4242424242424242" })).status).toBe(400);
    const declined = await payWith(client, checkout.id, { paymentMethod: PM.declined });
    expect(declined.status, declined.text).toBe(402);
    expect(declined.body.error).toMatchObject({ code: "payment_declined" });
    expect(await levels(product.id)).toEqual({ on_hand: 2, reserved: 0, allocated: 0 });

    // The test provider's card numbers mean nothing to Stripe: an answer at once, not a payment left pending.
    const other = await shopperWithLines(app, [{ productId: product.id, quantity: 1 }]);
    const second = await startedCheckout(other);
    const refused = await payWith(other, second.id, { cardNumber: "4242424242424242" });
    expect(refused.status, refused.text).toBe(402);
    expect(refused.body.error).toMatchObject({ code: "payment_declined", declineCode: "card_not_supported" });
  });

  it("in the browser: the card field makes a PaymentMethod, the form sends its id, and the shopper lands on the order", async () => {
    const product = await makeProduct(4, 3100);
    const browser = await chromium.launch({ executablePath: chromiumExecutable() });
    try {
      // The built app's CSP is the default build's (no Stripe); the policy itself is tested below.
      const context = await browser.newContext({ bypassCSP: true });
      await context.route("https://js.stripe.com/**", (route) =>
        route.fulfill({ contentType: "application/javascript", body: stripeJsStandIn(PM.visa) }),
      );
      const page = await context.newPage();
      expect((await page.request.post(`${app.baseUrl}/api/cart/lines`, { data: { productId: product.id, quantity: 1 } })).status()).toBe(200);
      const started = await page.request.post(`${app.baseUrl}/api/checkout`, { data: { email: "browser@example.test" } });
      const { checkout } = (await started.json()) as { checkout: { id: string } };
      await page.goto(`${app.baseUrl}/checkout/${checkout.id}`);
      await page.getByLabel("Full name").fill("Ada Shopper");
      await page.getByLabel("Address").fill("1 Main Street");
      await page.getByLabel("Postcode").fill("10001");
      await page.getByLabel("City").fill("New York");
      await page.getByLabel("Country").selectOption("US");

      // Nothing typed in the card field: Stripe's own message, and no payment is attempted.
      await page.getByLabel("Card number").waitFor(); // Stripe.js loaded and the card element mounted
      await page.getByRole("button", { name: /^Pay/ }).click();
      await page.getByRole("alert").filter({ hasText: "Your card number is incomplete." }).waitFor({ timeout: 10_000 });
      expect(await paymentCount(checkout.id)).toBe(0);

      await page.getByLabel("Card number").fill("4242 4242 4242 4242");
      await page.getByRole("button", { name: /^Pay/ }).click();
      await page.waitForURL(/\/orders\/[0-9a-f-]{36}$/, { timeout: 20_000 });
      const payment = await paymentOf(checkout.id);
      expect(payment).toMatchObject({ status: "captured", provider: "stripe", orders: 1 });
      expect(intentFor(payment.id)).toMatchObject({ payment_method: PM.visa, status: "succeeded", amount_received: 3100 });
    } finally {
      await browser.close();
    }
  });

  it("PAYMENT_PROVIDER=stripe with a key missing: the app stops at start-up and says which", async () => {
    await expect(startApp({ PAYMENT_PROVIDER: "stripe", STRIPE_SECRET_KEY: SECRET_KEY, STRIPE_WEBHOOK_SECRET: "" }, 20_000)).rejects.toThrow(
      /STRIPE_PUBLISHABLE_KEY: is required when PAYMENT_PROVIDER=stripe[\s\S]*STRIPE_WEBHOOK_SECRET: is required/,
    );
  });
});

describe("the Content-Security-Policy (next.config.mjs, fixed at build time)", () => {
  /** The policy next.config.mjs gives pages when built with this PAYMENT_PROVIDER. */
  const policyBuiltWith = (provider: string) =>
    execFileSync(process.execPath, ["--input-type=module", "-e", `const c = await import("./next.config.mjs"); console.log((await c.default.headers())[0].headers.find((h) => h.key === "Content-Security-Policy").value);`], {
      env: { ...process.env, PAYMENT_PROVIDER: provider, NODE_ENV: "production" },
      encoding: "utf8",
    }).trim();
  const directives = (policy: string) => Object.fromEntries(policy.split("; ").map((d) => [d.split(" ")[0], d.split(" ").slice(1).join(" ")]));

  it("allows exactly Stripe.js's script, frames and API when Stripe is on, and nothing of Stripe's when it is off", () => {
    const off = policyBuiltWith("test");
    const on = policyBuiltWith("stripe");
    expect(off).not.toMatch(/stripe/);
    expect(off).not.toMatch(/frame-src/);
    expect(directives(on)).toEqual({
      ...directives(off),
      "script-src": `${directives(off)["script-src"]} https://js.stripe.com`,
      "connect-src": "'self' https://api.stripe.com",
      "frame-src": "'self' https://js.stripe.com https://hooks.stripe.com",
    });
  });
});
