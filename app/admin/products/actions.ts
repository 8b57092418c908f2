"use server";

import { revalidatePath } from "next/cache";
import { shopPagesChanged } from "@/lib/catalog/page-cache";
import { z } from "zod";
import { fieldErrorsOf, shopperAction, type FormState } from "@/lib/platform/action-state";
import { MAX_PRICE_CENTS, MAX_UNITS, adminForm, productFields, productOptionsSchema, skuSchema } from "@/lib/admin/access";
import { addOptionValue, addVariant, createProduct, slugify, updateVariant } from "@/lib/catalog/products";
import { MAX_KIT_COMPONENTS } from "@/lib/catalog/kits";
import { kitLevelsOf } from "@/lib/admin/kits";
import { MAX_KIT_COMPONENT_QUANTITY } from "@/db/schema";
import { lineName } from "@/lib/catalog/variants";
import { adjustStock, transferStock } from "@/lib/inventory";
// The per-variant levels are read straight from their module (the inventory index does not list them).
import { listVariantLevels, type VariantLevelView } from "@/lib/inventory/levels";
import { imageUrlSchema, updateProduct } from "@/lib/admin/products";
import { DomainError } from "@/lib/platform/errors";
import { storableString } from "@/lib/store-schemas";
import { allCombinations, optionRowsOf, suggestedSku, variantRowsOf } from "@/components/admin/variant-rows";

/**
 * A whole number typed into a form field (an empty field is an error, not zero). A negative one is a whole
 * number too: it gets its own message rather than "Enter a whole number".
 */
const wholeNumber = (min: number, max: number, label: string) =>
  z
    .string()
    .trim()
    // "-0" is no count a person types (and would slip past a minimum of 0 as negative zero).
    .regex(/^(?!-0+$)-?\d+$/, "Enter a whole number.")
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

/** An option's name or value as typed into a form. */
const optionText = storableString().trim().min(1, "Enter a value.").max(40, "Use at most 40 characters.");

const emptyAsUndefined = (value: unknown) => (typeof value === "string" && value.trim() === "" ? undefined : value);

const createProductForm = z.object({
  name: productFields.name,
  slug: z.preprocess(emptyAsUndefined, productFields.slug.optional()),
  price: priceInCents,
  onHand: wholeNumber(0, MAX_UNITS, "Opening stock"),
  description: z.preprocess(emptyAsUndefined, productFields.description.optional()),
});

/** "S, M, L" → ["S", "M", "L"]: the values of an option as the admin types them. */
const optionValues = (text: string) =>
  text
    .split(",")
    .map((v) => v.trim())
    .filter(Boolean);

/** The option rows the admin filled in (name or values given), as the admin API's options. */
function typedOptions(values: Record<string, string>) {
  return optionRowsOf(values)
    .map((row) => ({ name: row.name.trim(), values: optionValues(row.values) }))
    .filter((o) => o.name !== "" || o.values.length > 0);
}

/** A product with options: its details, its options, and each variant row (sold or left out). */
const productWithVariantsForm = createProductForm.omit({ onHand: true }).extend({
  options: productOptionsSchema.min(1),
  variants: z
    .array(
      z.object({
        sell: z.boolean(),
        sku: skuSchema,
        values: z.array(optionText),
        price: z.preprocess(emptyAsUndefined, priceInCents.optional()),
        onHand: wholeNumber(0, MAX_UNITS, "Opening stock"),
      }),
    )
    .refine((rows) => rows.some((r) => r.sell), "Sell at least one variant."),
});

/**
 * Creates a product. Without options: one variant holding the opening stock, as always. With options, in two
 * steps that work without JavaScript: the first answers with every combination of the values as variant rows
 * (a SKU each, editable, with its price and opening stock), the second creates the product with the rows kept.
 */
