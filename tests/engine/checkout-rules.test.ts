/**
 * The rules of starting checkout: limits per line, an empty cart, a second start for the same cart (never a
 * second hold), and a cart changed after the start (the old hold is given back, a new one made).
 */
import { vi } from "vitest";

vi.hoisted(() => {
  process.env.RATE_LIMIT_CHECKOUTS_PER_MINUTE = "0";
  process.env.MAX_QUANTITY_PER_LINE = "5";
});

import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db, pool, type Db } from "@/db/client";
import { addToCart, getOrCreateCart, setCartLineQuantity } from "@/lib/cart";
import { getCheckout, startCheckout, InsufficientStockError } from "@/lib/checkout";
import { holdCarts, reconcileStock } from "@/lib/inventory";
import { createGuest } from "@/lib/accounts/shoppers";
import { rawSql, separateDatabases } from "../support/db";
import { checkoutStatus, expectDomainError, levels, makeProduct, movements, shopperWithCart } from "../support/fixtures";

let connections: { dbs: Db[]; end: () => Promise<void> };
const raw = rawSql({ max: 2 });

beforeAll(async () => {
  connections = await separateDatabases(8);
});

afterAll(async () => {
  await connections.end();
  await raw.end();
  await pool.end();
});

async function activeCheckoutsOf(shopperId: string) {
  const rows = await db.execute<{ id: string }>(sql`
    select id from checkouts where shopper_id = ${shopperId} and status = 'active'`);
  return rows.map((r) => r.id);
}

describe("what can be checked out", () => {
  it("a cart line above MAX_QUANTITY_PER_LINE is refused with quantity_limit and nothing is held", async () => {
    const product = await makeProduct(20);
    const shopper = await shopperWithCart([{ productId: product.id, quantity: 5 }]);
    // The cart itself refuses to grow past the limit…
    await expectDomainError(addToCart(shopper.id, product.id, 1), "quantity_limit");
    await expectDomainError(setCartLineQuantity(shopper.id, product.id, 6), "quantity_limit");
    // …and a line pushed past it behind the cart's back is refused at checkout.
    const cart = await getOrCreateCart(shopper.id);
    await raw`update cart_lines set quantity = 6 where cart_id = ${cart.id}`;

    await expectDomainError(startCheckout(shopper, { email: shopper.email }), "quantity_limit");

    expect(await levels(product.id)).toEqual({ on_hand: 20, reserved: 0, allocated: 0 });
    expect(await activeCheckoutsOf(shopper.id)).toEqual([]);
    // Exactly the limit is fine.
    await raw`update cart_lines set quantity = 5 where cart_id = ${cart.id}`;
    expect((await startCheckout(shopper, { email: shopper.email })).checkout.lines).toEqual([
      expect.objectContaining({ productId: product.id, quantity: 5 }),
    ]);
  });

  it("an empty cart, or no cart at all, is refused with empty_cart", async () => {
    const withCart = await shopperWithCart([]);
    await expectDomainError(startCheckout(withCart, { email: withCart.email }), "empty_cart");
    const withoutCart = await createGuest();
    await expectDomainError(startCheckout(withoutCart, { email: "nocart@example.test" }), "empty_cart");
    expect(await activeCheckoutsOf(withCart.id)).toEqual([]);
  });

  it("a guest without an email is refused with invalid_request before anything is held", async () => {
    const product = await makeProduct(3);
    const guest = await createGuest();
    await addToCart(guest.id, product.id, 1);
    await expectDomainError(startCheckout(guest, {}), "invalid_request");
    expect(await levels(product.id)).toMatchObject({ reserved: 0 });
  });

  it("every hold records its shopper", async () => {
    const [a, b] = [await makeProduct(4), await makeProduct(4)];
    const shopper = await shopperWithCart([
      { productId: a.id, quantity: 1 },
      { productId: b.id, quantity: 2 },
    ]);
    const { checkout } = await startCheckout(shopper, { email: shopper.email });
    const holds = await db.execute<{ shopper_id: string }>(sql`
      select shopper_id from reservations where checkout_id = ${checkout.id}`);
    expect(holds.map((h) => h.shopper_id)).toEqual([shopper.id, shopper.id]);
    expect(await movements({ checkoutId: checkout.id, kind: "reserve" })).toHaveLength(2);
  });

  it("a cart short on one line holds none of its lines and reports only the short one", async () => {
    const [plenty, scarce] = [await makeProduct(10), await makeProduct(1)];
    const shopper = await shopperWithCart([
      { productId: plenty.id, quantity: 3 },
      { productId: scarce.id, quantity: 2 },
    ]);
    const error = await expectDomainError(startCheckout(shopper, { email: shopper.email }), "insufficient_stock");
    expect((error as InsufficientStockError).lines).toEqual([{ productId: scarce.id, variantId: scarce.variantId, sku: scarce.slug.toUpperCase(), requested: 2, available: 1 }]);
    expect(await levels(plenty.id)).toMatchObject({ reserved: 0 });
    expect(await levels(scarce.id)).toMatchObject({ reserved: 0 });
  });
});

