/**
 * Making and changing what the shop sells: a product with its options and variants (each with its opening
 * stock), a variant added later, and a variant's SKU, price or retirement. Every change keeps the product's
 * `price_cents` equal to the lowest price of its variants on sale (what listings show and sort by).
 */
import "server-only";
import { and, eq, isNull, sql } from "drizzle-orm";
import type { z } from "zod";
import { db, type Tx } from "@/db/client";
import { cartLines, productOptions, products, productVariants, type ProductVariant } from "@/db/schema";
import type { newVariantSchema } from "../admin/access";
import { receiveOpeningStock, setPreorder } from "../inventory";
import { DomainError, notFound, uniqueViolation } from "../platform/errors";
import { isUuid } from "../platform/ids";
import { defineKit, type KitComponentInput } from "./kits";
import { getProductById, type ProductView } from ".";

export type NewVariant = z.input<typeof newVariantSchema>;
export type ProductOptionInput = { name: string; values: string[] };

export function slugify(name: string): string {
  return name
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 80);
}

/** A duplicate SKU or option combination is the admin's conflict (409), never a 500. */
function conflictOf(error: unknown): never {
  const constraint = uniqueViolation(error);
  if (constraint === "product_variants_sku_unique") throw new DomainError("conflict", "Another variant already has this SKU.");
  if (constraint === "product_variants_one_per_combination") {
    throw new DomainError("conflict", "This product already has a variant with these option values.");
  }
  throw error;
}

/**
 * A variant's option values checked against the product's options: exactly one value of each option, each one
 * of that option's values; returned in the options' order (so equal combinations store equal JSON).
 */
export function checkVariantOptions(options: readonly ProductOptionInput[], given: Record<string, string>): Record<string, string> {
  const names = Object.keys(given);
  const unknown = names.filter((n) => !options.some((o) => o.name.toLowerCase() === n.toLowerCase()));
  if (unknown.length > 0) {
    throw new DomainError("invalid_request", `This product has no option ${unknown.map((n) => `"${n}"`).join(", ")}.`);
  }
  const chosen: Record<string, string> = {};
  for (const option of options) {
    const key = names.find((n) => n.toLowerCase() === option.name.toLowerCase());
    if (key === undefined) throw new DomainError("invalid_request", `Choose a value of "${option.name}" for each variant.`);
    const value = option.values.find((v) => v.toLowerCase() === given[key]!.toLowerCase());
    if (value === undefined) {
      throw new DomainError("invalid_request", `"${given[key]}" is not a value of "${option.name}" (${option.values.join(", ")}).`);
    }
    chosen[option.name] = value;
  }
  return chosen;
}

/** The product's listing price: the lowest of its variants on sale (unchanged while none is on sale). */
async function syncListingPrice(tx: Tx, productId: string): Promise<void> {
  const lowest = tx
    .select({ price: sql<number>`min(${productVariants.priceCents})` })
    .from(productVariants)
    .where(and(eq(productVariants.productId, productId), isNull(productVariants.retiredAt)));
  await tx
    .update(products)
    .set({ priceCents: sql`coalesce((${lowest}), ${products.priceCents})` })
    .where(eq(products.id, productId));
}

/** The product's options, in order. */
export async function optionsOf(executor: typeof db | Tx, productId: string): Promise<ProductOptionInput[]> {
  const rows = await executor
    .select({ name: productOptions.name, values: productOptions.values })
    .from(productOptions)
    .where(eq(productOptions.productId, productId))
    .orderBy(productOptions.position);
  return rows;
}

async function insertVariants(
  tx: Tx,
  productId: string,
  options: readonly ProductOptionInput[],
  variants: readonly NewVariant[],
  defaults: { priceCents: number; firstPosition: number },
  actorId: string | null,
): Promise<ProductVariant[]> {
  const rows = variants.map((v, i) => ({
    productId,
    sku: v.sku.trim(),
    options: checkVariantOptions(options, v.options ?? {}),
    priceCents: v.priceCents ?? defaults.priceCents,
    position: defaults.firstPosition + i,
    preorder: v.preorder ?? false,
  }));
  const skus = new Set(rows.map((r) => r.sku.toLowerCase()));
  if (skus.size !== rows.length) throw new DomainError("invalid_request", "Each variant needs its own SKU.");
  const combinations = new Set(rows.map((r) => JSON.stringify(r.options)));
  if (combinations.size !== rows.length) throw new DomainError("invalid_request", "Each variant needs its own combination of option values.");
  let created: ProductVariant[];
  try {
    created = await tx.insert(productVariants).values(rows).returning();
  } catch (error) {
    conflictOf(error);
  }
  for (const [i, variant] of created.entries()) {
    await receiveOpeningStock(tx, { productId, variantId: variant.id }, variants[i]!.onHand ?? 0, actorId);
    if (variant.preorder) await setPreorder(tx, variant.id, true);
  }
  return created;
}

