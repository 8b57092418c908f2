/**
 * Ending a checkout: cancel and a declined card give the stock back at once; payment turns the hold into exactly
 * one order, however often or however concurrently it is submitted, and never charges for stock it cannot have.
 */
import { vi } from "vitest";

vi.hoisted(() => {
  process.env.RATE_LIMIT_CHECKOUTS_PER_MINUTE = "0";
});

import { sql } from "drizzle-orm";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { db, pool } from "@/db/client";
import { addToCart, getCart } from "@/lib/cart";
import {
  cancelCheckout,
  getCheckout,
  payForCheckout,
  recordCheckoutActivity,
  startCheckout,
  InsufficientStockError,
} from "@/lib/checkout";
import { reconcileStock } from "@/lib/inventory";
import { setPaymentProvider, TEST_CARDS } from "@/lib/payments";
import {
  checkoutStatus,
  countingPaymentProvider,
  expectDomainError,
  levels,
  makeProduct,
  movements,
  payInFull,
  shopperWithCart,
  timeTravelHolds,
} from "../support/fixtures";

let provider: ReturnType<typeof countingPaymentProvider>;

beforeEach(() => {
  provider = countingPaymentProvider();
  setPaymentProvider(provider);
});

afterAll(() => pool.end());

async function ordersOf(checkoutId: string) {
  return db.execute<{ id: string; total_cents: number }>(sql`
    select id, total_cents from orders where checkout_id = ${checkoutId}`);
}

/** A shopper holding `quantity` of a fresh product (and 1 of a second), with `spare` units left on the shelf. */
async function heldCheckout(quantity = 2, spare = 1) {
  const [a, b] = [await makeProduct(quantity + spare, 1250), await makeProduct(1 + spare, 500)];
  const shopper = await shopperWithCart([
    { productId: a.id, quantity },
    { productId: b.id, quantity: 1 },
  ]);
  const { checkout } = await startCheckout(shopper, { email: shopper.email });
  return { a, b, shopper, checkout, totalCents: quantity * 1250 + 500 };
}

describe("release at once", () => {
  it("cancel releases the hold at once, the units go to the next shopper, and a second cancel changes nothing", async () => {
    const { a, b, shopper, checkout } = await heldCheckout(2, 0);
    const next = await shopperWithCart([{ productId: a.id, quantity: 2 }]);
    await expectDomainError(startCheckout(next, { email: next.email }), "insufficient_stock");

    const cancelled = await cancelCheckout(checkout.id, shopper.id);

    expect(cancelled.status).toBe("cancelled");
    expect(await levels(a.id)).toEqual({ on_hand: 2, reserved: 0, allocated: 0 });
    expect(await levels(b.id)).toEqual({ on_hand: 1, reserved: 0, allocated: 0 });
    expect(await movements({ checkoutId: checkout.id, kind: "release" })).toHaveLength(2);
    expect((await startCheckout(next, { email: next.email })).created).toBe(true);

    expect((await cancelCheckout(checkout.id, shopper.id)).status).toBe("cancelled");
    expect(await movements({ checkoutId: checkout.id, kind: "release" })).toHaveLength(2);
    await expectDomainError(recordCheckoutActivity(checkout.id, shopper.id), "checkout_closed");
    // A cancelled checkout cannot be paid: nothing is charged.
    await expectDomainError(
      payForCheckout({ checkoutId: checkout.id, shopperId: shopper.id, cardNumber: TEST_CARDS.succeeds, idempotencyKey: "late" }),
      "checkout_closed",
    );
    expect(provider.charges).toHaveLength(0);
    expect(await reconcileStock()).toMatchObject({ ok: true });
  });

  it("a declined card answers payment_declined, releases the hold at once and marks the checkout failed", async () => {
    const { a, b, shopper, checkout } = await heldCheckout(2, 0);

    await expectDomainError(
      payForCheckout({ checkoutId: checkout.id, shopperId: shopper.id, cardNumber: TEST_CARDS.declined, idempotencyKey: "d1" }),
      "payment_declined",
    );

    expect(await levels(a.id)).toEqual({ on_hand: 2, reserved: 0, allocated: 0 });
    expect(await levels(b.id)).toEqual({ on_hand: 1, reserved: 0, allocated: 0 });
    expect(await checkoutStatus(checkout.id)).toBe("failed");
    expect((await getCheckout(checkout.id, shopper.id)).status).toBe("failed");
    expect(await ordersOf(checkout.id)).toEqual([]);
    expect(provider.charges).toHaveLength(1);

    // The same request again gets the same answer without asking the card again.
    const replay = await expectDomainError(
      payForCheckout({ checkoutId: checkout.id, shopperId: shopper.id, cardNumber: TEST_CARDS.declined, idempotencyKey: "d1" }),
      "payment_declined",
    );
    expect(replay.details).toMatchObject({ declineCode: "card_declined" });
    expect(provider.charges).toHaveLength(1);
    // A new attempt on the failed checkout is refused; the shopper must start again.
    await expectDomainError(
      payForCheckout({ checkoutId: checkout.id, shopperId: shopper.id, cardNumber: TEST_CARDS.succeeds, idempotencyKey: "d2" }),
      "checkout_closed",
    );
    expect(provider.charges).toHaveLength(1);
    expect(await movements({ checkoutId: checkout.id, kind: "release" })).toHaveLength(2);
    expect(await reconcileStock()).toMatchObject({ ok: true });
  });

  it("insufficient funds is a decline too: the hold is released at once", async () => {
    const { a, shopper, checkout } = await heldCheckout(1, 0);
    const error = await expectDomainError(
      payForCheckout({ checkoutId: checkout.id, shopperId: shopper.id, cardNumber: TEST_CARDS.insufficientFunds, idempotencyKey: "f1" }),
      "payment_declined",
    );
    expect(error.details).toMatchObject({ declineCode: "insufficient_funds" });
    expect(await levels(a.id)).toMatchObject({ reserved: 0, allocated: 0 });
    expect(await checkoutStatus(checkout.id)).toBe("failed");
  });
});

