"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import type { FormState } from "@/lib/action-state";
import { MAX_PRICE_CENTS, MAX_UNITS, productFields, runAdminForm } from "@/lib/admin";
import { createProduct } from "@/lib/catalog";
import { adjustStock } from "@/lib/inventory";

/** A whole number typed into a form field (an empty field is an error, not zero). */
const wholeNumber = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, "Enter a whole number.")
    .transform(Number)
    .pipe(z.number().min(min, `Enter at least ${min}.`).max(max, `Enter at most ${max}.`));

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
  onHand: wholeNumber(0, MAX_UNITS),
  description: z.preprocess(emptyAsUndefined, productFields.description.optional()),
});

export async function createProductAction(_previous: FormState | null, formData: FormData): Promise<FormState> {
  return runAdminForm(createProductForm, formData, async (input, admin) => {
    const product = await createProduct({
      name: input.name,
      slug: input.slug,
      priceCents: input.price,
      onHand: input.onHand,
      description: input.description,
      actorId: admin.id,
    });
    revalidatePath("/admin", "layout");
    return `Created ${product.name} (/${product.slug}) with ${input.onHand} in stock.`;
  });
}

const adjustStockForm = z.object({
  productId: z.uuid("Choose a product."),
  direction: z.enum(["restock", "write_off"], "Choose restock or write off."),
  quantity: wholeNumber(1, MAX_UNITS),
  reason: productFields.reason,
});

export async function adjustStockAction(_previous: FormState | null, formData: FormData): Promise<FormState> {
  return runAdminForm(adjustStockForm, formData, async (input, admin) => {
    const delta = input.direction === "restock" ? input.quantity : -input.quantity;
    const level = await adjustStock({ productId: input.productId, delta, reason: input.reason, actorId: admin.id });
    revalidatePath("/admin", "layout");
    const verb = delta > 0 ? "Restocked" : "Wrote off";
    return `${verb} ${input.quantity} of ${level.name}: ${level.onHand} on hand, ${level.available} available.`;
  });
}
