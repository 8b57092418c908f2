/**
 * Adding a value to a product's option ("XL" to "Size"): it is shown after the values the option already has, a
 * variant can then use it, and a duplicate value, an unknown option or an unknown product is refused with nothing
 * changed.
 */
import { afterAll, describe, expect, it } from "vitest";
import { pool } from "@/db/client";
import { getProductById } from "@/lib/catalog";
import { addOptionValue, addVariant, createProduct } from "@/lib/catalog/products";
import { expectDomainError } from "../support/fixtures";

afterAll(async () => {
  await pool.end();
});

let counter = 0;
async function trailShirt() {
  counter += 1;
  const tag = `${counter}${Math.random().toString(36).slice(2, 7)}`;
  return createProduct({
    name: `Trail Shirt ${tag}`,
    priceCents: 2500,
    options: [
      { name: "Size", values: ["S", "M", "L"] },
      { name: "Colour", values: ["Blue"] },
    ],
    variants: ["S", "M", "L"].map((size) => ({ sku: `TS-${tag}-${size}`, options: { Size: size, Colour: "Blue" }, onHand: 2 })),
    actorId: null,
  });
}

describe("addOptionValue", () => {
  it("appends the value to the option (named in any case), and a variant may use it", async () => {
    const product = await trailShirt();
    const option = await addOptionValue(product.id, "size", " XL ");
    expect(option).toEqual({ name: "Size", values: ["S", "M", "L", "XL"] });
    expect((await getProductById(product.id))?.options).toEqual([
      { name: "Size", values: ["S", "M", "L", "XL"] },
      { name: "Colour", values: ["Blue"] },
    ]);

    const variant = await addVariant(product.id, { sku: `${product.slug}-xl`, options: { Size: "XL", Colour: "Blue" }, onHand: 4 }, null);
    expect(variant.options).toEqual({ Size: "XL", Colour: "Blue" });
  });

  it("refuses a value the option already has, in any case, with 409 and a readable message", async () => {
    const product = await trailShirt();
    const error = await expectDomainError(addOptionValue(product.id, "Size", "m"), "conflict");
    expect(error.message).toBe('"m" is already a value of "Size".');
    expect((await getProductById(product.id))?.options[0]).toEqual({ name: "Size", values: ["S", "M", "L"] });
  });

  it("refuses an option the product does not have, an empty value and an unknown product", async () => {
    const product = await trailShirt();
    const noOption = await expectDomainError(addOptionValue(product.id, "Material", "Wool"), "not_found");
    expect(noOption.message).toBe('This product has no option "Material".');
    await expectDomainError(addOptionValue(product.id, "Size", "  "), "invalid_request");
    await expectDomainError(addOptionValue("00000000-0000-4000-8000-000000000000", "Size", "XL"), "not_found");
    await expectDomainError(addOptionValue("not-a-uuid", "Size", "XL"), "not_found");
    expect((await getProductById(product.id))?.options.map((o) => o.values)).toEqual([["S", "M", "L"], ["Blue"]]);
  });

  it("keeps both values when two admins add different values at once", async () => {
    const product = await trailShirt();
    await Promise.all([addOptionValue(product.id, "Size", "XL"), addOptionValue(product.id, "Size", "XS")]);
    const values = (await getProductById(product.id))?.options[0]?.values ?? [];
    expect(values.slice(0, 3)).toEqual(["S", "M", "L"]);
    expect([...values.slice(3)].sort()).toEqual(["XL", "XS"]);
  });
});
