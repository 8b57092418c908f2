/**
 * The hard cap on a hold's life, end to end over HTTP (RESERVATION_TTL_SECONDS=2, RESERVATION_MAX_SECONDS=5):
 * activity slides the expiry but never past the cap; at the cap the hold ends however active the shopper is,
 * and the stock is free again without any sweep. A checkout that reached the cap is over: paying it answers 410
 * and charges nothing. Paying a hold that lapsed by inactivity (within the cap) never pays on the lapsed hold:
 * when the stock is still there the payment holds it afresh first (ledger: expire, then "hold renewed for
 * payment", then allocate); when it is gone, 409 insufficient_stock and nothing is charged (the Store API contract).
 */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { appForFile } from "../support/app-for-file";
import { levels, makeProduct, movements } from "../support/fixtures";
import { HttpClient } from "../support/http";
import { sleep } from "../support/wait";
import type { CheckoutBody } from "./shop-support";
import { expectError, shopperWithLines, startedCheckout } from "./shop-support";

const TTL_MS = 2_000;
const MAX_MS = 5_000;
/** serverTime is read as a request ends; expiries are computed from its transaction's start a moment before. */
const CLOCK_SLACK_MS = 250;
const app = appForFile({ RESERVATION_TTL_SECONDS: String(TTL_MS / 1000), RESERVATION_MAX_SECONDS: String(MAX_MS / 1000) });

type Capped = CheckoutBody & { hardExpiresAt: string };
const ms = (iso: string) => Date.parse(iso);

/** Keeps the checkout busy (activity every 600 ms) until the app says it has ended; answers the last 200. */
async function keepBusyUntilEnded(client: HttpClient, checkout: Capped): Promise<{ last: Capped; slides: number }> {
  let last = checkout;
  let slides = 0;
  for (;;) {
    await sleep(600);
    const answer = await client.post<{ checkout: Capped }>(`/api/checkout/${checkout.id}/activity`, { name: "Busy Shopper" });
    if (answer.status !== 200) {
      expectError(answer, 410, "checkout_expired");
      return { last, slides };
    }
    const now = ms(answer.body.checkout.serverTime);
    const expires = ms(answer.body.checkout.expiresAt);
    // Slid to now + TTL (the transaction's now, a moment before serverTime), but never past the cap, which
    // itself never moves.
    expect(answer.body.checkout.hardExpiresAt).toBe(checkout.hardExpiresAt);
    expect(expires).toBeLessThanOrEqual(Math.min(now + TTL_MS, ms(checkout.hardExpiresAt)));
    expect(expires).toBeGreaterThanOrEqual(Math.min(now + TTL_MS - CLOCK_SLACK_MS, ms(checkout.hardExpiresAt)));
    // Still live when its transaction began (a moment before serverTime is read), so before the cap then.
    expect(now).toBeLessThan(ms(checkout.hardExpiresAt) + CLOCK_SLACK_MS);
    last = answer.body.checkout;
    slides += 1;
    if (slides > 20) throw new Error("the hold outlived its hard cap");
  }
}