export const createProductAction = shopperAction({ ...adminForm }, async (_input, admin, { fields: values }) => {
  const options = typedOptions(values);
  const rows = variantRowsOf(values);
  if (options.length === 0 && values.intent !== "variants") {
    const simple = createProductForm.safeParse(values);
    if (!simple.success) return fieldErrorsOf(simple.error, values);
    const input = simple.data;
    const product = await createProduct({
      name: input.name,
      slug: input.slug,
      priceCents: input.price,
      onHand: input.onHand,
      description: input.description,
      actorId: admin.id,
    });
    revalidatePath("/admin", "layout");
    shopPagesChanged();
    return { ok: true, message: `Created ${product.name} (/${product.slug}) with ${input.onHand} in stock.` };
  }
  if (values.intent === "variants" || rows.length === 0) return proposeVariants(values, options);
  const parsed = productWithVariantsForm.safeParse({ ...values, options, variants: rows });
  if (!parsed.success) return fieldErrorsOf(parsed.error, values);
  const input = parsed.data;
  const sold = input.variants.filter((v) => v.sell);
  const product = await createProduct({
    name: input.name,
    slug: input.slug,
    priceCents: input.price,
    description: input.description,
    options: input.options,
    variants: sold.map((v) => ({
      sku: v.sku,
      options: Object.fromEntries(input.options.map((o, i) => [o.name, v.values[i] ?? ""])),
      priceCents: v.price,
      onHand: v.onHand,
    })),
    actorId: admin.id,
  });
  revalidatePath("/admin", "layout");
  shopPagesChanged();
  const units = sold.reduce((n, v) => n + v.onHand, 0);
  return { ok: true, message: `Created ${product.name} (/${product.slug}) with ${sold.length} variants and ${units} in stock.` };
});

/** Step one with options: every combination of the values as a variant row, to check and fill in. */
function proposeVariants(values: Record<string, string>, options: { name: string; values: string[] }[]): FormState {
  const checked = productOptionsSchema.min(1, "Enter an option (say Size) and its values (say S, M, L).").safeParse(options);
  const kept = Object.fromEntries(Object.entries(values).filter(([key]) => !key.startsWith("variants.") && key !== "intent"));
  if (!checked.success) {
    const state = fieldErrorsOf(checked.error, kept);
    const fieldErrors = Object.fromEntries(Object.entries(state.fieldErrors ?? {}).map(([key, messages]) => [key === "form" ? "options" : `options.${key}`, messages]));
    return { ...state, message: "Please check the options.", fieldErrors };
  }
  const combinations = allCombinations(checked.data.map((o) => o.values));
  if (combinations.length > 250) {
    return { ok: false, message: `These options make ${combinations.length} variants; a product may have at most 250.`, fieldErrors: { options: ["Use fewer values."] }, values: kept };
  }
  // Rows already typed keep their SKU, price and stock when the same combination is proposed again.
  const typed = new Map(variantRowsOf(values).map((r) => [r.values.join("\u0000").toLowerCase(), r]));
  const prefix = values.slug?.trim() || slugify(values.name ?? "") || "sku";
  const proposed: Record<string, string> = {};
  combinations.forEach((combination, i) => {
    const before = typed.get(combination.join("\u0000").toLowerCase());
    proposed[`variants.${i}.sku`] = before?.sku ?? suggestedSku(prefix, combination);
    combination.forEach((value, k) => (proposed[`variants.${i}.value.${k}`] = value));
    proposed[`variants.${i}.price`] = before?.price ?? "";
    proposed[`variants.${i}.onHand`] = before?.onHand ?? "0";
    if (before?.sell ?? true) proposed[`variants.${i}.sell`] = "on";
  });
  return {
    ok: false,
    code: "review_variants",
    message: `Check the ${combinations.length} variants below (SKU, price and opening stock of each), then create the product.`,
    values: { ...kept, ...proposed },
  };
}

/** How many component rows the kit form sends at most (a kit lists at most MAX_KIT_COMPONENTS). */
const KIT_ROWS_READ = MAX_KIT_COMPONENTS + 5;

/** The kit form's component rows (`kit.0.variantId`, `kit.0.quantity`, …), leaving out rows with no variant chosen. */
function kitRowsOf(values: Record<string, string>) {
  return Array.from({ length: KIT_ROWS_READ }, (_, i) => ({ variantId: values[`kit.${i}.variantId`]?.trim() ?? "", quantity: values[`kit.${i}.quantity`] ?? "" }))
    .map((row, index) => ({ ...row, index }))
    .filter((row) => row.variantId !== "");
}