describe("starting again for the same cart", () => {
  it("returns the active checkout instead of holding twice", async () => {
    const product = await makeProduct(5);
    const shopper = await shopperWithCart([{ productId: product.id, quantity: 2 }]);
    const first = await startCheckout(shopper, { email: shopper.email });
    const again = await startCheckout(shopper, { email: shopper.email });

    expect(first.created).toBe(true);
    expect(again.created).toBe(false);
    expect(again.checkout.id).toBe(first.checkout.id);
    expect(again.checkout.expiresAt).toBe(first.checkout.expiresAt);
    expect(await levels(product.id)).toEqual({ on_hand: 5, reserved: 2, allocated: 0 });
    expect(await movements({ productId: product.id, kind: "reserve" })).toHaveLength(1);
  });

  it("8 simultaneous starts of one cart (in process and on separate connections) make one checkout and one hold", async () => {
    const product = await makeProduct(5);
    const shopper = await shopperWithCart([{ productId: product.id, quantity: 3 }]);
    const cart = await getOrCreateCart(shopper.id);

    const [inProcess, separate] = await Promise.all([
      Promise.all(Array.from({ length: 8 }, () => startCheckout(shopper, { email: shopper.email }))),
      Promise.all(
        connections.dbs.map((conn) => holdCarts(conn, [{ cartId: cart.id, shopperId: shopper.id, email: shopper.email }])),
      ),
    ]);

    const ids = new Set([
      ...inProcess.map((r) => r.checkout.id),
      ...separate.map(([o]) => (o!.outcome === "held" || o!.outcome === "existing" ? o!.checkoutId : o!.outcome)),
    ]);
    expect(ids.size).toBe(1);
    const created = inProcess.filter((r) => r.created).length + separate.filter(([o]) => o!.outcome === "held").length;
    expect(created).toBe(1);
    expect(await activeCheckoutsOf(shopper.id)).toEqual([...ids]);
    expect(await levels(product.id)).toEqual({ on_hand: 5, reserved: 3, allocated: 0 });
    expect(await movements({ productId: product.id, kind: "reserve" })).toHaveLength(1);
  });

  it("after the cart changed, the old hold is released and a new one made for the new cart", async () => {
    const [a, b] = [await makeProduct(6), await makeProduct(6)];
    const shopper = await shopperWithCart([{ productId: a.id, quantity: 2 }]);
    const { checkout: old } = await startCheckout(shopper, { email: shopper.email });
    await addToCart(shopper.id, a.id, 1);
    await addToCart(shopper.id, b.id, 4);

    const restarted = await startCheckout(shopper, { email: shopper.email });

    expect(restarted.created).toBe(true);
    expect(restarted.checkout.id).not.toBe(old.id);
    expect(restarted.checkout.lines.map((l) => [l.productId, l.quantity]).sort()).toEqual(
      [
        [a.id, 3],
        [b.id, 4],
      ].sort(),
    );
    expect(await checkoutStatus(old.id)).toBe("cancelled");
    expect((await getCheckout(old.id, shopper.id)).status).toBe("cancelled");
    expect(await levels(a.id)).toEqual({ on_hand: 6, reserved: 3, allocated: 0 });
    expect(await levels(b.id)).toEqual({ on_hand: 6, reserved: 4, allocated: 0 });
    expect((await movements({ checkoutId: old.id })).map((m) => [m.kind, m.reserved_delta])).toEqual([
      ["reserve", 2],
      ["release", -2],
    ]);
    expect(await activeCheckoutsOf(shopper.id)).toEqual([restarted.checkout.id]);
    expect(await reconcileStock()).toMatchObject({ ok: true });
  });

  it("a changed cart that no longer fits is refused and the live hold is kept exactly as it was", async () => {
    const product = await makeProduct(4);
    const shopper = await shopperWithCart([{ productId: product.id, quantity: 2 }]);
    const { checkout: old } = await startCheckout(shopper, { email: shopper.email });
    const rival = await shopperWithCart([{ productId: product.id, quantity: 2 }]);
    await startCheckout(rival, { email: rival.email });
    await setCartLineQuantity(shopper.id, product.id, 3);

    const error = await expectDomainError(startCheckout(shopper, { email: shopper.email }), "insufficient_stock");

    // The 2 units the shopper held count as theirs when checking the new quantity.
    expect((error as InsufficientStockError).lines).toEqual([{ productId: product.id, variantId: product.variantId, sku: product.slug.toUpperCase(), requested: 3, available: 2 }]);
    // Refused: the checkout the shopper already had still holds its 2 units, and no rival can take them.
    expect(await checkoutStatus(old.id)).toBe("active");
    expect(await levels(product.id)).toEqual({ on_hand: 4, reserved: 4, allocated: 0 });
    expect(await movements({ checkoutId: old.id, kind: "release" })).toEqual([]);
    const thief = await shopperWithCart([{ productId: product.id, quantity: 1 }]);
    await expectDomainError(startCheckout(thief, { email: thief.email }), "insufficient_stock");
    expect(await reconcileStock()).toMatchObject({ ok: true });
  });
});
