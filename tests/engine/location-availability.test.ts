/**
 * What shoppers and the admin read of stock kept at several locations: a shopper may buy the sum over the active
 * locations; a deactivated location's free units are off sale, while a shopper's own hold there stays theirs; other
 * shoppers' holds count as "held — may be back" only where their units would come back on sale. The admin's levels
 * give each location's figures and their sums.
 */
import { vi } from "vitest";

vi.hoisted(() => {
  process.env.RATE_LIMIT_CHECKOUTS_PER_MINUTE = "0";
});

import { describe, expect, it } from "vitest";
import { getCart } from "@/lib/cart";
import { getProductBySlug, listProducts } from "@/lib/catalog";
import { startCheckout } from "@/lib/checkout";
import { updateLocation } from "@/lib/inventory";
import { listVariantLevels } from "@/lib/inventory/levels";
import { makeLocations, stockAt } from "../support/locations";
import { makeProductWithVariants, shopperWithVariantCart } from "../support/variants";

describe("availability over locations", () => {
  it("is the sum over active locations; deactivating one takes its free units off sale but not a shopper's own hold", async () => {
    const [a, b] = await makeLocations([300, 301]);
    const product = await makeProductWithVariants({ One: 0 }, { name: `Enamel Jug ${Math.random().toString(36).slice(2, 7)}` });
    const variant = product.variants.One!;
    await stockAt(product.id, variant.id, { [a!.id]: 3, [b!.id]: 2 });
    const seen = async (viewerId: string | null) => {
      const detail = await getProductBySlug(product.slug, viewerId);
      return { product: { available: detail.available, held: detail.held }, variant: { available: detail.variants[0]!.available, held: detail.variants[0]!.held } };
    };
    expect(await seen(null)).toEqual({ product: { available: 5, held: 0 }, variant: { available: 5, held: 0 } });

    // A shopper holds 4: 3 at a, 1 at b.
    const holder = await shopperWithVariantCart([{ variantId: variant.id, quantity: 4 }]);
    await startCheckout(holder, { email: holder.email });
    expect(await seen(null)).toEqual({ product: { available: 1, held: 4 }, variant: { available: 1, held: 4 } });
    expect((await seen(holder.id)).variant).toEqual({ available: 5, held: 0 });
    // One more arrives at a.
    await stockAt(product.id, variant.id, { [a!.id]: 1 });
    expect(await seen(null)).toEqual({ product: { available: 2, held: 4 }, variant: { available: 2, held: 4 } });

    await updateLocation(a!.id, { active: false });
    // Others see only b: its free unit, and the hold there that may come back; a's free unit is off sale and its
    // held units will not come back on sale.
    expect(await seen(null)).toEqual({ product: { available: 1, held: 1 }, variant: { available: 1, held: 1 } });
    // The holder still has all 4 of theirs, and b's free unit.
    expect((await seen(holder.id)).variant).toEqual({ available: 5, held: 0 });
    const cart = await getCart(holder.id);
    expect(cart.lines).toEqual([expect.objectContaining({ variantId: variant.id, quantity: 4, available: 5 })]);

    // The admin sees each location and the sums; an inactive location has nothing available.
    const [levels] = await listVariantLevels(undefined, product.id);
    expect(levels).toMatchObject({ onHand: 6, reserved: 4, allocated: 0, available: 1 });
    expect(levels!.locations.filter((l) => l.locationId === a!.id || l.locationId === b!.id)).toEqual([
      { locationId: a!.id, name: a!.name, active: false, onHand: 4, reserved: 3, allocated: 0, available: 0 },
      { locationId: b!.id, name: b!.name, active: true, onHand: 2, reserved: 1, allocated: 0, available: 1 },
    ]);
  });

  it("a product whose only free units are at an inactive location is out of stock in the catalogue", async () => {
    const [closed] = await makeLocations([400]);
    const name = `Copper Pan ${Math.random().toString(36).slice(2, 7)}`;
    const product = await makeProductWithVariants({ One: 0 }, { name });
    await stockAt(product.id, product.variants.One!.id, { [closed!.id]: 4 });
    const listed = async () => (await listProducts({ q: name, inStock: true })).products.map((p) => p.id);
    expect(await listed()).toEqual([product.id]);

    await updateLocation(closed!.id, { active: false });

    expect(await listed()).toEqual([]);
    expect((await getProductBySlug(product.slug)).available).toBe(0);
  });
});
