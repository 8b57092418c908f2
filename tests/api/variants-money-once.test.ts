/**
 * Money moves exactly once on a product sold in sizes, over HTTP against the built app: an old tab that held another
 * size answers 410 and is never charged, a refused restart keeps the size held and names the short one, payments
 * racing for one checkout of two sizes capture once, and a provider that answers later settles both sizes once.
 * The carts are filled through lib/cart (by variant id); checkout starts and payments are HTTP.
 */
import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db, pool } from "@/db/client";
import { addToCart, getCart, setCartLineQuantity } from "@/lib/cart";
import { startApp, type RunningApp } from "../support/app-server";
import { until } from "../support/wait";
import { httpShopperAs, makeProductWithVariants, shopperWithVariantCart, variantLevels } from "../support/variants";
import { CARDS, expectError, pay, startedCheckout, type CheckoutBody } from "./shop-support";

let app: RunningApp;

beforeAll(async () => {
  app = await startApp({ PAYMENT_RECOVERY_AFTER_SECONDS: "1", PAYMENT_TEST_WEBHOOK_DELAY_MS: "300" });
});

afterAll(async () => {
  await app?.stop();
  await pool.end();
});

const ordersOf = async (checkoutId: string) =>
  (await db.execute<{ n: number }>(sql`select count(*)::int as n from orders where checkout_id = ${checkoutId}`))[0]!.n;

/** Payments the provider authorized or captured for this checkout (money reserved or taken). */
const chargesOf = async (checkoutId: string) =>
  (
    await db.execute<{ n: number }>(sql`
      select count(*)::int as n from test_provider_payments t join payments p on t.idempotency_key = 'stockhold_pay_' || p.id
      where p.checkout_id = ${checkoutId} and t.status in ('authorized', 'captured')`)
  )[0]!.n;

const orderVariants = async (checkoutId: string) =>
  (
    await db.execute<{ variant_id: string; quantity: number }>(sql`
      select l.variant_id, l.quantity from order_lines l join orders o on o.id = l.order_id where o.checkout_id = ${checkoutId}`)
  )
    .map((r) => [r.variant_id, r.quantity] as [string, number])
    .sort();

async function shirtAndShopper(stock: Record<string, number>, lines: { size: string; quantity: number }[]) {
  const shirt = await makeProductWithVariants(stock);
  const v = shirt.variants as Record<string, { id: string; sku: string }>;
  const guest = await shopperWithVariantCart(lines.map((l) => ({ variantId: v[l.size]!.id, quantity: l.quantity })));
  return { shirt, v, guest, client: httpShopperAs(app.baseUrl, guest.id) };
}

describe("no double charge", () => {
  it("an old tab that held an M answers 410 once the shopper swapped it for an L, checked out again and paid", async () => {
    const { v, guest, client } = await shirtAndShopper({ M: 2, L: 2 }, [{ size: "M", quantity: 1 }]);
    const c1 = await startedCheckout(client);
    await db.execute(sql`update reservations set expires_at = now() - interval '1 second' where checkout_id = ${c1.id}`);
    await db.execute(sql`update checkouts set expires_at = now() - interval '1 second' where id = ${c1.id}`);
    await setCartLineQuantity(guest.id, v.M!.id, 0);
    await addToCart(guest.id, { variantId: v.L!.id }, 1);
    const c2 = await startedCheckout(client);
    expect((await pay(client, c2.id, CARDS.pays)).status).toBe(200);

    expectError(await pay(client, c1.id, CARDS.pays), 410, "checkout_expired");

    expect(await ordersOf(c1.id)).toBe(0);
    expect(await chargesOf(c1.id)).toBe(0);
    expect(await chargesOf(c2.id)).toBe(1);
    expect(await orderVariants(c2.id)).toEqual([[v.L!.id, 1]]);
    expect(await variantLevels(v.M!.id)).toEqual({ on_hand: 2, reserved: 0, allocated: 0 });
    expect(await variantLevels(v.L!.id)).toEqual({ on_hand: 2, reserved: 0, allocated: 1 });
  });

  it("five payments at once for one checkout of an M and an L (replays and other keys): one order, one charge", async () => {
    const { v, client } = await shirtAndShopper({ M: 3, L: 3 }, [
      { size: "M", quantity: 2 },
      { size: "L", quantity: 1 },
    ]);
    const checkout = await startedCheckout(client);
    const key = randomUUID();

    const answers = await Promise.all([key, key, key, randomUUID(), randomUUID()].map((k) => pay(client, checkout.id, CARDS.pays, k)));

    const paid = answers.filter((a) => a.status === 200);
    expect(paid.length).toBeGreaterThanOrEqual(1);
    expect(new Set(paid.map((a) => a.body.order.id)).size).toBe(1);
    for (const other of answers.filter((a) => a.status !== 200)) {
      expect([409, 410], other.text).toContain(other.status);
      expect(["payment_in_progress", "checkout_closed"]).toContain(other.body.error.code);
    }
    expect(await ordersOf(checkout.id)).toBe(1);
    expect(await chargesOf(checkout.id)).toBe(1);
    expect(await orderVariants(checkout.id)).toEqual([[v.M!.id, 2], [v.L!.id, 1]].sort());
    expect(await variantLevels(v.M!.id)).toEqual({ on_hand: 3, reserved: 0, allocated: 2 });
    expect(await variantLevels(v.L!.id)).toEqual({ on_hand: 3, reserved: 0, allocated: 1 });
    // The first key replayed later answers the same order.
    const replay = await pay(client, checkout.id, CARDS.pays, key);
    expect(replay.status).toBe(200);
    expect(replay.body.order.id).toBe(paid[0]!.body.order.id);
    expect(await chargesOf(checkout.id)).toBe(1);
  });
});

