import { afterAll, describe, expect, it } from "vitest";
import { pool } from "@/db/client";
import { startCheckout, payForCheckout, cancelCheckout } from "@/lib/checkout";
import { reconcileStock } from "@/lib/inventory";
import { levels, makeProduct, shopperWithCart } from "./support/fixtures";

afterAll(() => pool.end());

describe("engine smoke", () => {
  it("holds, pays and cancels", async () => {
    const product = await makeProduct(5);
    const a = await shopperWithCart([{ productId: product.id, quantity: 2 }]);
    const { checkout, created } = await startCheckout(a, { email: a.email });
    expect(created).toBe(true);
    expect(checkout.status).toBe("active");
    expect(await levels(product.id)).toMatchObject({ on_hand: 5, reserved: 2, allocated: 0 });
    const again = await startCheckout(a, { email: a.email });
    expect(again.created).toBe(false);
    expect(again.checkout.id).toBe(checkout.id);
    const order = await payForCheckout({ checkoutId: checkout.id, shopperId: a.id, cardNumber: "4242424242424242", idempotencyKey: "k1" });
    expect(order.status).toBe("paid");
    expect(await levels(product.id)).toMatchObject({ on_hand: 5, reserved: 0, allocated: 2 });

    const b = await shopperWithCart([{ productId: product.id, quantity: 3 }]);
    const started = await startCheckout(b, { email: b.email });
    expect(await levels(product.id)).toMatchObject({ reserved: 3, allocated: 2 });
    const cancelled = await cancelCheckout(started.checkout.id, b.id);
    expect(cancelled.status).toBe("cancelled");
    expect(await levels(product.id)).toMatchObject({ reserved: 0, allocated: 2 });
    expect((await reconcileStock()).problems).toEqual([]);
  });
});
