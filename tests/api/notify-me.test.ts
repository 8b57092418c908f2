/**
 * "Notify me when it's back" (POST /api/products/{slug}/notify) and the sweep that tells waiting shoppers:
 * one email each, first come first served, never more emails than units back, whatever brought them back.
 */
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db, pool } from "@/db/client";
import { TEST_ADMIN_TOKEN, TEST_CRON_SECRET, startApp, type RunningApp } from "../support/app-server";
import { makeProduct, timeTravelHolds } from "../support/fixtures";
import { guestHolding, makeAccount } from "./admin-helpers";
import { HttpClient, signedInClient } from "../support/http";

let app: RunningApp;
const ADMIN = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };

beforeAll(async () => {
  // Behind one proxy, whose X-Forwarded-For entry the limits test writes (lib/client-address.ts).
  app = await startApp({ TRUSTED_PROXY_HOPS: "1" });
});

afterAll(async () => {
  await app?.stop();
  await pool.end();
});

const client = () => new HttpClient(app.baseUrl);
const notify = (slug: string, body: unknown, who = client()) => who.post(`/api/products/${slug}/notify`, body);
const sweep = () => client().post("/api/cron/expire-reservations", {}, { authorization: `Bearer ${TEST_CRON_SECRET}` });

async function backInStockEmails(slug: string) {
  return db.execute<{ recipient: string; status: string; text_body: string }>(sql`
    select recipient, status, text_body from email_outbox
    where kind = 'back_in_stock' and text_body like ${`%/products/${slug}%`} order by id`);
}

async function soldOutProduct(units: number) {
  const product = await makeProduct(units);
  const holder = await guestHolding(product.id, units);
  return { product, holder };
}

describe("POST /api/products/{slug}/notify", () => {
  it("records the request (201), keeps the first place when asked again (200)", async () => {
    const { product } = await soldOutProduct(1);
    const first = await notify(product.slug, { email: "First@Example.test" });
    expect(first.status, first.text).toBe(201);
    expect(first.body.request).toMatchObject({ productId: product.id, email: "first@example.test" });
    const again = await notify(product.slug, { email: "first@example.test" });
    expect(again.status).toBe(200);
    expect(again.body.request.createdAt).toBe(first.body.request.createdAt);
  });

  it("uses a signed-in shopper's own email when none is given; a guest must give one", async () => {
    const { product } = await soldOutProduct(1);
    const account = await makeAccount("shopper");
    const session = await signedInClient(app.baseUrl, account);
    const response = await notify(product.slug, {}, session);
    expect(response.status, response.text).toBe(201);
    expect(response.body.request.email).toBe(account.email);
    const guest = await notify(product.slug, {});
    expect(guest.status).toBe(400);
    expect(guest.body.error.code).toBe("invalid_request");
  });

  it("refuses while the product is in stock (409), an unknown product (404), a bad email (400)", async () => {
    const inStock = await makeProduct(3);
    const refused = await notify(inStock.slug, { email: "a@example.test" });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: "conflict", available: 3 });
    expect((await notify("no-such-product", { email: "a@example.test" })).status).toBe(404);
    const { product } = await soldOutProduct(1);
    for (const body of [{ email: "not-an-email" }, { email: 42 }, { email: "x".repeat(300) + "@example.test" }]) {
      expect((await notify(product.slug, body)).status).toBe(400);
    }
    const [count] = await db.execute<{ n: number }>(sql`
      select count(*)::int as n from back_in_stock_requests where product_id = ${product.id}`);
    expect(count!.n).toBe(0);
  });
});

describe("limits", () => {
  it("takes at most 20 requests a minute from one address (429 with Retry-After after that)", async () => {
    const { product } = await soldOutProduct(1);
    const from = { "x-forwarded-for": "10.20.30.40" };
    for (let i = 0; i < 20; i += 1) {
      expect((await client().post(`/api/products/${product.slug}/notify`, { email: `list-${i}@example.test` }, from)).status).toBe(201);
    }
    const limited = await client().post(`/api/products/${product.slug}/notify`, { email: "list-20@example.test" }, from);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
  });
});

describe("the sweep tells waiting shoppers", () => {
  it("emails the oldest waiting shoppers, one each, no more than the units that came back", async () => {
    const { product } = await soldOutProduct(1);
    for (const who of ["one", "two", "three"]) {
      expect((await notify(product.slug, { email: `${who}@example.test` })).status).toBe(201);
    }
    expect((await sweep()).body.notified).toBe(0);

    // An admin releases the hold: one unit back, so the first in the queue hears of it.
    const holds = await client().get(`/api/admin/reservations?status=active&productId=${product.id}`, ADMIN);
    const holdId = holds.body.reservations[0].id;
    expect((await client().post(`/api/admin/reservations/${holdId}/release`, {}, ADMIN)).status).toBe(200);
    const first = await sweep();
    expect(first.status).toBe(200);
    expect(first.body.notified).toBe(1);
    let emails = await backInStockEmails(product.slug);
    expect(emails.map((e) => e.recipient)).toEqual(["one@example.test"]);
    expect(emails[0]!.text_body).toContain(`/products/${product.slug}`);
    // Demo mode (no SMTP_URL): kept in the outbox, not sent.
    expect(emails[0]!.status).toBe("kept");

    // The unit is still there, but promised to the first shopper for now: nobody else is emailed yet.
    expect((await sweep()).body.notified).toBe(0);

    // A restock of two: the next two in line hear of it, each once.
    const restock = await client().post(`/api/admin/stock/${product.id}/adjust`, { delta: 2, reason: "delivery" }, ADMIN);
    expect(restock.status).toBe(200);
    expect((await sweep()).body.notified).toBe(2);
    expect((await sweep()).body.notified).toBe(0);
    emails = await backInStockEmails(product.slug);
    expect(emails.map((e) => e.recipient)).toEqual(["one@example.test", "two@example.test", "three@example.test"]);
  });

  it("notices units that came back when a hold lapsed, even before anything released it", async () => {
    const { product, holder } = await soldOutProduct(2);
    expect((await notify(product.slug, { email: "lapsed@example.test" })).status).toBe(201);
    await timeTravelHolds(holder.checkout.id);
    // The sweep expires the hold and notices the units in one run.
    const run = await sweep();
    expect(run.body).toMatchObject({ notified: 1 });
    expect(run.body.expired).toBeGreaterThanOrEqual(1);
    expect((await backInStockEmails(product.slug)).map((e) => e.recipient)).toEqual(["lapsed@example.test"]);
  });
});
