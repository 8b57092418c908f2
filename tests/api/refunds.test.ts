/**
 * The contract's "After the order" over HTTP: refunds (chosen lines or the whole order, once per Idempotency-Key),
 * cancelling an unshipped order, shipping part of an order with carrier and tracking, the order's status,
 * `refundedCents` and each line's `fulfilled`, `refunded` and `returned`; bad input is a 4xx with nothing moved.
 */
import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { db } from "@/db/client";
import { appForFile } from "../support/app-for-file";
import { levels, makeProduct, onlyVariantOf } from "../support/fixtures";
import { HttpClient } from "../support/http";
import { ADMIN_TOKEN_HEADERS } from "./admin-helpers";
import { CARDS, expectError, pay, shopperWithLines, startedCheckout } from "./shop-support";

const app = appForFile();
const admin = () => new HttpClient(app.baseUrl);
const adminPost = (path: string, body?: unknown, headers: Record<string, string> = {}) => admin().post(path, body, { ...ADMIN_TOKEN_HEADERS, ...headers });
const refundPost = (orderId: string, body: unknown, key: string = randomUUID()) =>
  adminPost(`/api/admin/orders/${orderId}/refund`, body, { "Idempotency-Key": key });

interface LineBody {
  variantId: string;
  quantity: number;
  fulfilled: number;
  refunded: number;
  returned: number;
}

async function paidOrder(productId: string, quantity: number) {
  const client = await shopperWithLines(app, [{ productId, quantity }]);
  const checkout = await startedCheckout(client);
  const paid = await pay(client, checkout.id, CARDS.pays);
  expect(paid.status, paid.text).toBe(200);
  return (paid.body as { order: { id: string } }).order.id;
}

const providerRefundCents = async (orderId: string) =>
  (
    await db.execute<{ cents: number }>(sql`
      select coalesce(sum(t.amount_cents), 0)::int as cents from test_provider_refunds t
      join payments p on t.payment_key = 'stockhold_pay_' || p.id where p.order_id = ${orderId}`)
  )[0]!.cents;

describe("POST /api/admin/orders/{id}/refund", () => {
  it("refunds one line with restock: 200 { order }, the unit is on sale again, a retry with the key moves nothing", async () => {
    const product = await makeProduct(3, 1250);
    const variantId = await onlyVariantOf(product.id);
    const orderId = await paidOrder(product.id, 2);

    const key = randomUUID();
    const first = await refundPost(orderId, { lines: [{ variantId, quantity: 1 }], restock: true, reason: "arrived scratched" }, key);
    expect(first.status, first.text).toBe(200);
    expect(first.body.order).toMatchObject({ id: orderId, status: "partially_refunded", refundedCents: 1250 });
    expect(first.body.order.lines[0] as LineBody).toMatchObject({ variantId, quantity: 2, fulfilled: 0, refunded: 1, returned: 0 });
    const again = await refundPost(orderId, { lines: [{ variantId, quantity: 1 }], restock: true, reason: "arrived scratched" }, key);
    expect(again.status, again.text).toBe(200);
    expect(again.body.order).toMatchObject({ refundedCents: 1250 });
    expect(await providerRefundCents(orderId)).toBe(1250);
    expect(await levels(product.id)).toEqual({ on_hand: 3, reserved: 0, allocated: 1 });
    const shown = await new HttpClient(app.baseUrl).get(`/api/products/${product.slug}`);
    expect(shown.body.product).toMatchObject({ available: 2 });

    const detail = await admin().get(`/api/admin/orders/${orderId}`, ADMIN_TOKEN_HEADERS);
    expect(detail.body.order).toMatchObject({ status: "partially_refunded", refundedCents: 1250 });
    const mail = await db.execute<{ subject: string }>(sql`
      select subject from email_outbox where kind = 'order_refunded' and dedupe_key in (select 'refund:' || id from refunds where order_id = ${orderId})`);
    expect(mail).toEqual([{ subject: expect.stringContaining("$12.50") }]);

    // No lines: the rest of the order; then nothing is left (409).
    const rest = await refundPost(orderId, { restock: true, reason: "returned" });
    expect(rest.body.order).toMatchObject({ status: "refunded", refundedCents: 2500 });
    expectError(await refundPost(orderId, { restock: true, reason: "again" }), 409, "conflict");
    expect(await providerRefundCents(orderId)).toBe(2500);
  });

  it("refuses bad input with the contract's error, moving no stock and no money", async () => {
    const product = await makeProduct(3, 1000);
    const other = await makeProduct(3, 1000);
    const variantId = await onlyVariantOf(product.id);
    const orderId = await paidOrder(product.id, 2);
    const body = (quantity: unknown, v: string = variantId) => ({ lines: [{ variantId: v, quantity }], restock: true, reason: "r" });

    expectError(await refundPost(orderId, body(3)), 409, "conflict");
    expectError(await refundPost(orderId, body(1, await onlyVariantOf(other.id))), 400, "invalid_request");
    expectError(await refundPost(orderId, body(-1)), 400, "invalid_request");
    expectError(await refundPost(orderId, body(0.5)), 400, "invalid_request");
    expectError(await refundPost(orderId, { lines: [{ variantId, quantity: 1 }], reason: "no restock given" }), 400, "invalid_request");
    expectError(await refundPost(orderId, { restock: true, reason: "" }), 400, "invalid_request");
    expectError(await adminPost(`/api/admin/orders/${orderId}/refund`, body(1)), 400, "invalid_request");
    expectError(await refundPost(randomUUID(), body(1)), 404, "not_found");
    expect(await providerRefundCents(orderId)).toBe(0);
    expect(await levels(product.id)).toEqual({ on_hand: 3, reserved: 0, allocated: 2 });
    const detail = await admin().get(`/api/admin/orders/${orderId}`, ADMIN_TOKEN_HEADERS);
    expect(detail.body.order).toMatchObject({ status: "paid", refundedCents: 0 });
  });
});

