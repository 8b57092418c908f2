/**
 * A webhook is recorded under its event id before it is settled (so two deliveries at once settle once); a
 * delivery whose settling fails must not leave that record behind, or the provider's retry would be taken for a
 * duplicate and the payment never settled by it.
 */
import { vi } from "vitest";

vi.hoisted(() => {
  process.env.RATE_LIMIT_CHECKOUTS_PER_MINUTE = "0";
  process.env.PAYMENT_WEBHOOK_SECRET = "whsec_engine_webhook_retry";
  // The provider's own delivery stays out of the way: this test delivers the event itself.
  process.env.PAYMENT_TEST_WEBHOOK_DELAY_MS = "600000";
});

import { sql } from "drizzle-orm";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { db, pool } from "@/db/client";
import { payForCheckout, startCheckout } from "@/lib/checkout";
import { setPaymentProvider, TEST_CARDS } from "@/lib/payments";
import { signPayload, SIGNATURE_HEADER } from "@/lib/payments/signature";
import { testPaymentProvider } from "@/lib/payments/test-provider";
import { receiveWebhook } from "@/lib/payments/webhooks";
import { makeProduct, shopperWithCart } from "../support/fixtures";

afterEach(() => setPaymentProvider(undefined));
afterAll(() => pool.end());

describe("a webhook whose settling fails", () => {
  it("is forgotten, so the provider's retry settles the payment; a later delivery is a duplicate", async () => {
    const product = await makeProduct(3, 1200);
    const shopper = await shopperWithCart([{ productId: product.id, quantity: 1 }]);
    const { checkout } = await startCheckout(shopper, { email: shopper.email });
    const pending = await payForCheckout({ checkoutId: checkout.id, shopperId: shopper.id, cardNumber: TEST_CARDS.asyncSucceeds, idempotencyKey: "first" });
    expect(pending.kind).toBe("pending");
    const [payment] = await db.execute<{ id: string }>(sql`select id from payments where checkout_id = ${checkout.id}`);
    const key = `stockhold_pay_${payment!.id}`;
    // The bank confirms.
    await db.execute(sql`update test_provider_payments set status = 'authorized' where idempotency_key = ${key}`);

    let lookups = 0;
    setPaymentProvider({
      ...testPaymentProvider,
      async lookup(idempotencyKey) {
        lookups += 1;
        if (lookups === 1) throw new Error("provider unreachable");
        return testPaymentProvider.lookup(idempotencyKey);
      },
    });
    const body = JSON.stringify({ id: "evt_retry_1", type: "payment.authorized", created: 0, data: { object: { idempotencyKey: key } } });
    const headers = () => new Headers({ [SIGNATURE_HEADER]: signPayload("whsec_engine_webhook_retry", body) });

    await expect(receiveWebhook(body, headers())).rejects.toThrow("provider unreachable");
    const recorded = async () =>
      (await db.execute<{ n: number }>(sql`select count(*)::int as n from payment_events where event_id = 'evt_retry_1'`))[0]!.n;
    expect(await recorded()).toBe(0);

    expect(await receiveWebhook(body, headers())).toEqual({ received: true, duplicate: false });
    expect(await recorded()).toBe(1);
    const [settled] = await db.execute<{ status: string; orders: number }>(sql`
      select status, (select count(*)::int from orders where checkout_id = ${checkout.id}) as orders from payments where id = ${payment!.id}`);
    expect(settled).toEqual({ status: "captured", orders: 1 });

    expect(await receiveWebhook(body, headers())).toEqual({ received: true, duplicate: true });
    expect(lookups).toBe(2);
  });
});