describe("payment creates the order exactly once", () => {
  it("pays: the hold becomes allocated stock and an order; replaying the key returns the same order without a second charge", async () => {
    const { a, b, shopper, checkout, totalCents } = await heldCheckout(2, 1);

    const order = await payInFull({ checkoutId: checkout.id, shopperId: shopper.id, cardNumber: TEST_CARDS.succeeds, idempotencyKey: "p1" });

    expect(order).toMatchObject({ status: "paid", totalCents, checkoutId: checkout.id });
    expect(order.lines.map((l) => l.quantity).sort()).toEqual([1, 2]);
    expect(await levels(a.id)).toEqual({ on_hand: 3, reserved: 0, allocated: 2 });
    expect(await levels(b.id)).toEqual({ on_hand: 2, reserved: 0, allocated: 1 });
    expect(await checkoutStatus(checkout.id)).toBe("completed");
    expect((await getCart(shopper.id)).lines).toEqual([]);
    expect(provider.charges).toEqual([expect.objectContaining({ amountCents: totalCents })]);

    const replay = await payInFull({ checkoutId: checkout.id, shopperId: shopper.id, cardNumber: TEST_CARDS.succeeds, idempotencyKey: "p1" });
    expect(replay.id).toBe(order.id);
    expect(provider.charges).toHaveLength(1);
    expect(await ordersOf(checkout.id)).toHaveLength(1);
    await expectDomainError(cancelCheckout(checkout.id, shopper.id), "checkout_completed");
    await expectDomainError(recordCheckoutActivity(checkout.id, shopper.id), "checkout_completed");
    expect(await reconcileStock()).toMatchObject({ ok: true });
  });

  it("12 concurrent submits, some with the same key and some with fresh keys, make one order, one charge and one allocation", async () => {
    const { a, b, shopper, checkout } = await heldCheckout(3, 2);
    const keys = ["same", "same", "same", "same", "same", "same", "k1", "k2", "k3", "k4", "k5", "k6"];

    const answers = await Promise.allSettled(
      keys.map((idempotencyKey) =>
        payForCheckout({ checkoutId: checkout.id, shopperId: shopper.id, cardNumber: TEST_CARDS.succeeds, idempotencyKey }),
      ),
    );

    // Each submit gets the order, "still confirming" (the same key while the first is with the provider), or
    // payment_in_progress (another key while a payment is in flight): never a second payment.
    const orderIds = new Set<string>();
    for (const answer of answers) {
      if (answer.status === "rejected") {
        expect((answer.reason as { code?: string }).code).toBe("payment_in_progress");
      } else if (answer.value.kind === "paid") {
        orderIds.add(answer.value.order.id);
      } else {
        expect(answer.value.checkout.status).toBe("paying");
      }
    }
    expect(orderIds.size).toBe(1);
    expect(await ordersOf(checkout.id)).toHaveLength(1);
    expect(provider.charges).toHaveLength(1);
    expect(await levels(a.id)).toEqual({ on_hand: 5, reserved: 0, allocated: 3 });
    expect(await levels(b.id)).toEqual({ on_hand: 3, reserved: 0, allocated: 1 });
    expect(await movements({ checkoutId: checkout.id, kind: "allocate" })).toHaveLength(2);
    expect(await reconcileStock()).toMatchObject({ ok: true });
  });

  it("concurrent submits after the hold lapsed (stock still there) renew it once and make one order", async () => {
    const { a, shopper, checkout } = await heldCheckout(2, 3);
    await timeTravelHolds(checkout.id);

    const answers = await Promise.allSettled(
      ["x", "x", "y", "z"].map((idempotencyKey) =>
        payForCheckout({ checkoutId: checkout.id, shopperId: shopper.id, cardNumber: TEST_CARDS.succeeds, idempotencyKey }),
      ),
    );

    const orderIds = new Set(answers.flatMap((a) => (a.status === "fulfilled" && a.value.kind === "paid" ? [a.value.order.id] : [])));
    expect(orderIds.size).toBe(1);
    for (const a of answers) if (a.status === "rejected") expect((a.reason as { code?: string }).code).toBe("payment_in_progress");
    expect(provider.charges).toHaveLength(1);
    expect(await ordersOf(checkout.id)).toHaveLength(1);
    expect(await levels(a.id)).toEqual({ on_hand: 5, reserved: 0, allocated: 2 });
    expect(await reconcileStock()).toMatchObject({ ok: true });
  });
});

