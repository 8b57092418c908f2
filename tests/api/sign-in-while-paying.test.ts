/**
 * Signing in while a guest's payment is still being confirmed (the bank answers later, by webhook): the guest's
 * cart joins the account's, but the lines that payment is buying do not. Once the order is made, the account's
 * cart holds only what was never bought, so nothing can be bought twice.
 */
import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db, pool } from "@/db/client";
import { createAccount } from "@/lib/accounts/shoppers";
import { startApp, type RunningApp } from "../support/app-server";
import { levels, makeProduct } from "../support/fixtures";
import { HttpClient, sessionCookieOf, signIn } from "../support/http";
import { until } from "../support/wait";
import { CARDS, pay, shopperWithLines, startedCheckout } from "./shop-support";

let app: RunningApp;

beforeAll(async () => {
  // The webhook comes late enough that the sign-in lands while the payment is still being confirmed.
  app = await startApp({ PAYMENT_TEST_WEBHOOK_DELAY_MS: "2500", PAYMENT_RECOVERY_AFTER_SECONDS: "30" });
});

afterAll(async () => {
  await app?.stop();
  await pool.end();
});

type CartBody = { cart: { lines: { productId: string; quantity: number }[] } };
const cartOf = async (client: HttpClient) =>
  Object.fromEntries((await client.get<CartBody>("/api/cart")).body.cart.lines.map((l) => [l.productId, l.quantity]));

async function checkoutRow(checkoutId: string) {
  const [row] = await db.execute<{ status: string; cart_id: string }>(sql`select status, cart_id from checkouts where id = ${checkoutId}`);
  return row!;
}

async function cartLinesIn(cartId: string) {
  const rows = await db.execute<{ product_id: string; quantity: number }>(sql`select product_id, quantity from cart_lines where cart_id = ${cartId}`);
  return Object.fromEntries(rows.map((r) => [r.product_id, r.quantity]));
}

describe("signing in while a payment confirms", () => {
  it("keeps the lines being paid for out of the account's cart, and the order takes them from the guest's", async () => {
    const bought = await makeProduct(10, 1500);
    const other = await makeProduct(5, 700);
    const guest = await shopperWithLines(app, [{ productId: bought.id, quantity: 2 }]);
    const checkout = await startedCheckout(guest);
    const answered = await pay(guest, checkout.id, CARDS.asyncPays);
    expect(answered.status, answered.text).toBe(202);

    // While the bank confirms, the guest adds one more of the same product and another product.
    expect((await guest.post("/api/cart/lines", { productId: bought.id, quantity: 1 })).status).toBe(200);
    expect((await guest.post("/api/cart/lines", { productId: other.id, quantity: 1 })).status).toBe(200);

    const email = `paying-${randomUUID().slice(0, 8)}@example.test`;
    const password = `pw-${randomUUID()}`;
    await createAccount({ email, password });
    const signedIn = await signIn(guest, { email, password }, {}, `${app.baseUrl}/`);
    expect(signedIn.status).toBe(302);
    expect(sessionCookieOf(guest)).toBeTruthy();
    const { status, cart_id: guestCartId } = await checkoutRow(checkout.id);
    expect(status, "the sign-in must land while the payment is still being confirmed").toBe("paying");

    // Only what the payment is not buying moved to the account.
    expect(await cartOf(guest)).toEqual({ [bought.id]: 1, [other.id]: 1 });

    await until("the webhook", async () => (await checkoutRow(checkout.id)).status !== "paying", 15_000);
    expect((await checkoutRow(checkout.id)).status).toBe("completed");
    const [order] = await db.execute<{ quantity: number }>(
      sql`select l.quantity from orders o join order_lines l on l.order_id = o.id where o.checkout_id = ${checkout.id}`,
    );
    expect(order?.quantity).toBe(2);

    // The order took its lines from the guest's cart, and nothing from the account's.
    expect(await cartLinesIn(guestCartId)).toEqual({});
    expect(await cartOf(guest)).toEqual({ [bought.id]: 1, [other.id]: 1 });

    // Checking out the account's cart buys only the rest: the paid two are not held or sold again.
    const again = await guest.post<{ checkout: { lines: { productId: string; quantity: number }[] } }>("/api/checkout", {});
    expect(again.status, again.text).toBe(201);
    expect(Object.fromEntries(again.body.checkout.lines.map((l) => [l.productId, l.quantity]))).toEqual({ [bought.id]: 1, [other.id]: 1 });
    expect(await levels(bought.id)).toEqual({ on_hand: 10, reserved: 1, allocated: 2 });
  });
});
