/**
 * The variant rules as lib/ enforces them: a cart names a variant on sale (an unknown one, a variant of another
 * product, or a retired one is not found); a product's variants each have their own SKU (unique across the shop,
 * whatever the case) and their own combination of the product's option values; a refused create or change
 * writes nothing.
 */
import { vi } from "vitest";

vi.hoisted(() => {
  process.env.RATE_LIMIT_CHECKOUTS_PER_MINUTE = "0";
});

import { sql } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { db, pool } from "@/db/client";
import { addToCart, getCart } from "@/lib/cart";
import { addVariant, createProduct, updateVariant } from "@/lib/catalog/products";
import { expectDomainError, makeProduct } from "../support/fixtures";
import { makeProductWithVariants, shopperWithVariantCart, variantLevels } from "../support/variants";

afterAll(() => pool.end());

const productsNamed = async (slug: string) =>
  (await db.execute<{ n: number }>(sql`select count(*)::int as n from products where slug = ${slug}`))[0]!.n;

describe("what a cart may name", () => {
  it("an unknown variant, a variant of another product, or a retired one is not found; the cart is unchanged", async () => {
    const shirt = await makeProductWithVariants({ S: 2, M: 2 });
    const mug = await makeProduct(5);
    const shopper = await shopperWithVariantCart([{ variantId: shirt.variants.S!.id, quantity: 1 }]);

    await expectDomainError(addToCart(shopper.id, { variantId: "00000000-0000-4000-8000-000000000000" }, 1), "not_found");
    await expectDomainError(addToCart(shopper.id, { productId: mug.id, variantId: shirt.variants.M!.id }, 1), "not_found");
    await expectDomainError(addToCart(shopper.id, { variantId: "not-a-uuid" }, 1), "not_found");
    await updateVariant(shirt.id, shirt.variants.M!.id, { retired: true });
    await expectDomainError(addToCart(shopper.id, { variantId: shirt.variants.M!.id }, 1), "not_found");

    expect((await getCart(shopper.id)).lines.map((l) => [l.variantId, l.quantity])).toEqual([[shirt.variants.S!.id, 1]]);
    // A one-variant product is still added by its product id alone.
    await addToCart(shopper.id, mug.id, 2);
    expect((await getCart(shopper.id)).lines.find((l) => l.productId === mug.id)).toMatchObject({ variantId: mug.variantId, quantity: 2 });
  });
});

describe("a product's variants", () => {
  it("a SKU is unique across the shop whatever its case: a create using another's SKU is a conflict and writes nothing", async () => {
    const shirt = await makeProductWithVariants({ S: 2 });
    const slug = `dup-sku-${Math.random().toString(36).slice(2, 8)}`;

    await expectDomainError(
      createProduct({
        name: "Dup SKU",
        slug,
        priceCents: 1000,
        options: [{ name: "Size", values: ["S", "M"] }],
        variants: [
          { sku: `${slug}-ok`, options: { Size: "S" }, onHand: 3 },
          { sku: shirt.variants.S!.sku.toLowerCase(), options: { Size: "M" }, onHand: 3 },
        ],
        actorId: null,
      }),
      "conflict",
    );

    expect(await productsNamed(slug)).toBe(0);
    expect((await db.execute(sql`select 1 from product_variants where sku = ${`${slug}-ok`}`)).length).toBe(0);
  });

  it("two variants with one combination, or a value the option does not have, are refused and nothing is written", async () => {
    const slug = `bad-${Math.random().toString(36).slice(2, 8)}`;
    const base = { name: "Bad", slug, priceCents: 1000, options: [{ name: "Size", values: ["S", "M"] }], actorId: null };

    await expectDomainError(
      createProduct({ ...base, variants: [{ sku: `${slug}-1`, options: { Size: "S" } }, { sku: `${slug}-2`, options: { size: "s" } }] }),
      "invalid_request",
    );
    await expectDomainError(createProduct({ ...base, variants: [{ sku: `${slug}-1`, options: { Size: "XL" } }] }), "invalid_request");
    await expectDomainError(createProduct({ ...base, variants: [{ sku: `${slug}-1`, options: { Colour: "Red" } }] }), "invalid_request");
    await expectDomainError(createProduct({ ...base, variants: [{ sku: `${slug}-1`, options: {} }] }), "invalid_request");
    expect(await productsNamed(slug)).toBe(0);
  });

  it("adding a variant with a combination the product has, or renaming a SKU to another's, is a conflict; stock stays", async () => {
    const shirt = await makeProductWithVariants({ S: 2, M: 3 });
    const other = await makeProductWithVariants({ S: 1 });

    await expectDomainError(addVariant(shirt.id, { sku: `${shirt.variants.S!.sku}-AGAIN`, options: { Size: "s" }, onHand: 4 }, null), "conflict");
    await expectDomainError(updateVariant(shirt.id, shirt.variants.M!.id, { sku: other.variants.S!.sku.toLowerCase() }), "conflict");
    // A variant named under another product is not found.
    await expectDomainError(updateVariant(other.id, shirt.variants.M!.id, { priceCents: 1 }), "not_found");

    const variants = await db.execute<{ sku: string }>(sql`select sku from product_variants where product_id = ${shirt.id} order by position`);
    expect(variants.map((v) => v.sku)).toEqual([shirt.variants.S!.sku, shirt.variants.M!.sku]);
    expect(await variantLevels(shirt.variants.M!.id)).toEqual({ on_hand: 3, reserved: 0, allocated: 0 });
  });
});
