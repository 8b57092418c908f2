/**
 * Valid input never overflows: the largest price times the largest quantity on many lines is a total the
 * checkout, the payment and the order carry exactly (bigint cents), held and paid like any other.
 */
import { vi } from "vitest";

vi.hoisted(() => {
  process.env.RATE_LIMIT_CHECKOUTS_PER_MINUTE = "0";
});

import { sql } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { db, pool } from "@/db/client";
import { startCheckout } from "@/lib/checkout";
import { env } from "@/lib/platform/env";
import { TEST_CARDS } from "@/lib/payments";
import { makeProduct, payInFull, shopperWithCart } from "../support/fixtures";

afterAll(() => pool.end());

const LARGEST_PRICE = 2_147_483_647;

describe("a cart whose total passes 2^31 cents", () => {
  it("is held, paid and ordered at its exact total", async () => {
    const products = await Promise.all([1, 2, 3].map(() => makeProduct(env.MAX_QUANTITY_PER_LINE, LARGEST_PRICE)));
    const shopper = await shopperWithCart(products.map((p) => ({ productId: p.id, quantity: env.MAX_QUANTITY_PER_LINE })));
    const expected = 3 * env.MAX_QUANTITY_PER_LINE * LARGEST_PRICE;
    expect(expected).toBeGreaterThan(2 ** 31);

    const { checkout } = await startCheckout(shopper, { email: shopper.email });
    expect(checkout.totalCents).toBe(expected);
    const order = await payInFull({ checkoutId: checkout.id, shopperId: shopper.id, cardNumber: TEST_CARDS.succeeds, idempotencyKey: "big" });

    expect(order.totalCents).toBe(expected);
    const [row] = await db.execute<{ order_total: string; payment: string }>(sql`
      select o.total_cents::text as order_total, p.amount_cents::text as payment
      from orders o join payments p on p.order_id = o.id where o.id = ${order.id}`);
    expect(row).toEqual({ order_total: String(expected), payment: String(expected) });
  });
});