/**
 * Creates a product with its options and variants, each with its opening stock (recorded in the ledger as
 * received). Without `variants`, the product is sold as one variant holding `onHand`, its SKU made from the slug.
 */
export async function createProduct(input: {
  name: string;
  slug?: string | undefined;
  priceCents: number;
  onHand?: number | undefined;
  description?: string | undefined;
  limitPerCustomer?: number | null | undefined;
  options?: ProductOptionInput[] | undefined;
  variants?: NewVariant[] | undefined;
  /** A kit: what one kit is made of. It has no stock, options or variants of its own. */
  kit?: KitComponentInput[] | undefined;
  actorId: string | null;
}): Promise<ProductView> {
  const slug = input.slug ?? slugify(input.name);
  if (!slug) throw new DomainError("invalid_request", "The product needs a name or slug with letters or digits.");
  if (input.kit && (input.options?.length || input.variants || input.onHand)) {
    throw new DomainError("invalid_request", "A kit has no stock, options or variants of its own: its components have them.");
  }
  const options = input.options ?? [];
  if (options.length > 0 && !input.variants) throw new DomainError("invalid_request", "List the variants of a product with options.");
  const variants = input.variants ?? [{ sku: slug.toUpperCase(), options: {}, onHand: input.onHand ?? 0 }];
  const id = await db.transaction(async (tx) => {
    const kind = input.kit ? ("kit" as const) : ("stock" as const);
    const [product] = await tx
      .insert(products)
      .values({ slug, kind, name: input.name, description: input.description ?? "", priceCents: input.priceCents, limitPerCustomer: input.limitPerCustomer ?? null })
      .onConflictDoNothing({ target: products.slug })
      .returning({ id: products.id });
    if (!product) throw new DomainError("conflict", `A product with the slug "${slug}" already exists.`);
    if (input.kit) {
      // One variant, the kit itself, with no stock rows: its components hold the stock.
      let kitVariant: { id: string } | undefined;
      try {
        [kitVariant] = await tx
          .insert(productVariants)
          .values({ productId: product.id, kind, sku: slug.toUpperCase(), priceCents: input.priceCents })
          .returning({ id: productVariants.id });
      } catch (error) {
        conflictOf(error);
      }
      await defineKit(tx, kitVariant!.id, input.kit);
      return product.id;
    }
    if (options.length > 0) {
      await tx.insert(productOptions).values(options.map((o, position) => ({ productId: product.id, position, name: o.name, values: o.values })));
    }
    await insertVariants(tx, product.id, options, variants, { priceCents: input.priceCents, firstPosition: 0 }, input.actorId);
    await syncListingPrice(tx, product.id);
    return product.id;
  });
  return (await getProductById(id))!;
}

export type VariantView = Pick<ProductVariant, "id" | "productId" | "sku" | "options" | "priceCents" | "position" | "preorder"> & { retired: boolean };

const variantView = (v: ProductVariant): VariantView => ({
  id: v.id,
  productId: v.productId,
  sku: v.sku,
  options: v.options,
  priceCents: v.priceCents,
  position: v.position,
  preorder: v.preorder,
  retired: v.retiredAt !== null,
});

/** Adds a variant to a product (a new size, say), with its opening stock. Its option values must be the product's. */
export async function addVariant(productId: string, variant: NewVariant, actorId: string | null): Promise<VariantView> {
  if (!isUuid(productId)) throw notFound("product");
  return db.transaction(async (tx) => {
    const [product] = await tx
      .select({ priceCents: products.priceCents })
      .from(products)
      .where(eq(products.id, productId))
      .for("update");
    if (!product) throw notFound("product");
    const [[last], options] = await Promise.all([
      tx
        .select({ position: sql<number>`coalesce(max(${productVariants.position}), -1)::int` })
        .from(productVariants)
        .where(eq(productVariants.productId, productId)),
      optionsOf(tx, productId),
    ]);
    const [created] = await insertVariants(tx, productId, options, [variant], { priceCents: product.priceCents, firstPosition: last!.position + 1 }, actorId);
    await syncListingPrice(tx, productId);
    return variantView(created!);
  });
}

/**
 * Changes a variant's SKU or price, or retires it (no longer sold: it leaves carts and listings; its holds may
 * still be paid, and its orders and ledger keep it) or puts it back on sale.
 */
