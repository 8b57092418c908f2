/**
 * `GET /api/admin/sales/today`: the dashboard's figures over HTTP, "today" being since midnight UTC of the
 * database's date. Revenue is today's orders, refunds are those settled today (of any day's orders), net is the
 * difference, and held → paid counts the checkouts started today that are over.
 */
import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { db } from "@/db/client";
import { appForFile } from "../support/app-for-file";
import { makeProduct, onlyVariantOf } from "../support/fixtures";
import { HttpClient, signedInClient } from "../support/http";
import { ADMIN_TOKEN_HEADERS, makeAccount, WRONG_TOKEN_HEADERS } from "./admin-helpers";
import { CARDS, expectError, pay, shopperWithLines, startedCheckout } from "./shop-support";

const app = appForFile();
const adminGet = (path: string) => new HttpClient(app.baseUrl).get(path, ADMIN_TOKEN_HEADERS);
const refund = (orderId: string, body: unknown) =>
  new HttpClient(app.baseUrl).post(`/api/admin/orders/${orderId}/refund`, body, { ...ADMIN_TOKEN_HEADERS, "Idempotency-Key": randomUUID() });

async function paidOrder(productId: string, quantity: number) {
  const client = await shopperWithLines(app, [{ productId, quantity }]);
  const checkout = await startedCheckout(client);
  const paid = await pay(client, checkout.id, CARDS.pays);
  expect(paid.status, paid.text).toBe(200);
  return { orderId: (paid.body as { order: { id: string } }).order.id, checkoutId: checkout.id };
}

/** Moves an order and its checkout to an hour before today's midnight (UTC, the database's date). */
async function placedYesterday(orderId: string, checkoutId: string) {
  await db.execute(sql`update orders set created_at = date_trunc('day', now(), 'UTC') - interval '1 hour' where id = ${orderId}`);
  await db.execute(sql`
    update checkouts set started_at = date_trunc('day', now(), 'UTC') - interval '2 hours',
      ended_at = date_trunc('day', now(), 'UTC') - interval '1 hour' where id = ${checkoutId}`);
}

describe("GET /api/admin/sales/today", () => {
  it("answers today's revenue, refunds, net and held → paid conversion, counting nothing from yesterday", async () => {
    const shirt = await makeProduct(10, 1250);
    const mug = await makeProduct(10, 900);
    const shirtVariant = await onlyVariantOf(shirt.id);

    const empty = await adminGet("/api/admin/sales/today");
    expect(empty.status, empty.text).toBe(200);
    expect(empty.body).toMatchObject({
      revenue: { cents: 0, orders: 0 },
      refunds: { cents: 0, count: 0 },
      netCents: 0,
      conversion: { paid: 0, ended: 0, percent: null },
    });

    // Yesterday: an order (its checkout too) of $9.00, refunded in full today.
    const old = await paidOrder(mug.id, 1);
    await placedYesterday(old.orderId, old.checkoutId);
    // Today: two orders, $25.00 and $9.00; one of the shirts refunded.
    const shirts = await paidOrder(shirt.id, 2);
    await paidOrder(mug.id, 1);
    const lineRefund = await refund(shirts.orderId, { lines: [{ variantId: shirtVariant, quantity: 1 }], restock: true, reason: "arrived torn" });
    expect(lineRefund.status, lineRefund.text).toBe(200);
    const oldRefund = await refund(old.orderId, { restock: true, reason: "never arrived" });
    expect(oldRefund.status, oldRefund.text).toBe(200);
    // Today: a checkout cancelled by its shopper, one declined, and one still holding (not over yet).
    const cancelling = await shopperWithLines(app, [{ productId: mug.id, quantity: 1 }]);
    const cancelled = await startedCheckout(cancelling);
    const cancel = await cancelling.post(`/api/checkout/${cancelled.id}/cancel`);
    expect(cancel.status, cancel.text).toBe(200);
    const declining = await shopperWithLines(app, [{ productId: mug.id, quantity: 1 }]);
    const declined = await startedCheckout(declining);
    expectError(await pay(declining, declined.id, CARDS.declined), 402, "payment_declined");
    await startedCheckout(await shopperWithLines(app, [{ productId: shirt.id, quantity: 1 }]));

    const answer = await adminGet("/api/admin/sales/today");
    expect(answer.status, answer.text).toBe(200);
    expect(answer.body).toMatchObject({
      revenue: { cents: 3400, orders: 2 },
      refunds: { cents: 1250 + 900, count: 2 },
      netCents: 3400 - 2150,
      conversion: { paid: 2, ended: 4, percent: 50 },
    });
    const [clock] = await db.execute<{ since: string }>(sql`select date_trunc('day', now(), 'UTC') as since`);
    expect(answer.body.since).toBe(new Date(clock!.since).toISOString());
    expect(answer.body.since).toMatch(/T00:00:00\.000Z$/);
    expect(Date.parse(answer.body.serverTime)).toBeGreaterThanOrEqual(Date.parse(answer.body.since));

    // A refund the provider has not confirmed yet is not counted; nor is one settled before today.
    await db.execute(sql`update refunds set settled_at = date_trunc('day', now(), 'UTC') - interval '1 minute' where order_id = ${old.orderId}`);
    const later = await adminGet("/api/admin/sales/today");
    expect(later.body).toMatchObject({ refunds: { cents: 1250, count: 1 }, netCents: 3400 - 1250 });
  });

  it("is for admins only: 401 without credentials, 403 for a wrong token or a shopper", async () => {
    expectError(await new HttpClient(app.baseUrl).get("/api/admin/sales/today"), 401, "unauthenticated");
    expectError(await new HttpClient(app.baseUrl).get("/api/admin/sales/today", WRONG_TOKEN_HEADERS), 403, "forbidden");
    const shopper = await makeAccount("shopper");
    expectError(await (await signedInClient(app.baseUrl, shopper)).get("/api/admin/sales/today"), 403, "forbidden");
    const admin = await makeAccount("admin");
    expect((await (await signedInClient(app.baseUrl, admin)).get("/api/admin/sales/today")).status).toBe(200);
  });
});
