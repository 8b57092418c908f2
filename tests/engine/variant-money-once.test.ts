/**
 * Money moves exactly once on a product sold in sizes: an old tab that held another size is never charged, a
 * refused restart keeps the size already held, paying takes from the cart only the size and quantity bought, and
 * payments racing for one checkout of two sizes charge once, place one order and allocate each size once.
 */
import { vi } from "vitest";

vi.hoisted(() => {
  process.env.RATE_LIMIT_CHECKOUTS_PER_MINUTE = "0";
});

import { sql } from "drizzle-orm";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { db, pool } from "@/db/client";
import { addToCart, getCart, setCartLineQuantity } from "@/lib/cart";
import { payForCheckout, startCheckout } from "@/lib/checkout";
import { reconcileStock } from "@/lib/inventory";
import { setPaymentProvider, TEST_CARDS } from "@/lib/payments";
import { checkoutStatus, countingPaymentProvider, expectDomainError, payInFull, timeTravelHolds } from "../support/fixtures";
import { activeHoldsOf, makeProductWithVariants, shopperWithVariantCart, variantLevels } from "../support/variants";

let provider: ReturnType<typeof countingPaymentProvider>;

beforeEach(() => {
  provider = countingPaymentProvider();
  setPaymentProvider(provider);
});

afterAll(() => pool.end());

const ordersOf = async (checkoutId: string) =>
  (await db.execute<{ n: number }>(sql`select count(*)::int as n from orders where checkout_id = ${checkoutId}`))[0]!.n;

const pay = (checkoutId: string, shopperId: string, idempotencyKey: string) =>
  payForCheckout({ checkoutId, shopperId, cardNumber: TEST_CARDS.succeeds, idempotencyKey });

const shirt = async (stock: Record<string, number>) => {
  const product = await makeProductWithVariants(stock);
  const { M, L } = product.variants;
  return { product, M, L };
};

describe("a checkout that lost its place is never charged", () => {
  it("an old tab that held an M is refused once the shopper swapped it for an L and checked out again", async () => {
    const { M, L } = await shirt({ M: 2, L: 2 });
    const shopper = await shopperWithVariantCart([{ variantId: M!.id, quantity: 1 }]);
    const { checkout: oldTab } = await startCheckout(shopper, { email: shopper.email });
    await timeTravelHolds(oldTab.id);
    await setCartLineQuantity(shopper.id, M!.id, 0);
    await addToCart(shopper.id, { variantId: L!.id }, 1);
    const { checkout: newTab } = await startCheckout(shopper, { email: shopper.email });
    expect(await activeHoldsOf(newTab.id)).toEqual({ [L!.id]: 1 });

    await expectDomainError(pay(oldTab.id, shopper.id, "old-tab"), "checkout_expired");

    expect(provider.charges).toHaveLength(0);
    expect(await ordersOf(oldTab.id)).toBe(0);
    expect(await variantLevels(M!.id)).toEqual({ on_hand: 2, reserved: 0, allocated: 0 });
    expect(await variantLevels(L!.id)).toEqual({ on_hand: 2, reserved: 1, allocated: 0 });
    await payInFull({ checkoutId: newTab.id, shopperId: shopper.id, cardNumber: TEST_CARDS.succeeds, idempotencyKey: "new-tab" });
    expect(provider.charges).toHaveLength(1);
    expect(await variantLevels(L!.id)).toEqual({ on_hand: 2, reserved: 0, allocated: 1 });
    expect(await reconcileStock()).toMatchObject({ ok: true });
  });
});

describe("what the shopper keeps", () => {
  it("a refused restart keeps the live M when the L added since is sold out, and names only the L", async () => {
    const { product, M, L } = await shirt({ M: 1, L: 0 });
    const shopper = await shopperWithVariantCart([{ variantId: M!.id, quantity: 1 }]);
    const { checkout } = await startCheckout(shopper, { email: shopper.email });
    await addToCart(shopper.id, { variantId: L!.id }, 1);

    const refused = await expectDomainError(startCheckout(shopper, { email: shopper.email }), "insufficient_stock");

    expect(refused.message).toContain(`${product.name} — L is sold out`);
    expect(refused.message).not.toContain("— M");
    expect(await checkoutStatus(checkout.id)).toBe("active");
    expect(await activeHoldsOf(checkout.id)).toEqual({ [M!.id]: 1 });
    const rival = await shopperWithVariantCart([{ variantId: M!.id, quantity: 1 }]);
    await expectDomainError(startCheckout(rival, { email: rival.email }), "insufficient_stock");
    await payInFull({ checkoutId: checkout.id, shopperId: shopper.id, cardNumber: TEST_CARDS.succeeds, idempotencyKey: "k" });
    expect(provider.charges).toHaveLength(1);
    expect(await variantLevels(M!.id)).toEqual({ on_hand: 1, reserved: 0, allocated: 1 });
  });

  it("paying removes from the cart only the size and quantity bought", async () => {
    const { M, L } = await shirt({ M: 10, L: 10 });
    const shopper = await shopperWithVariantCart([{ variantId: M!.id, quantity: 1 }]);
    const { checkout } = await startCheckout(shopper, { email: shopper.email });
    await addToCart(shopper.id, { variantId: M!.id }, 2);
    await addToCart(shopper.id, { variantId: L!.id }, 2);

    const order = await payInFull({ checkoutId: checkout.id, shopperId: shopper.id, cardNumber: TEST_CARDS.succeeds, idempotencyKey: "k" });

    expect(order.lines).toEqual([expect.objectContaining({ variantId: M!.id, quantity: 1 })]);
    const cart = await getCart(shopper.id);
    expect(cart.lines.map((l) => [l.variantId, l.quantity]).sort()).toEqual([[M!.id, 2], [L!.id, 2]].sort());
  });
});