export async function updateVariant(
  productId: string,
  variantId: string,
  changes: { sku?: string | undefined; priceCents?: number | undefined; retired?: boolean | undefined; preorder?: boolean | undefined },
): Promise<VariantView> {
  if (!isUuid(productId) || !isUuid(variantId)) throw notFound("variant");
  return db.transaction(async (tx) => {
    let updated: ProductVariant | undefined;
    try {
      [updated] = await tx
        .update(productVariants)
        .set({
          ...(changes.sku !== undefined ? { sku: changes.sku.trim() } : {}),
          ...(changes.priceCents !== undefined ? { priceCents: changes.priceCents } : {}),
          ...(changes.retired !== undefined ? { retiredAt: changes.retired ? sql`coalesce(${productVariants.retiredAt}, now())` : null } : {}),
          ...(changes.preorder !== undefined ? { preorder: changes.preorder } : {}),
        })
        .where(and(eq(productVariants.id, variantId), eq(productVariants.productId, productId)))
        .returning();
    } catch (error) {
      conflictOf(error);
    }
    if (!updated) throw notFound("variant");
    if (changes.preorder !== undefined) {
      if (updated.kind === "kit") throw new DomainError("invalid_request", "A kit takes pre-orders when its components do.", { field: "preorder" });
      await setPreorder(tx, variantId, changes.preorder);
    }
    if (changes.retired) await tx.delete(cartLines).where(eq(cartLines.variantId, variantId));
    await syncListingPrice(tx, productId);
    return variantView(updated);
  });
}

/** A price set on the product applies to every one of its variants (a one-variant product's one price). */
export async function repriceAllVariants(tx: Tx, productId: string, priceCents: number): Promise<void> {
  await tx.update(productVariants).set({ priceCents }).where(eq(productVariants.productId, productId));
}

/**
 * Sets the values of a product's options, to add one ("XL") before adding its variant, or to reorder them. The
 * options themselves stay (same names, same order): every variant has one value of each. A value a variant uses,
 * retired ones included (their orders and ledger name it), may not go: 409. The caller holds the product's row.
 */
export async function reviseOptionValues(tx: Tx, productId: string, options: readonly ProductOptionInput[]): Promise<void> {
  const current = await optionsOf(tx, productId);
  const sameOptions = current.length === options.length && current.every((o, i) => o.name.toLowerCase() === options[i]!.name.toLowerCase());
  if (!sameOptions) {
    const names = current.map((o) => `"${o.name}"`).join(", ");
    throw new DomainError(
      "invalid_request",
      current.length === 0
        ? "This product has no options; only a product's existing options can take new values."
        : `Keep this product's options (${names}) in their order; only their values can change.`,
    );
  }
  const used = await tx.select({ options: productVariants.options }).from(productVariants).where(eq(productVariants.productId, productId));
  for (const [position, option] of current.entries()) {
    const values = options[position]!.values;
    const inUse = new Set(used.map((v) => v.options[option.name]).filter((v): v is string => v !== undefined));
    const dropped = [...inUse].filter((v) => !values.includes(v));
    if (dropped.length > 0) {
      throw new DomainError("conflict", `A variant uses ${dropped.map((v) => `"${v}"`).join(", ")} of "${option.name}": keep it.`);
    }
    await tx
      .update(productOptions)
      .set({ values })
      .where(and(eq(productOptions.productId, productId), eq(productOptions.position, position)));
  }
}

/** The most values one option may have (the database's `product_options_have_values` check). */
export const MAX_OPTION_VALUES = 100;

/**
 * Adds a value to one of a product's options ("XL" to "Size"), shown after the values it already has. A value it
 * already has (in any case) is the admin's conflict (409). Variants using the value are added separately.
 */
export async function addOptionValue(productId: string, optionName: string, value: string): Promise<ProductOptionInput> {
  if (!isUuid(productId)) throw notFound("product");
  const wanted = value.trim();
  if (!wanted) throw new DomainError("invalid_request", "Enter the value to add.");
  return db.transaction(async (tx) => {
    // Locked, so two admins adding values at once both keep theirs.
    const options = await tx
      .select({ position: productOptions.position, name: productOptions.name, values: productOptions.values })
      .from(productOptions)
      .where(eq(productOptions.productId, productId))
      .orderBy(productOptions.position)
      .for("update");
    const option = options.find((o) => o.name.toLowerCase() === optionName.trim().toLowerCase());
    if (!option) {
      const [product] = await tx.select({ id: products.id }).from(products).where(eq(products.id, productId));
      if (!product) throw notFound("product");
      throw new DomainError("not_found", `This product has no option "${optionName.trim()}".`);
    }
    if (option.values.some((v) => v.toLowerCase() === wanted.toLowerCase())) {
      throw new DomainError("conflict", `"${wanted}" is already a value of "${option.name}".`);
    }
    if (option.values.length >= MAX_OPTION_VALUES) {
      throw new DomainError("invalid_request", `"${option.name}" already has ${MAX_OPTION_VALUES} values, the most an option may have.`);
    }
    const values = [...option.values, wanted];
    await tx
      .update(productOptions)
      .set({ values })
      .where(and(eq(productOptions.productId, productId), eq(productOptions.position, option.position)));
    return { name: option.name, values };
  });
}