const createKitForm = z.object({
  name: productFields.name,
  slug: z.preprocess(emptyAsUndefined, productFields.slug.optional()),
  price: priceInCents,
  description: z.preprocess(emptyAsUndefined, productFields.description.optional()),
  kit: z
    .array(z.object({ variantId: z.uuid("Choose a product."), quantity: wholeNumber(1, MAX_KIT_COMPONENT_QUANTITY, "How many") }))
    .min(1, "Choose at least one product to put in the kit.")
    .max(MAX_KIT_COMPONENTS, `A kit is made of at most ${MAX_KIT_COMPONENTS} products.`),
});

/**
 * Makes a kit: a product with no stock of its own, made of other products' variants (each with how many one kit
 * takes). The same lib call as `POST /api/admin/products` with `kit`: a kit in a kit, a retired or unknown
 * component is refused there, and nothing is written.
 */
export const createKitAction = shopperAction({ ...adminForm }, async (_input, admin, { fields: values }) => {
  const rows = kitRowsOf(values);
  const parsed = createKitForm.safeParse({ ...values, kit: rows });
  if (!parsed.success) {
    const state = fieldErrorsOf(parsed.error, values);
    // A row's error is shown on that row as the admin numbered it (rows left empty are not counted).
    const fieldErrors = Object.fromEntries(
      Object.entries(state.fieldErrors ?? {}).map(([key, messages]) => {
        const match = /^kit\.(\d+)\.(\w+)$/.exec(key);
        return [match ? `kit.${rows[Number(match[1])]!.index}.${match[2]}` : key, messages];
      }),
    );
    return { ...state, fieldErrors };
  }
  const input = parsed.data;
  const product = await createProduct({
    name: input.name,
    slug: input.slug,
    priceCents: input.price,
    description: input.description,
    kit: input.kit,
    actorId: admin.id,
  });
  revalidatePath("/admin", "layout");
  shopPagesChanged();
  const made = (await kitLevelsOf([product.id])).get(product.id);
  const contents = made?.components.map((c) => `${c.quantity} × ${c.name}`).join(", ") ?? "";
  return { ok: true, message: `Created the kit ${product.name} (/${product.slug}) of ${contents}: ${made?.available ?? 0} can be sold now.` };
});

const adjustStockForm = z.object({
  productId: z.uuid("Choose a product."),
  /** Given on a product's page for one of its variants; the products list names one-variant products only. */
  variantId: z.preprocess(emptyAsUndefined, z.uuid("No such variant.").optional()),
  direction: z.enum(["restock", "write_off"], "Choose restock or write off."),
  quantity: wholeNumber(1, MAX_UNITS, "Units"),
  reason: productFields.reason,
  /** Where the units arrive or leave; empty: the first active location by priority. */
  locationId: z.preprocess(emptyAsUndefined, z.uuid("Choose a location.").optional()),
});

export const adjustStockAction = shopperAction({ ...adminForm, schema: adjustStockForm }, async (input, admin) => {
  const delta = input.direction === "restock" ? input.quantity : -input.quantity;
  if (input.variantId && delta > 0) {
    const variant = await variantOf(input.productId, input.variantId);
    // Units of a retired variant could never be sold: writing them off is fine, restocking is a mistake.
    if (variant.retired) throw new DomainError("conflict", `${variant.sku} is retired: put it back on sale before restocking it.`);
  }
  const level = await adjustStock({
    productId: input.productId,
    variantId: input.variantId,
    locationId: input.locationId,
    delta,
    reason: input.reason,
    actorId: admin.id,
  }).catch(
    (error: unknown) => {
      // The products list names products; one sold in several variants is restocked per variant on its page.
      if (error instanceof DomainError && error.code === "variant_required") {
        throw new DomainError("variant_required", "This product comes in several variants: restock or write off each one on the product's page (Manage, under Variants).");
      }
      throw error;
    },
  );
  revalidatePath("/admin", "layout");
  const verb = delta > 0 ? "Restocked" : "Wrote off";
  const v = level.variant;
  // The location is named when it is not where restocks go anyway (the first active one by priority): a shop that
  // restocks one place reads as it always has.
  const usual = v.locations.find((l) => l.active)?.locationId;
  const there = level.location.id !== usual ? v.locations.find((l) => l.locationId === level.location.id) : undefined;
  const at = there ? ` at ${there.name}` : "";
  const atThere = there ? ` (${there.onHand} on hand at ${there.name})` : "";
  if (input.variantId) {
    return { ok: true, message: `${verb} ${input.quantity} of ${v.sku} (${lineName(level.name, v.options)})${at}: ${v.onHand} on hand, ${v.available} available${atThere}.` };
  }
  return { ok: true, message: `${verb} ${input.quantity} of ${level.name}${at}: ${level.onHand} on hand, ${level.available} available${atThere}.` };
});