describe("payments racing for one checkout of two sizes", () => {
  it("five at once (three replays of one key, two other keys): one charge, one capture, one order, each size allocated once", async () => {
    const { M, L } = await shirt({ S: 5, M: 3, L: 3 });
    const shopper = await shopperWithVariantCart([
      { variantId: M!.id, quantity: 2 },
      { variantId: L!.id, quantity: 1 },
    ]);
    const { checkout } = await startCheckout(shopper, { email: shopper.email });

    const settled = await Promise.allSettled(
      ["same", "same", "same", "other-1", "other-2"].map((key) => pay(checkout.id, shopper.id, key)),
    );

    const paid = settled.flatMap((s) => (s.status === "fulfilled" && s.value.kind === "paid" ? [s.value.order] : []));
    expect(paid.length).toBeGreaterThanOrEqual(1);
    // Whoever answered "paid" names the same one order.
    expect(new Set(paid.map((o) => o.id)).size).toBe(1);
    for (const s of settled) {
      if (s.status === "rejected") expect(["payment_in_progress", "checkout_closed"]).toContain((s.reason as { code?: string }).code);
    }
    expect(provider.charges).toHaveLength(1);
    expect(provider.captures).toHaveLength(1);
    expect(await ordersOf(checkout.id)).toBe(1);
    expect(paid[0]!.lines.map((l) => [l.variantId, l.quantity]).sort()).toEqual([[M!.id, 2], [L!.id, 1]].sort());
    expect(await variantLevels(M!.id)).toEqual({ on_hand: 3, reserved: 0, allocated: 2 });
    expect(await variantLevels(L!.id)).toEqual({ on_hand: 3, reserved: 0, allocated: 1 });
    // A replay afterwards answers the same order and charges nothing more.
    const replay = await pay(checkout.id, shopper.id, "same");
    expect(replay).toMatchObject({ kind: "paid", order: { id: paid[0]!.id } });
    expect(provider.charges).toHaveLength(1);
    expect(await reconcileStock()).toMatchObject({ ok: true });
  });

  it("two shoppers paying for the last M and an L at once: both paid, each size allocated to its own order", async () => {
    const { M, L } = await shirt({ M: 1, L: 1 });
    const [a, b] = await Promise.all([
      shopperWithVariantCart([{ variantId: M!.id, quantity: 1 }]),
      shopperWithVariantCart([{ variantId: L!.id, quantity: 1 }]),
    ]);
    const [{ checkout: ca }, { checkout: cb }] = await Promise.all([startCheckout(a, { email: a.email }), startCheckout(b, { email: b.email })]);

    const [oa, ob] = await Promise.all([
      payInFull({ checkoutId: ca.id, shopperId: a.id, cardNumber: TEST_CARDS.succeeds, idempotencyKey: "a" }),
      payInFull({ checkoutId: cb.id, shopperId: b.id, cardNumber: TEST_CARDS.succeeds, idempotencyKey: "b" }),
    ]);

    expect(oa.lines).toEqual([expect.objectContaining({ variantId: M!.id, quantity: 1 })]);
    expect(ob.lines).toEqual([expect.objectContaining({ variantId: L!.id, quantity: 1 })]);
    expect(provider.charges).toHaveLength(2);
    expect(await variantLevels(M!.id)).toEqual({ on_hand: 1, reserved: 0, allocated: 1 });
    expect(await variantLevels(L!.id)).toEqual({ on_hand: 1, reserved: 0, allocated: 1 });
    expect(await reconcileStock()).toMatchObject({ ok: true });
  });
});