describe("payment after the hold expired", () => {
  it("with the stock still there: the hold is renewed and the payment succeeds", async () => {
    const { a, b, shopper, checkout, totalCents } = await heldCheckout(2, 0);
    await timeTravelHolds(checkout.id);
    await expectDomainError(recordCheckoutActivity(checkout.id, shopper.id), "checkout_expired");
    expect(await levels(a.id)).toMatchObject({ reserved: 0 });

    const order = await payInFull({ checkoutId: checkout.id, shopperId: shopper.id, cardNumber: TEST_CARDS.succeeds, idempotencyKey: "late" });

    expect(order).toMatchObject({ status: "paid", totalCents });
    expect(provider.charges).toHaveLength(1);
    expect(await checkoutStatus(checkout.id)).toBe("completed");
    expect(await levels(a.id)).toEqual({ on_hand: 2, reserved: 0, allocated: 2 });
    expect(await levels(b.id)).toEqual({ on_hand: 1, reserved: 0, allocated: 1 });
    expect((await movements({ productId: a.id, checkoutId: checkout.id })).map((m) => m.kind)).toEqual([
      "reserve",
      "expire",
      "reserve",
      "allocate",
    ]);
    expect(await reconcileStock()).toMatchObject({ ok: true });
  });

  it("with the stock gone to another shopper: insufficient_stock, nothing charged, the other hold untouched", async () => {
    const { a, b, shopper, checkout } = await heldCheckout(2, 0);
    await timeTravelHolds(checkout.id);
    const other = await shopperWithCart([{ productId: a.id, quantity: 1 }]);
    const taken = await startCheckout(other, { email: other.email });

    const error = await expectDomainError(
      payForCheckout({ checkoutId: checkout.id, shopperId: shopper.id, cardNumber: TEST_CARDS.succeeds, idempotencyKey: "late" }),
      "insufficient_stock",
    );

    expect((error as InsufficientStockError).lines).toEqual([{ productId: a.id, variantId: a.variantId, sku: a.slug.toUpperCase(), requested: 2, available: 1 }]);
    expect(provider.charges).toHaveLength(0);
    expect(await ordersOf(checkout.id)).toEqual([]);
    expect(await checkoutStatus(checkout.id)).toBe("expired");
    expect(await levels(a.id)).toEqual({ on_hand: 2, reserved: 1, allocated: 0 });
    expect(await levels(b.id)).toEqual({ on_hand: 1, reserved: 0, allocated: 0 });
    expect((await getCheckout(taken.checkout.id, other.id)).status).toBe("active");
    // Asking again still charges nothing.
    await expectDomainError(
      payForCheckout({ checkoutId: checkout.id, shopperId: shopper.id, cardNumber: TEST_CARDS.succeeds, idempotencyKey: "later" }),
      "insufficient_stock",
    );
    expect(provider.charges).toHaveLength(0);
    expect(await reconcileStock()).toMatchObject({ ok: true });
  });

  it("paying an old checkout after the cart was checked out again answers checkout_expired and charges nothing", async () => {
    const product = await makeProduct(10);
    const shopper = await shopperWithCart([{ productId: product.id, quantity: 2 }]);
    const { checkout: old } = await startCheckout(shopper, { email: shopper.email });
    await timeTravelHolds(old.id);
    await addToCart(shopper.id, product.id, 1);
    const { checkout: current } = await startCheckout(shopper, { email: shopper.email });
    expect(current.id).not.toBe(old.id);

    await expectDomainError(
      payForCheckout({ checkoutId: old.id, shopperId: shopper.id, cardNumber: TEST_CARDS.succeeds, idempotencyKey: "old-tab" }),
      "checkout_expired",
    );

    expect(provider.charges).toHaveLength(0);
    expect(await checkoutStatus(old.id)).toBe("expired");
    expect(await checkoutStatus(current.id)).toBe("active");
    expect(await levels(product.id)).toEqual({ on_hand: 10, reserved: 3, allocated: 0 });
    const order = await payInFull({ checkoutId: current.id, shopperId: shopper.id, cardNumber: TEST_CARDS.succeeds, idempotencyKey: "new-tab" });
    expect(order.lines).toEqual([expect.objectContaining({ productId: product.id, quantity: 3 })]);
    expect(await reconcileStock()).toMatchObject({ ok: true });
  });
});

