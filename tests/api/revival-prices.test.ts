/**
 * A lapsed checkout paid from an old tab is sold again at what the shop sells now: an archived product is
 * refused, a changed price is shown (409 `price_changed` with the new lines and total) before anything is held
 * or charged and is paid only once accepted, and a checkout started past the hard cap on a hold's life is over.
 */
import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { db } from "@/db/client";
import { appForFile } from "../support/app-for-file";
import { levels, makeProduct, timeTravelHolds } from "../support/fixtures";
import { HttpClient } from "../support/http";
import { ADMIN_TOKEN_HEADERS } from "./admin-helpers";
import { CARDS, expectError, shopperWithLines, startedCheckout } from "./shop-support";

const app = appForFile();

const editProduct = (productId: string, body: Record<string, unknown>) =>
  new HttpClient(app.baseUrl).request("PATCH", `/api/admin/products/${productId}`, {
    body: JSON.stringify(body),
    headers: { ...ADMIN_TOKEN_HEADERS, "content-type": "application/json" },
  });

const payWith = (client: HttpClient, checkoutId: string, body: Record<string, unknown>, key: string = randomUUID()) =>
  client.post(`/api/checkout/${checkoutId}/pay`, { cardNumber: CARDS.pays, ...body }, { "Idempotency-Key": key });

/** Every authorization the provider was ever asked for (its own request log). */
const authorizations = async () =>
  (await db.execute<{ n: number }>(sql`select count(*)::int as n from test_provider_calls where call = 'authorize'`))[0]!.n;

const paymentsOf = async (checkoutId: string) =>
  (await db.execute<{ n: number }>(sql`select count(*)::int as n from payments where checkout_id = ${checkoutId}`))[0]!.n;

describe("paying a lapsed checkout re-reads what it sells", () => {
  it("a product archived and a price raised since: refused with product_unavailable, nothing held or charged", async () => {
    const [kept, archived] = [await makeProduct(5, 1000), await makeProduct(5, 500)];
    const client = await shopperWithLines(app, [
      { productId: kept.id, quantity: 2 },
      { productId: archived.id, quantity: 1 },
    ]);
    const checkout = await startedCheckout(client);
    await timeTravelHolds(checkout.id);
    expect((await editProduct(kept.id, { priceCents: 1200 })).status).toBe(200);
    expect((await editProduct(archived.id, { archived: true })).status).toBe(200);
    const before = await authorizations();

    const refused = await payWith(client, checkout.id, {});
    expectError(refused, 409, "product_unavailable");
    expect(refused.body).toMatchObject({ error: { lines: [{ productId: archived.id, name: archived.name, quantity: 1 }] } });
    expect((refused.body as { error: { message: string } }).error.message).toContain(archived.name);

    expect(await authorizations()).toBe(before);
    expect(await paymentsOf(checkout.id)).toBe(0);
    expect(await levels(kept.id)).toEqual({ on_hand: 5, reserved: 0, allocated: 0 });
    expect(await levels(archived.id)).toEqual({ on_hand: 5, reserved: 0, allocated: 0 });
  });

  it("a price raised since: 409 price_changed with the new lines and total; paying the accepted new total works", async () => {
    const [raised, same] = [await makeProduct(5, 1000), await makeProduct(5, 700)];
    const client = await shopperWithLines(app, [
      { productId: raised.id, quantity: 2 },
      { productId: same.id, quantity: 1 },
    ]);
    const checkout = await startedCheckout(client);
    expect(checkout.totalCents).toBe(2700);
    await timeTravelHolds(checkout.id);
    expect((await editProduct(raised.id, { priceCents: 1300 })).status).toBe(200);
    const before = await authorizations();

    const changed = await payWith(client, checkout.id, {});
    expectError(changed, 409, "price_changed");
    expect(changed.body).toMatchObject({
      error: {
        newTotalCents: 3300,
        oldTotalCents: 2700,
        lines: expect.arrayContaining([
          { productId: raised.id, variantId: raised.variantId, sku: raised.slug.toUpperCase(), name: raised.name, quantity: 2, oldUnitPriceCents: 1000, unitPriceCents: 1300 },
          { productId: same.id, variantId: same.variantId, sku: same.slug.toUpperCase(), name: same.name, quantity: 1, oldUnitPriceCents: 700, unitPriceCents: 700 },
        ]),
      },
    });
    // Another total than the one shown is not an acceptance.
    expectError(await payWith(client, checkout.id, { acceptTotalCents: 2700 }), 409, "price_changed");
    expect(await authorizations()).toBe(before);
    expect(await paymentsOf(checkout.id)).toBe(0);
    expect(await levels(raised.id)).toEqual({ on_hand: 5, reserved: 0, allocated: 0 });

    const paid = await payWith(client, checkout.id, { acceptTotalCents: 3300 });
    expect(paid.status, paid.text).toBe(200);
    expect(paid.body).toMatchObject({ order: { status: "paid", totalCents: 3300 } });
    const [charged] = await db.execute<{ amount_cents: number; status: string }>(sql`
      select t.amount_cents::int, t.status from test_provider_payments t join payments p on t.idempotency_key = 'stockhold_pay_' || p.id
      where p.checkout_id = ${checkout.id}`);
    expect(charged).toEqual({ amount_cents: 3300, status: "captured" });
    const [line] = await db.execute<{ unit_price_cents: number }>(sql`
      select unit_price_cents from order_lines where product_id = ${raised.id}`);
    expect(line!.unit_price_cents).toBe(1300);
    expect(await levels(raised.id)).toEqual({ on_hand: 5, reserved: 0, allocated: 2 });
  });

  it("a price that changes again after it was shown is shown again, never charged at the accepted total", async () => {
    const product = await makeProduct(5, 1000);
    const client = await shopperWithLines(app, [{ productId: product.id, quantity: 1 }]);
    const checkout = await startedCheckout(client);
    await timeTravelHolds(checkout.id);
    await editProduct(product.id, { priceCents: 1100 });
    expect((await payWith(client, checkout.id, {})).body).toMatchObject({ error: { code: "price_changed", newTotalCents: 1100 } });
    await editProduct(product.id, { priceCents: 1250 });

    const again = await payWith(client, checkout.id, { acceptTotalCents: 1100 });
    expectError(again, 409, "price_changed");
    expect(again.body).toMatchObject({ error: { newTotalCents: 1250 } });
    expect(await paymentsOf(checkout.id)).toBe(0);
  });

  it("a checkout started longer ago than the hard cap on a hold is not revived: 410, nothing charged", async () => {
    const product = await makeProduct(5, 1000);
    const client = await shopperWithLines(app, [{ productId: product.id, quantity: 1 }]);
    const checkout = await startedCheckout(client);
    await timeTravelHolds(checkout.id);
    // RESERVATION_MAX_SECONDS is 3600 by default.
    await db.execute(sql`update checkouts set started_at = date_trunc('milliseconds', now() - interval '2 hours') where id = ${checkout.id}`);
    const before = await authorizations();

    const refused = await payWith(client, checkout.id, {});
    expectError(refused, 410, "checkout_expired");
    expect((refused.body as { error: { message: string } }).error.message).toMatch(/start/i);
    expect(await authorizations()).toBe(before);
    expect(await paymentsOf(checkout.id)).toBe(0);
    const view = await client.get<{ checkout: { status: string } }>(`/api/checkout/${checkout.id}`);
    expect(view.body.checkout.status).toBe("expired");
  });
});
