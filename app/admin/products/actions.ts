"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { shopperAction } from "@/lib/platform/action-state";
import { MAX_PRICE_CENTS, MAX_UNITS, productFields, adminForm } from "@/lib/admin/access";
import { createProduct } from "@/lib/catalog/products";
import { adjustStock } from "@/lib/inventory";
import { imageUrlSchema, updateProduct } from "@/lib/admin/products";

/**
 * A whole number typed into a form field (an empty field is an error, not zero). A negative one is a whole
 * number too: it gets its own message rather than "Enter a whole number".
 */
const wholeNumber = (min: number, max: number, label: string) =>
  z
    .string()
    .trim()
    // "-0" is not a count a person types: a sign is accepted only where negatives are allowed.
    .regex(min >= 0 ? /^\d+$/ : /^-?\d+$/, "Enter a whole number.")
    .transform(Number)
    .pipe(
      z
        .number()
        .min(min, min === 0 ? `${label} cannot be negative.` : `Enter at least ${min}.`)
        .max(max, `Enter at most ${max}.`),
    );

/** "12", "12.5" or "12.50" dollars → cents, without floating-point rounding. */
const priceInCents = z
  .string()
  .trim()
  .regex(/^\d{1,7}(\.\d{1,2})?$/, "Enter a price like 12.50.")
  .transform((text) => {
    const [whole, fraction = ""] = text.split(".");
    return Number(whole) * 100 + Number(fraction.padEnd(2, "0"));
  })
  .pipe(z.number().max(MAX_PRICE_CENTS, "That price is too high."));

const emptyAsUndefined = (value: unknown) => (typeof value === "string" && value.trim() === "" ? undefined : value);

const createProductForm = z.object({
  name: productFields.name,
  slug: z.preprocess(emptyAsUndefined, productFields.slug.optional()),
  price: priceInCents,
  onHand: wholeNumber(0, MAX_UNITS, "Opening stock"),
  description: z.preprocess(emptyAsUndefined, productFields.description.optional()),
});

export const createProductAction = shopperAction({ ...adminForm, schema: createProductForm }, async (input, admin) => {
  const product = await createProduct({
    name: input.name,
    slug: input.slug,
    priceCents: input.price,
    onHand: input.onHand,
    description: input.description,
    actorId: admin.id,
  });
  revalidatePath("/admin", "layout");
  return { ok: true, message: `Created ${product.name} (/${product.slug}) with ${input.onHand} in stock.` };
});

const adjustStockForm = z.object({
  productId: z.uuid("Choose a product."),
  direction: z.enum(["restock", "write_off"], "Choose restock or write off."),
  quantity: wholeNumber(1, MAX_UNITS, "Units"),
  reason: productFields.reason,
});

export const adjustStockAction = shopperAction({ ...adminForm, schema: adjustStockForm }, async (input, admin) => {
  const delta = input.direction === "restock" ? input.quantity : -input.quantity;
  const level = await adjustStock({ productId: input.productId, delta, reason: input.reason, actorId: admin.id });
  revalidatePath("/admin", "layout");
  const verb = delta > 0 ? "Restocked" : "Wrote off";
  return { ok: true, message: `${verb} ${input.quantity} of ${level.name}: ${level.onHand} on hand, ${level.available} available.` };
});

const editProductForm = z.object({
  productId: z.uuid("No such product."),
  name: productFields.name,
  price: priceInCents,
  description: z.preprocess((value) => value ?? "", productFields.description),
  imageUrl: z.preprocess(emptyAsUndefined, imageUrlSchema.optional()),
});

/** Edits name, price, description and picture (an empty picture field removes it). */
export const editProductAction = shopperAction({ ...adminForm, schema: editProductForm }, async (input) => {
  const product = await updateProduct(input.productId, {
    name: input.name,
    priceCents: input.price,
    description: input.description,
    imageUrl: input.imageUrl ?? null,
  });
  revalidatePath("/admin", "layout");
  revalidatePath(`/products/${product.slug}`);
  return { ok: true, message: `Saved ${product.name}.` };
});

const archiveForm = z.object({ productId: z.uuid("No such product."), archived: z.enum(["true", "false"]) });

/** Takes a product off sale (archived) or puts it back; its stock history stays either way. */
export const archiveProductAction = shopperAction({ ...adminForm, schema: archiveForm }, async (input) => {
  const product = await updateProduct(input.productId, { archived: input.archived === "true" });
  revalidatePath("/admin", "layout");
  revalidatePath("/");
  return { ok: true, message: product.archived ? `${product.name} is archived: no longer sold.` : `${product.name} is on sale again.` };
});