describe("what the shopper keeps", () => {
  it("a refused restart keeps the live M: 409 naming only the sold-out L, the old checkout still active and payable", async () => {
    const { shirt, v, guest, client } = await shirtAndShopper({ M: 1, L: 0 }, [{ size: "M", quantity: 1 }]);
    const checkout = await startedCheckout(client);
    await addToCart(guest.id, { variantId: v.L!.id }, 1);

    const refused = await client.post("/api/checkout", { email: "again@example.test" });

    expectError(refused, 409, "insufficient_stock");
    expect(refused.body.error.lines).toEqual([expect.objectContaining({ productId: shirt.id, variantId: v.L!.id, requested: 1, available: 0 })]);
    expect(refused.body.error.message).toContain(`${shirt.name} — L`);
    expect(refused.body.error.message).not.toContain("— M");
    expect((await client.get(`/api/checkout/${checkout.id}`)).body.checkout.status).toBe("active");
    const rival = await shopperWithVariantCart([{ variantId: v.M!.id, quantity: 1 }]);
    expectError(await httpShopperAs(app.baseUrl, rival.id).post("/api/checkout", { email: "rival@example.test" }), 409, "insufficient_stock");
    expect((await pay(client, checkout.id, CARDS.pays)).status).toBe(200);
    expect(await chargesOf(checkout.id)).toBe(1);
    expect(await variantLevels(v.M!.id)).toEqual({ on_hand: 1, reserved: 0, allocated: 1 });
  });

  it("paying removes from the cart only the size and quantity bought", async () => {
    const { v, guest, client } = await shirtAndShopper({ M: 10, L: 10 }, [{ size: "M", quantity: 1 }]);
    const checkout = await startedCheckout(client);
    await addToCart(guest.id, { variantId: v.M!.id }, 2);
    await addToCart(guest.id, { variantId: v.L!.id }, 2);

    expect((await pay(client, checkout.id, CARDS.pays)).status).toBe(200);

    expect(await orderVariants(checkout.id)).toEqual([[v.M!.id, 1]]);
    expect((await getCart(guest.id)).lines.map((l) => [l.variantId, l.quantity]).sort()).toEqual([[v.M!.id, 2], [v.L!.id, 2]].sort());
  });
});

describe("a provider that answers later", () => {
  it("answers 202 keeping both sizes held, and the webhook turns it into one order allocating each size once", async () => {
    const { v, client } = await shirtAndShopper({ M: 2, L: 2 }, [
      { size: "M", quantity: 1 },
      { size: "L", quantity: 2 },
    ]);
    const checkout = await startedCheckout(client);

    const answered = await pay(client, checkout.id, CARDS.asyncPays);
    expect(answered.status, answered.text).toBe(202);
    expect(await variantLevels(v.M!.id)).toEqual({ on_hand: 2, reserved: 1, allocated: 0 });
    expect(await variantLevels(v.L!.id)).toEqual({ on_hand: 2, reserved: 2, allocated: 0 });

    await until("the webhook to settle the payment", async () => (await client.get(`/api/checkout/${checkout.id}`)).body.checkout.status !== "paying");
    const read = await client.get<{ checkout: CheckoutBody }>(`/api/checkout/${checkout.id}`);
    expect(read.body.checkout).toMatchObject({ status: "completed", orderId: expect.any(String) });
    expect(await orderVariants(checkout.id)).toEqual([[v.M!.id, 1], [v.L!.id, 2]].sort());
    expect(await variantLevels(v.M!.id)).toEqual({ on_hand: 2, reserved: 0, allocated: 1 });
    expect(await variantLevels(v.L!.id)).toEqual({ on_hand: 2, reserved: 0, allocated: 2 });
    expect(await chargesOf(checkout.id)).toBe(1);
    expect(await ordersOf(checkout.id)).toBe(1);
  });
});