describe("a shopper in two tabs", () => {
  it("paying, typing details and starting checkout again at the same moment never deadlock", async () => {
    const product = await makeProduct(100);
    const shoppers = await Promise.all(
      Array.from({ length: 15 }, () => shopperWithCart([{ productId: product.id, quantity: 1 }])),
    );
    const started = await Promise.all(shoppers.map((s) => startCheckout(s, { email: s.email })));

    const settled = await Promise.allSettled(
      shoppers.flatMap((shopper, i) => {
        const checkoutId = started[i]!.checkout.id;
        return [
          recordCheckoutActivity(checkoutId, shopper.id, { details: { name: `Tab ${i}` } }),
          startCheckout(shopper, { email: shopper.email }),
          payForCheckout({ checkoutId, shopperId: shopper.id, cardNumber: TEST_CARDS.succeeds, idempotencyKey: `tab-${i}` }),
          startCheckout(shopper, { email: shopper.email }),
        ];
      }),
    );

    const unexpected = settled.flatMap((s) => {
      if (s.status === "fulfilled") return [];
      const error = s.reason as { code?: string };
      // Activity after the payment finds the checkout completed; a start after it finds the cart empty.
      if (error.code === "checkout_completed" || error.code === "empty_cart") return [];
      return [String(s.reason) + " " + String((s.reason as { cause?: unknown }).cause ?? "")];
    });
    expect(unexpected).toEqual([]);
    for (const { checkout } of started) expect(await ordersOf(checkout.id)).toHaveLength(1);
    expect(await levels(product.id)).toEqual({ on_hand: 100, reserved: 0, allocated: 15 });
    expect(await reconcileStock()).toMatchObject({ ok: true });
  });
});