const transferStockForm = z
  .object({
    productId: z.uuid("No such product."),
    variantId: z.uuid("Choose a variant."),
    fromLocationId: z.uuid("Choose where the units are."),
    toLocationId: z.uuid("Choose where they go."),
    quantity: wholeNumber(1, MAX_UNITS, "Units"),
    reason: productFields.reason,
  })
  .refine((input) => input.fromLocationId !== input.toLocationId, { path: ["toLocationId"], message: "Choose a location other than the one they leave." });

/**
 * Moves free units of a variant from one location to another (never held or sold ones: the answer says how many
 * are free there). The same lib call as the admin API; the ledger gets a row out and a row in.
 */
export const transferStockAction = shopperAction({ ...adminForm, schema: transferStockForm, hidden: { productId: "This product is not known: reload the page." } }, async (input, admin) => {
  const variant = await variantOf(input.productId, input.variantId);
  const moved = await transferStock({
    variantId: variant.id,
    fromLocationId: input.fromLocationId,
    toLocationId: input.toLocationId,
    quantity: input.quantity,
    reason: input.reason,
    actorId: admin.id,
  });
  revalidatePath("/admin", "layout");
  return {
    ok: true,
    message: `Moved ${input.quantity} of ${variant.sku} from ${moved.from.name} to ${moved.to.name}: ${moved.from.onHand} on hand at ${moved.from.name}, ${moved.to.onHand} at ${moved.to.name}.`,
  };
});

/** One variant of a product with its levels, or 404. */
async function variantOf(productId: string, variantId: string): Promise<VariantLevelView> {
  const variant = (await listVariantLevels(undefined, productId)).find((v) => v.id === variantId);
  if (!variant) throw new DomainError("not_found", "No such variant of this product.");
  return variant;
}

const addOptionValueForm = z.object({
  productId: z.uuid("No such product."),
  optionName: optionText,
  value: optionText,
});

/** Adds a value ("XL") to one of a product's options; its variants are added one by one afterwards. */
export const addOptionValueAction = shopperAction({ ...adminForm, schema: addOptionValueForm }, async (input) => {
  const option = await addOptionValue(input.productId, input.optionName, input.value);
  revalidatePath(`/admin/products/${input.productId}`);
  shopPagesChanged();
  return { ok: true, message: `Added ${input.value} to ${option.name}. Add a variant with it below to sell it.` };
});

/** The option values chosen for a new variant, by option name. */
const variantOptionsForm = z.record(optionText, optionText);

const addVariantForm = z.object({
  productId: z.uuid("No such product."),
  sku: skuSchema,
  price: z.preprocess(emptyAsUndefined, priceInCents.optional()),
  onHand: wholeNumber(0, MAX_UNITS, "Opening stock"),
});

/** Adds a variant (say the new size XL) with its own SKU, price (the product's when empty) and opening stock. */
export const addVariantAction = shopperAction({ ...adminForm, schema: addVariantForm }, async (input, admin, { fields }) => {
  // One select per option, named "option.<name>"; an unchosen one is left out, so the catalogue names it.
  const chosen = variantOptionsForm.safeParse(
    Object.fromEntries(
      Object.entries(fields).flatMap(([key, value]) =>
        key.startsWith("option.") && value.trim() !== "" ? [[key.slice("option.".length), value]] : [],
      ),
    ),
  );
  if (!chosen.success) throw new DomainError("invalid_request", "Choose one of the listed values of each option.");
  const options = chosen.data;
  const variant = await addVariant(input.productId, { sku: input.sku, options, priceCents: input.price, onHand: input.onHand }, admin.id);
  revalidatePath("/admin", "layout");
  shopPagesChanged();
  return { ok: true, message: `Added ${variant.sku} with ${input.onHand} in stock.` };
});

const editVariantForm = z.object({
  productId: z.uuid("No such product."),
  variantId: z.uuid("No such variant."),
  sku: skuSchema,
  price: priceInCents,
});

