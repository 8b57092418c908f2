/**
 * The merchant's products: changes to one (name, price, description, picture; archiving, no longer sold), and the
 * reads of the admin's product lists and pickers.
 */
import "server-only";
import { and, eq, sql } from "drizzle-orm";
import { z } from "zod";
import { db } from "@/db/client";
import { cartLines, products } from "@/db/schema";
import { MAX_PRICE_CENTS, productFields, productOptionsSchema } from "./access";
import { getProductById, searchCondition, type ProductView } from "../catalog";
import { repriceAllVariants, reviseOptionValues } from "../catalog/products";
import { DomainError, notFound } from "../platform/errors";
import { storableString } from "../store-schemas";

/** An https URL, or a path on this site ("/images/x.jpg"); anything else could carry script or track visitors. */
export const imageUrlSchema = storableString()
  .trim()
  .max(500, "Use at most 500 characters.")
  .refine(
    (value) => /^\/(?!\/)[^\s\\]*$/.test(value) || /^https:\/\/[^\s/\\]+(\/[^\s\\]*)?$/i.test(value),
    "Enter an https:// address or a path starting with /.",
  );

export const productChangesSchema = z
  .object({
    name: productFields.name,
    priceCents: z.number().int().min(0).max(MAX_PRICE_CENTS),
    description: productFields.description,
    imageUrl: imageUrlSchema.nullable(),
    archived: z.boolean(),
    /** Units one shopper may hold and buy (live holds and paid orders); null removes the limit. */
    limitPerCustomer: productFields.limitPerCustomer,
    /** The product's options with their values: values may be added or reordered, never one a variant uses. */
    options: productOptionsSchema,
  })
  .partial()
  .strict()
  .refine((changes) => Object.keys(changes).length > 0, "Send at least one field to change.");

export type ProductChanges = z.infer<typeof productChangesSchema>;

/**
 * Applies the changes in one transaction. Archiving takes the product off sale: it leaves the catalogue, and
 * carts (which hold no stock) lose its lines; live holds may still be paid, and its stock and ledger stay.
 * A price change applies to every variant, for carts and checkouts started from now on; holds keep the price
 * they were made at.
 */
export async function updateProduct(productId: string, changes: ProductChanges): Promise<ProductView> {
  if (!z.uuid().safeParse(productId).success) throw notFound("product");
  await db.transaction(async (tx) => {
    const { archived, imageUrl, options, ...fields } = changes;
    const set = {
      ...fields,
      ...(imageUrl !== undefined ? { imageUrl: imageUrl === "" ? null : imageUrl } : {}),
      ...(archived !== undefined ? { archivedAt: archived ? sql`coalesce(${products.archivedAt}, now())` : null } : {}),
    };
    // The product's row is locked either way, so option values and a new variant never pass each other.
    const [updated] =
      Object.keys(set).length > 0
        ? await tx.update(products).set(set).where(eq(products.id, productId)).returning({ id: products.id })
        : await tx.select({ id: products.id }).from(products).where(eq(products.id, productId)).for("update");
    if (!updated) throw notFound("product");
    if (fields.limitPerCustomer != null) {
      const [kit] = await tx.select({ kind: products.kind }).from(products).where(eq(products.id, productId));
      if (kit?.kind === "kit") throw new DomainError("invalid_request", "A kit's limit is its components': set the limit on them.", { issues: [] });
    }
    if (options !== undefined) await reviseOptionValues(tx, productId, options);
    if (fields.priceCents !== undefined) await repriceAllVariants(tx, productId, fields.priceCents);
    if (archived) await tx.delete(cartLines).where(eq(cartLines.productId, productId));
  });
  const product = await getProductById(productId);
  if (!product) throw new DomainError("not_found", "No such product.");
  return product;
}

/** Which products are archived, for the admin product list. */
export async function archivedProductIds(): Promise<Set<string>> {
  const rows = await db.select({ id: products.id }).from(products).where(sql`${products.archivedAt} is not null`);
  return new Set(rows.map((r) => r.id));
}

export type ProductChoice = {
  id: string;
  name: string;
  slug: string;
};

const productChoiceFields = { id: products.id, name: products.name, slug: products.slug };

/** Products by name, for pickers: the first `limit`, or those matching a search (as the catalogue's search). */
export function listProductChoices(filter: { id?: string; q?: string; limit?: number } = {}): Promise<ProductChoice[]> {
  return db
    .select(productChoiceFields)
    .from(products)
    .where(and(searchCondition(filter.q), filter.id ? eq(products.id, filter.id) : undefined))
    .orderBy(products.name, products.id)
    .limit(filter.limit ?? 1000);
}

export async function getProductChoice(productId: string): Promise<ProductChoice> {
  const [product] = await db.select(productChoiceFields).from(products).where(eq(products.id, productId));
  if (!product) throw notFound("product");
  return product;
}
