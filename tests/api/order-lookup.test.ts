/**
 * Guest order lookup (POST /api/orders/lookup): email + order number finds the order and a link that opens it
 * in any browser; a wrong email and a wrong number get the same answer in similar time; lookups are limited
 * per address and per email. Signing in with the same email brings earlier guest orders into the account.
 */
import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db, pool } from "@/db/client";
import { createAccount } from "@/lib/accounts/shoppers";
import { startApp, type RunningApp } from "../support/app-server";
import { makeProduct, payInFull } from "../support/fixtures";
import { guestHolding } from "./admin-helpers";
import { HttpClient, signedInClient } from "../support/http";

const LIMIT = 12;
let app: RunningApp;

beforeAll(async () => {
  // Behind one proxy, whose X-Forwarded-For entry each visitor writes (lib/client-address.ts).
  app = await startApp({ RATE_LIMIT_ORDER_LOOKUPS_PER_MINUTE: String(LIMIT), TRUSTED_PROXY_HOPS: "1" });
});

afterAll(async () => {
  await app?.stop();
  await pool.end();
});

/** A fresh client that claims its own address, so each test has its own per-IP counter. */
const visitor = () => {
  const client = new HttpClient(app.baseUrl);
  const ip = `10.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`;
  return {
    client,
    lookup: (body: unknown) => client.post("/api/orders/lookup", body, { "x-forwarded-for": ip }),
  };
};

async function guestOrder(email?: string) {
  const product = await makeProduct(5, 700);
  const { shopper, checkout } = await guestHolding(product.id, 1);
  if (email) {
    await db.execute(sql`update checkouts set email = ${email} where id = ${checkout.id}`);
  }
  const order = await payInFull({ checkoutId: checkout.id, shopperId: shopper.id, cardNumber: "4242424242424242", idempotencyKey: "k" });
  return { product, email: email ?? shopper.email, order };
}

describe("POST /api/orders/lookup", () => {
  it("finds the order by email and number (as printed, any case), with a link that opens it anywhere", async () => {
    const { order, email, product } = await guestOrder();
    const { lookup } = visitor();
    for (const orderNumber of [`#${order.id.slice(0, 8)}`, order.id.slice(0, 8).toUpperCase(), order.id]) {
      const response = await lookup({ email: email.toUpperCase(), orderNumber });
      expect(response.status, response.text).toBe(200);
      expect(response.body.order).toMatchObject({ id: order.id, totalCents: 700, lines: [{ productId: product.id, quantity: 1 }] });
      expect(response.body.order.shopper).toBeUndefined();
    }
    const { link } = (await lookup({ email, orderNumber: order.id.slice(0, 8) })).body;
    const path = new URL(link).pathname + new URL(link).search;
    expect(path).toMatch(new RegExp(`^/orders/${order.id}\\?key=`));
    const elsewhere = new HttpClient(app.baseUrl);
    const page = await elsewhere.get(path);
    expect(page.status).toBe(200);
    expect(page.text).toContain(order.id.slice(0, 8));
    expect((await elsewhere.get(`/orders/${order.id}`)).status).toBe(404);
    expect((await elsewhere.get(`/orders/${order.id}?key=${"A".repeat(43)}`)).status).toBe(404);
  });

  it("answers a wrong email and a wrong number alike: same status, same body, similar time", async () => {
    const { order, email } = await guestOrder();
    // Warm the server up first: the first requests of a fresh process are slower whatever they ask.
    for (let i = 0; i < 3; i += 1) await visitor().lookup({ email: `warm-${i}@example.test`, orderNumber: "0badc0de" });
    const samples = LIMIT - 1;
    const wrongEmail: { status: number; text: string; ms: number }[] = [];
    const wrongNumber: typeof wrongEmail = [];
    for (let i = 0; i < samples; i += 1) {
      for (const [bucket, body] of [
        [wrongEmail, { email: `nobody-${randomUUID()}@example.test`, orderNumber: order.id.slice(0, 8) }],
        [wrongNumber, { email, orderNumber: randomUUID().slice(0, 8) }],
      ] as const) {
        const started = performance.now();
        const response = await visitor().lookup(body);
        bucket.push({ status: response.status, text: response.text, ms: performance.now() - started });
      }
    }
    for (const answer of [...wrongEmail, ...wrongNumber]) {
      expect(answer.status).toBe(404);
      expect(answer.text).toBe(wrongEmail[0]!.text);
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const a = median(wrongEmail.map((x) => x.ms));
    const b = median(wrongNumber.map((x) => x.ms));
    console.log(`Order lookup timing (median of ${samples}): wrong email ${a.toFixed(1)} ms, wrong number ${b.toFixed(1)} ms`);
    expect(Math.abs(a - b)).toBeLessThan(Math.max(25, 0.5 * Math.max(a, b)));
  });

  it("limits lookups per address: 429 with Retry-After past the limit", async () => {
    const { lookup } = visitor();
    for (let i = 0; i < LIMIT; i += 1) {
      expect((await lookup({ email: `x${i}@example.test`, orderNumber: "0badc0de" })).status).toBe(404);
    }
    const limited = await lookup({ email: "y@example.test", orderNumber: "0badc0de" });
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe("rate_limited");
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
  });

  it("limits lookups per email address, whichever addresses they come from", async () => {
    const { order, email } = await guestOrder();
    for (let i = 0; i < LIMIT; i += 1) {
      expect((await visitor().lookup({ email, orderNumber: "0badc0de" })).status).toBe(404);
    }
    // Even the right number is refused now: guessing cannot go on from fresh addresses.
    expect((await visitor().lookup({ email, orderNumber: order.id.slice(0, 8) })).status).toBe(429);
  });

  it("refuses malformed input with 400", async () => {
    const { lookup } = visitor();
    for (const body of [{}, { email: "not-an-email", orderNumber: "0badc0de" }, { email: "a@b.test", orderNumber: "abc" }, { email: "a@b.test", orderNumber: "' or 1=1 --" }]) {
      const response = await lookup(body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body.error.code).toBe("invalid_request");
    }
  });
});

describe("guest orders join the account", () => {
  it("when a shopper whose email is proven signs in, earlier guest orders with that email show in their history", async () => {
    const email = `returning-${randomUUID().slice(0, 8)}@example.test`;
    const first = await guestOrder(email);
    const second = await guestOrder(email.toUpperCase());
    const stranger = await guestOrder();
    const password = `pw-${randomUUID()}`;
    const created = await createAccount({ email, password });
    // Only a proven address takes over guest orders (tests/security/account-takeover.test.ts proves it over
    // HTTP): the account's email counts as verified here, as after opening the link.
    await db.execute(sql`update users set email_verified_at = now() where id = ${created.id}`);
    const account = await signedInClient(app.baseUrl, { email, password });
    const history = await account.get("/orders");
    expect(history.status).toBe(200);
    expect(history.text).toContain(`#${first.order.id.slice(0, 8)}`);
    expect(history.text).toContain(`#${second.order.id.slice(0, 8)}`);
    expect(history.text).not.toContain(`#${stranger.order.id.slice(0, 8)}`);
    expect((await account.get(`/orders/${first.order.id}`)).status).toBe(200);
  });

  it("a guest's Orders page offers the lookup form instead of sending them to sign in", async () => {
    const page = await new HttpClient(app.baseUrl).get("/orders");
    expect(page.status).toBe(200);
    expect(page.text).toContain("Find an order");
    expect(page.text).toContain('name="orderNumber"');
  });
});