/** Changes a variant's SKU and price (holds already made keep theirs). */
export const editVariantAction = shopperAction({ ...adminForm, schema: editVariantForm }, async (input) => {
  const variant = await updateVariant(input.productId, input.variantId, { sku: input.sku, priceCents: input.price });
  revalidatePath("/admin", "layout");
  shopPagesChanged();
  return { ok: true, message: `Saved ${variant.sku}.` };
});

const retireVariantForm = z.object({
  productId: z.uuid("No such product."),
  variantId: z.uuid("No such variant."),
  retired: z.enum(["true", "false"]),
});

/**
 * Retires a variant (no longer sold: it leaves carts and the shop; its orders, holds and ledger keep it) or
 * puts it back on sale. Nothing that has sold is ever deleted.
 */
export const retireVariantAction = shopperAction({ ...adminForm, schema: retireVariantForm }, async (input) => {
  const retire = input.retired === "true";
  const before = await variantOf(input.productId, input.variantId);
  if (before.retired === retire) {
    throw new DomainError("conflict", retire ? `${before.sku} is already retired.` : `${before.sku} is already on sale.`);
  }
  const variant = await updateVariant(input.productId, input.variantId, { retired: retire });
  revalidatePath("/admin", "layout");
  shopPagesChanged();
  return { ok: true, message: retire ? `${variant.sku} is retired: no longer sold. Its orders and ledger keep it.` : `${variant.sku} is on sale again.` };
});

const editProductForm = z.object({
  productId: z.uuid("No such product."),
  name: productFields.name,
  price: priceInCents,
  description: z.preprocess((value) => value ?? "", productFields.description),
  imageUrl: z.preprocess(emptyAsUndefined, imageUrlSchema.optional()),
});

/**
 * With variants the price may be left empty: each variant keeps its own (a price typed sets all of them). The page
 * says which with its hidden `hasVariants` field.
 */
const editProductAnyForm = editProductForm
  .extend({ price: z.preprocess(emptyAsUndefined, priceInCents.optional()), hasVariants: z.enum(["true", "false"]).optional() })
  .refine((input) => input.hasVariants === "true" || input.price !== undefined, { path: ["price"], message: "Enter a price like 12.50." });

/** Edits name, price, description and picture (an empty picture field removes it). */
export const editProductAction = shopperAction({ ...adminForm, schema: editProductAnyForm }, async (input) => {
  const product = await updateProduct(input.productId, {
    name: input.name,
    ...(input.price !== undefined ? { priceCents: input.price } : {}),
    description: input.description,
    imageUrl: input.imageUrl ?? null,
  });
  revalidatePath("/admin", "layout");
  shopPagesChanged();
  return { ok: true, message: `Saved ${product.name}.` };
});

const archiveForm = z.object({ productId: z.uuid("No such product."), archived: z.enum(["true", "false"]) });

/** Takes a product off sale (archived) or puts it back; its stock history stays either way. */
export const archiveProductAction = shopperAction({ ...adminForm, schema: archiveForm }, async (input) => {
  const product = await updateProduct(input.productId, { archived: input.archived === "true" });
  revalidatePath("/admin", "layout");
  shopPagesChanged();
  return { ok: true, message: product.archived ? `${product.name} is archived: no longer sold.` : `${product.name} is on sale again.` };
});

/** The limit per customer as typed: a whole number, or empty for no limit. */
const limitForm = z.object({
  productId: z.uuid("No such product."),
  limitPerCustomer: z.preprocess(
    (value) => (typeof value === "string" && value.trim() === "" ? null : value),
    wholeNumber(1, 10_000, "The limit").nullable(),
  ),
});

/** Sets (or, left empty, removes) how many units one shopper may hold and buy of a product. */
export const limitPerCustomerAction = shopperAction({ ...adminForm, schema: limitForm }, async (input) => {
  const product = await updateProduct(input.productId, { limitPerCustomer: input.limitPerCustomer });
  revalidatePath("/admin", "layout");
  shopPagesChanged();
  return {
    ok: true,
    message:
      input.limitPerCustomer === null
        ? `${product.name} has no limit per customer.`
        : `${product.name} is limited to ${input.limitPerCustomer} per customer.`,
  };
});