describe("the hard cap over HTTP", () => {
  it("ends a busy checkout at the cap and frees its stock without a sweep", async () => {
    const product = await makeProduct(4);
    const client = await shopperWithLines(app, [{ productId: product.id, quantity: 3 }]);
    const checkout = (await startedCheckout(client)) as Capped;
    expect(ms(checkout.hardExpiresAt) - ms(checkout.serverTime)).toBeGreaterThan(MAX_MS - CLOCK_SLACK_MS);
    expect(ms(checkout.hardExpiresAt) - ms(checkout.serverTime)).toBeLessThanOrEqual(MAX_MS);
    expect(ms(checkout.hardExpiresAt) - ms(checkout.expiresAt)).toBe(MAX_MS - TTL_MS);

    const { last, slides } = await keepBusyUntilEnded(client, checkout);
    // The shopper was busy throughout: more slides than one TTL allows, and the last expiry was the cap itself.
    expect(slides).toBeGreaterThanOrEqual(Math.floor((MAX_MS - TTL_MS) / 600));
    expect(last.expiresAt).toBe(checkout.hardExpiresAt);

    const read = await client.get<{ checkout: Capped }>(`/api/checkout/${checkout.id}`);
    expect(read.body.checkout.status).toBe("expired");
    const shown = await new HttpClient(app.baseUrl).get(`/api/products/${product.slug}`);
    expect(shown.body.product.available).toBe(4);
    expect(await levels(product.id)).toEqual({ on_hand: 4, reserved: 0, allocated: 0 });
  });

  it("a checkout that reached the cap is not revived: 410 checkout_expired, nothing held or charged", async () => {
    const product = await makeProduct(3, 700);
    const client = await shopperWithLines(app, [{ productId: product.id, quantity: 2 }]);
    const checkout = (await startedCheckout(client)) as Capped;
    await keepBusyUntilEnded(client, checkout);

    const refused = await client.post(`/api/checkout/${checkout.id}/pay`, { cardNumber: "4242424242424242" }, { "Idempotency-Key": randomUUID() });
    expectError(refused, 410, "checkout_expired");
    expect(refused.body.error.message).toMatch(/start checkout again/i);
    expect((await client.get<{ checkout: Capped }>(`/api/checkout/${checkout.id}`)).body.checkout.status).toBe("expired");
    expect(await levels(product.id)).toEqual({ on_hand: 3, reserved: 0, allocated: 0 });
    expect((await movements({ checkoutId: checkout.id })).map((m) => m.kind)).toEqual(["reserve", "expire"]);
  });

  it("pays a hold that lapsed by inactivity (within the cap) only on a fresh hold when the stock is still there", async () => {
    const product = await makeProduct(3, 700);
    const client = await shopperWithLines(app, [{ productId: product.id, quantity: 2 }]);
    const checkout = (await startedCheckout(client)) as Capped;
    await sleep(TTL_MS + 300);

    const paid = await client.post(`/api/checkout/${checkout.id}/pay`, { cardNumber: "4242424242424242" }, { "Idempotency-Key": randomUUID() });
    expect(paid.status, paid.text).toBe(200);
    expect(paid.body.order).toMatchObject({ status: "paid", totalCents: 1400 });
    // The lapsed hold was released, a new one taken, and only that one became the order's stock.
    const ledger = await movements({ checkoutId: checkout.id });
    expect(ledger.map((m) => [m.kind, m.reserved_delta, m.allocated_delta, m.reason])).toEqual([
      ["reserve", 2, 0, expect.anything()],
      ["expire", -2, 0, "hold expired"],
      ["reserve", 2, 0, "hold renewed for payment"],
      ["allocate", -2, 2, expect.anything()],
    ]);
    expect(await levels(product.id)).toEqual({ on_hand: 3, reserved: 0, allocated: 2 });
  });

  it("refuses payment of a lapsed hold with 409 insufficient_stock when another shopper has the stock, charging nothing", async () => {
    const product = await makeProduct(2);
    const late = await shopperWithLines(app, [{ productId: product.id, quantity: 2 }]);
    const checkout = (await startedCheckout(late)) as Capped;
    await sleep(TTL_MS + 300);
    const other = await shopperWithLines(app, [{ productId: product.id, quantity: 2 }]);
    await startedCheckout(other);

    const refused = await late.post(`/api/checkout/${checkout.id}/pay`, { cardNumber: "4242424242424242" }, { "Idempotency-Key": randomUUID() });
    expectError(refused, 409, "insufficient_stock");
    expect(refused.body.error.lines).toEqual([{ productId: product.id, variantId: product.variantId, sku: product.slug.toUpperCase(), requested: 2, available: 0 }]);
    const read = await late.get<{ checkout: Capped }>(`/api/checkout/${checkout.id}`);
    expect(read.body.checkout.status).toBe("expired");
    expect(read.body.checkout.orderId).toBeUndefined();
    // The other shopper's hold is untouched; nothing was allocated.
    expect(await levels(product.id)).toEqual({ on_hand: 2, reserved: 2, allocated: 0 });
    expect((await movements({ checkoutId: checkout.id })).map((m) => m.kind)).toEqual(["reserve", "expire"]);
  });
});
