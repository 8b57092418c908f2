/**
 * GET /api/admin/orders/{id}: one order as the merchant sees it — lines, shopper, email, delivery details,
 * payment status and provider reference, and the ledger rows the order caused.
 */
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { db } from "@/db/client";
import { recordCheckoutActivity } from "@/lib/checkout";
import { makeProduct, payInFull } from "../support/fixtures";
import { adminApiForFile, guestHolding, makeAccount } from "./admin-helpers";
import { HttpClient, signedInClient } from "../support/http";

const { baseUrl, get, post } = adminApiForFile();

const delivery = { name: "Ada Lovelace", address: "12 Analytical Row", city: "London", postcode: "N1 9GU", country: "GB" };

async function deliveredOrder() {
  const product = await makeProduct(5, 1250);
  const other = await makeProduct(5, 300);
  const { shopper, checkout } = await guestHolding(product.id, 2);
  await db.execute(sql`insert into cart_lines (cart_id, product_id, variant_id, quantity)
    select c.cart_id, v.product_id, v.id, 1 from checkouts c, product_variants v where c.id = ${checkout.id} and v.product_id = ${other.id}`);
  await recordCheckoutActivity(checkout.id, shopper.id, { details: delivery });
  const order = await payInFull({
    checkoutId: checkout.id,
    shopperId: shopper.id,
    cardNumber: "4242424242424242",
    idempotencyKey: `detail-${checkout.id}`,
  });
  return { product, shopper, checkout, order };
}

describe("GET /api/admin/orders/{id}", () => {
  it("answers the order with lines, shopper, email, delivery details, payment and its ledger rows", async () => {
    const { product, shopper, checkout, order } = await deliveredOrder();
    const response = await get(`/api/admin/orders/${order.id}`);
    expect(response.status, response.text).toBe(200);
    const detail = response.body.order;
    expect(detail).toMatchObject({
      id: order.id,
      checkoutId: checkout.id,
      status: "paid",
      totalCents: 2500,
      email: shopper.email,
      shopper: { id: shopper.id, guest: true },
      lines: [{ productId: product.id, quantity: 2, unitPriceCents: 1250, name: product.name }],
      delivery,
      payment: { status: "captured", provider: "test", amountCents: 2500, reference: expect.stringMatching(/\S/) },
    });
    expect(detail.payment.attempts).toMatchObject([{ status: "captured", amountCents: 2500 }]);
    const kinds = detail.movements.map((m: { kind: string; productId: string }) => `${m.kind}:${m.productId === product.id}`);
    expect(kinds).toEqual(["allocate:true", "reserve:true"]);
    expect(detail.movements[0]).toMatchObject({ orderId: order.id, reservedDelta: -2, allocatedDelta: 2 });

    // Fulfilling adds the shipping row to the same order's ledger.
    expect((await post(`/api/admin/orders/${order.id}/fulfil`)).status).toBe(200);
    const shipped = (await get(`/api/admin/orders/${order.id}`)).body.order;
    expect(shipped.status).toBe("fulfilled");
    expect(shipped.movements[0]).toMatchObject({ kind: "fulfil", onHandDelta: -2, allocatedDelta: -2, orderId: order.id });
    expect(shipped.movements).toHaveLength(3);
  });

  it("shows only this order's rows, never another order of the same product", async () => {
    const { product, order } = await deliveredOrder();
    const second = await guestHolding(product.id, 1);
    await payInFull({ checkoutId: second.checkout.id, shopperId: second.shopper.id, cardNumber: "4242424242424242", idempotencyKey: "x" });
    const detail = (await get(`/api/admin/orders/${order.id}`)).body.order;
    expect(detail.movements.every((m: { checkoutId: string | null; orderId: string | null }) => m.orderId === order.id || m.checkoutId === order.checkoutId)).toBe(true);
  });

  it("works from an admin session; 401 without credentials, 403 for a shopper", async () => {
    const { order } = await deliveredOrder();
    const admin = await signedInClient(baseUrl(), await makeAccount("admin"));
    expect((await admin.get(`/api/admin/orders/${order.id}`)).status).toBe(200);
    const anonymous = await new HttpClient(baseUrl()).get(`/api/admin/orders/${order.id}`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error.code).toBe("unauthenticated");
    const shopper = await signedInClient(baseUrl(), await makeAccount("shopper"));
    expect((await shopper.get(`/api/admin/orders/${order.id}`)).status).toBe(403);
  });

  it("answers 404 for an unknown or malformed id", async () => {
    for (const id of ["00000000-0000-4000-8000-000000000000", "order-1", "1%27%20or%201=1"]) {
      const response = await get(`/api/admin/orders/${id}`);
      expect(response.status).toBe(404);
      expect(response.body.error.code).toBe("not_found");
    }
  });
});

describe("the admin order page", () => {
  it("shows the order's lines, delivery and payment reference to an admin", async () => {
    const { product, order } = await deliveredOrder();
    const admin = await signedInClient(baseUrl(), await makeAccount("admin"));
    const page = await admin.get(`/admin/orders/${order.id}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain(product.name);
    expect(page.text).toContain("12 Analytical Row");
    const reference = (await get(`/api/admin/orders/${order.id}`)).body.order.payment.reference;
    expect(page.text).toContain(reference);
    expect((await admin.get("/admin/orders/00000000-0000-4000-8000-000000000000")).status).toBe(404);
  });
});
