/**
 * Money moves exactly once: each defect found in the checkout's life has a test here that failed before the
 * lifecycle became one state machine, with payment records written before the provider is called.
 */
import { vi } from "vitest";

vi.hoisted(() => {
  process.env.RATE_LIMIT_CHECKOUTS_PER_MINUTE = "0";
});

import { sql } from "drizzle-orm";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { db, pool } from "@/db/client";
import { addToCart, getCart, setCartLineQuantity } from "@/lib/cart";
import { cancelCheckout, getCheckout, handOverGuest, payForCheckout, startCheckout } from "@/lib/checkout";
import { reconcileStock } from "@/lib/inventory";
import { setPaymentProvider, TEST_CARDS } from "@/lib/payments";
import { createAccount } from "@/lib/accounts/shoppers";
import {
  checkoutStatus,
  countingPaymentProvider,
  expectDomainError,
  levels,
  makeProduct,
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

const ordersOf = async (checkoutId: string) =>
  (await db.execute<{ n: number }>(sql`select count(*)::int as n from orders where checkout_id = ${checkoutId}`))[0]!.n;

const pay = (checkoutId: string, shopperId: string, idempotencyKey: string, cardNumber: string = TEST_CARDS.succeeds) =>
  payForCheckout({ checkoutId, shopperId, cardNumber, idempotencyKey });

describe("a checkout that lost its place is never charged", () => {
  it("an old tab's lapsed checkout cannot be paid once the cart was checked out again and paid", async () => {
    const product = await makeProduct(10, 700);
    const shopper = await shopperWithCart([{ productId: product.id, quantity: 2 }]);
    const { checkout: c1 } = await startCheckout(shopper, { email: shopper.email });
    await timeTravelHolds(c1.id);
    const { checkout: c2 } = await startCheckout(shopper, { email: shopper.email });
    expect(c2.id).not.toBe(c1.id);
    await payInFull({ checkoutId: c2.id, shopperId: shopper.id, cardNumber: TEST_CARDS.succeeds, idempotencyKey: "tab-2" });

    await expectDomainError(pay(c1.id, shopper.id, "tab-1"), "checkout_expired");

    expect(provider.charges).toHaveLength(1);
    expect(await ordersOf(c1.id)).toBe(0);
    expect(await levels(product.id)).toEqual({ on_hand: 10, reserved: 0, allocated: 2 });
    expect(await reconcileStock()).toMatchObject({ ok: true });
  });

  it("an old checkout that held an item since removed from the cart is not charged for it", async () => {
    const [kept, removed] = [await makeProduct(5), await makeProduct(5)];
    const shopper = await shopperWithCart([
      { productId: kept.id, quantity: 1 },
      { productId: removed.id, quantity: 1 },
    ]);
    const { checkout: c1 } = await startCheckout(shopper, { email: shopper.email });
    await timeTravelHolds(c1.id);
    await setCartLineQuantity(shopper.id, removed.id, 0);
    await startCheckout(shopper, { email: shopper.email });

    await expectDomainError(pay(c1.id, shopper.id, "old"), "checkout_expired");
    expect(provider.charges).toHaveLength(0);
    expect(await levels(removed.id)).toEqual({ on_hand: 5, reserved: 0, allocated: 0 });
  });

  it("a lapsed checkout the shopper cancelled answers cancelled, and paying it later is refused", async () => {
    const product = await makeProduct(3);
    const shopper = await shopperWithCart([{ productId: product.id, quantity: 1 }]);
    const { checkout } = await startCheckout(shopper, { email: shopper.email });
    await timeTravelHolds(checkout.id);

    const cancelled = await cancelCheckout(checkout.id, shopper.id);
    expect(cancelled).toMatchObject({ status: "cancelled", endedBy: "shopper" });

    await expectDomainError(pay(checkout.id, shopper.id, "after-cancel"), "checkout_closed");
    expect(provider.charges).toHaveLength(0);
    expect(await levels(product.id)).toEqual({ on_hand: 3, reserved: 0, allocated: 0 });
  });
});

describe("the cart and the checkout's answers", () => {
  it("paying removes from the cart only the quantities bought", async () => {
    const [a, b] = [await makeProduct(10), await makeProduct(10)];
    const shopper = await shopperWithCart([{ productId: a.id, quantity: 1 }]);
    const { checkout } = await startCheckout(shopper, { email: shopper.email });
    await setCartLineQuantity(shopper.id, a.id, 3);
    await addToCart(shopper.id, b.id, 2);

    const order = await payInFull({ checkoutId: checkout.id, shopperId: shopper.id, cardNumber: TEST_CARDS.succeeds, idempotencyKey: "k" });

    expect(order.lines).toEqual([expect.objectContaining({ productId: a.id, quantity: 1 })]);
    const cart = await getCart(shopper.id);
    expect(cart.lines.map((l) => [l.productId, l.quantity]).sort()).toEqual([[a.id, 2], [b.id, 2]].sort());
  });

  it("a replayed decline answers exactly as the first time", async () => {
    const product = await makeProduct(3);
    const shopper = await shopperWithCart([{ productId: product.id, quantity: 1 }]);
    const { checkout } = await startCheckout(shopper, { email: shopper.email });

    const first = await expectDomainError(pay(checkout.id, shopper.id, "k", TEST_CARDS.insufficientFunds), "payment_declined");
    const replay = await expectDomainError(pay(checkout.id, shopper.id, "k", TEST_CARDS.insufficientFunds), "payment_declined");

    expect(first.message).toMatch(/insufficient funds/);
    expect(replay.message).toBe(first.message);
    expect(replay.details).toEqual(first.details);
    expect(provider.charges).toHaveLength(1);
    expect(await getCheckout(checkout.id, shopper.id)).toMatchObject({
      status: "failed",
      endedBy: "payment",
      payment: { status: "declined", declineCode: "insufficient_funds" },
    });
  });

  it("a checkout being paid answers a second start with itself, and refuses cancel and a second payment", async () => {
    const product = await makeProduct(3);
    const shopper = await shopperWithCart([{ productId: product.id, quantity: 1 }]);
    const { checkout } = await startCheckout(shopper, { email: shopper.email });
    // A provider that answers "processing" (the bank confirms later) keeps the checkout `paying`.
    setPaymentProvider({ ...provider, authorize: (request) => provider.authorize({ ...request, paymentMethod: TEST_CARDS.asyncSucceeds }) });

    const pending = await pay(checkout.id, shopper.id, "first");
    expect(pending).toMatchObject({ kind: "pending", checkout: { status: "paying" } });

    const again = await startCheckout(shopper, { email: shopper.email });
    expect(again).toMatchObject({ created: false, checkout: { id: checkout.id, status: "paying" } });
    await expectDomainError(cancelCheckout(checkout.id, shopper.id), "payment_in_progress");
    await expectDomainError(pay(checkout.id, shopper.id, "second"), "payment_in_progress");
    expect(provider.charges).toHaveLength(1);
    expect(await levels(product.id)).toEqual({ on_hand: 3, reserved: 1, allocated: 0 });
  });
});

describe("a refused restart", () => {
  it("keeps the live hold: the last unit stays the shopper's when an added item is sold out", async () => {
    const [last, soldOut] = [await makeProduct(1), await makeProduct(0)];
    const shopper = await shopperWithCart([{ productId: last.id, quantity: 1 }]);
    const { checkout } = await startCheckout(shopper, { email: shopper.email });
    await addToCart(shopper.id, soldOut.id, 1);

    await expectDomainError(startCheckout(shopper, { email: shopper.email }), "insufficient_stock");

    expect(await checkoutStatus(checkout.id)).toBe("active");
    const rival = await shopperWithCart([{ productId: last.id, quantity: 1 }]);
    await expectDomainError(startCheckout(rival, { email: rival.email }), "insufficient_stock");
    await payInFull({ checkoutId: checkout.id, shopperId: shopper.id, cardNumber: TEST_CARDS.succeeds, idempotencyKey: "k" });
    expect(await levels(last.id)).toEqual({ on_hand: 1, reserved: 0, allocated: 1 });
  });

  it("names the product that is short", async () => {
    const product = await makeProduct(0);
    const shopper = await shopperWithCart([{ productId: product.id, quantity: 1 }]);
    const error = await expectDomainError(startCheckout(shopper, { email: shopper.email }), "insufficient_stock");
    expect(error.message).toContain(product.name);
  });
});

describe("signing in hands the guest over", () => {
  it("cancels every live guest checkout, even one started at the same moment, and moves the cart", async () => {
    for (let round = 0; round < 8; round += 1) {
      const product = await makeProduct(2);
      const guest = await shopperWithCart([{ productId: product.id, quantity: 1 }]);
      const account = await createAccount({ email: `buyer-${round}-${Date.now()}@example.test`, password: "a long password 1" });

      // The checkout start and the sign-in race; whichever wins, no guest checkout may be left holding stock.
      const [started, handedOver] = await Promise.allSettled([startCheckout(guest, { email: guest.email }), handOverGuest(guest.id, account.id)]);
      expect(handedOver).toEqual({ status: "fulfilled", value: undefined });

      const live = await db.execute<{ n: number }>(sql`
        select count(*)::int as n from checkouts where shopper_id = ${guest.id} and status in ('active', 'paying')`);
      expect(live[0]!.n).toBe(0);
      expect(await levels(product.id)).toEqual({ on_hand: 2, reserved: 0, allocated: 0 });
      if (started.status === "rejected") expect((started.reason as { code?: string }).code).toBe("empty_cart");
      expect((await getCart(account.id)).lines).toEqual([expect.objectContaining({ productId: product.id, quantity: 1 })]);
      expect((await getCart(guest.id)).lines).toEqual([]);
    }
    expect(await reconcileStock()).toMatchObject({ ok: true });
  });
});