describe("POST /api/admin/orders/{id}/fulfil", () => {
  it("ships chosen units with carrier and tracking, then the rest with no body; the shopper is emailed each time", async () => {
    const product = await makeProduct(5, 900);
    const variantId = await onlyVariantOf(product.id);
    const orderId = await paidOrder(product.id, 3);

    expectError(await adminPost(`/api/admin/orders/${orderId}/fulfil`, { lines: [{ variantId, quantity: 4 }] }), 409, "conflict");
    expectError(await adminPost(`/api/admin/orders/${orderId}/fulfil`, { lines: [{ variantId, quantity: 1 }], trackingNumber: "1Z\u0000X" }), 400, "invalid_request");
    expectError(await adminPost(`/api/admin/orders/${orderId}/fulfil`, { lines: [{ variantId, quantity: 1 }], trackingNumber: "1Z\nX" }), 400, "invalid_request");
    expectError(await adminPost(`/api/admin/orders/${orderId}/fulfil`, { lines: [{ variantId, quantity: 1.5 }] }), 400, "invalid_request");
    expect(await levels(product.id)).toEqual({ on_hand: 5, reserved: 0, allocated: 3 });

    const part = await adminPost(`/api/admin/orders/${orderId}/fulfil`, { lines: [{ variantId, quantity: 2 }], carrier: "UPS", trackingNumber: "1Z999AA10123456784" });
    expect(part.status, part.text).toBe(200);
    expect(part.body.order).toMatchObject({ status: "partially_fulfilled" });
    expect(part.body.order.lines[0] as LineBody).toMatchObject({ fulfilled: 2, refunded: 0, returned: 0 });
    const rest = await adminPost(`/api/admin/orders/${orderId}/fulfil`);
    expect(rest.body.order).toMatchObject({ status: "fulfilled" });
    expect(rest.body.order.lines[0] as LineBody).toMatchObject({ fulfilled: 3 });
    expect(await levels(product.id)).toEqual({ on_hand: 2, reserved: 0, allocated: 0 });
    const mails = await db.execute<{ text_body: string }>(sql`
      select text_body from email_outbox where kind = 'order_shipped' and dedupe_key in (select 'shipment:' || id from shipments where order_id = ${orderId}) order by id`);
    expect(mails).toHaveLength(2);
    expect(mails[0]!.text_body).toContain("Tracking number: 1Z999AA10123456784 (UPS)");

    // A shipped unit comes back: a return, on hand up.
    const returned = await refundPost(orderId, { lines: [{ variantId, quantity: 1 }], restock: true, reason: "did not fit" });
    expect(returned.body.order.lines[0] as LineBody).toMatchObject({ fulfilled: 3, refunded: 1, returned: 1 });
    expect(await levels(product.id)).toEqual({ on_hand: 3, reserved: 0, allocated: 0 });
  });
});

describe("POST /api/admin/orders/{id}/cancel", () => {
  it("refunds an unshipped paid order in full and puts its units back; 409 once anything shipped", async () => {
    const product = await makeProduct(4, 1500);
    const variantId = await onlyVariantOf(product.id);
    const orderId = await paidOrder(product.id, 2);
    const cancelled = await adminPost(`/api/admin/orders/${orderId}/cancel`, { reason: "shopper asked" });
    expect(cancelled.status, cancelled.text).toBe(200);
    expect(cancelled.body.order).toMatchObject({ status: "cancelled", refundedCents: 3000, cancelledAt: expect.any(String) });
    expect(await levels(product.id)).toEqual({ on_hand: 4, reserved: 0, allocated: 0 });
    expect(await providerRefundCents(orderId)).toBe(3000);

    const shipped = await paidOrder(product.id, 2);
    expect((await adminPost(`/api/admin/orders/${shipped}/fulfil`, { lines: [{ variantId, quantity: 1 }] })).status).toBe(200);
    expectError(await adminPost(`/api/admin/orders/${shipped}/cancel`, { reason: "too late" }), 409, "conflict");
    expect(await providerRefundCents(shipped)).toBe(0);
  });
});
