/**
 * Which variant a request means. A client may name a variant, or (for a product sold in one variant only) just the
 * product; a product sold in several needs the variant named (400 `variant_required`).
 */
import "server-only";
import { and, asc, eq, inArray, isNull, type SQL } from "drizzle-orm";
import type { Db, Tx } from "@/db/client";
import { products, productVariants } from "@/db/schema";
import { DomainError, notFound } from "../platform/errors";
import { isUuid } from "../platform/ids";
import { lineName } from "./line-name";

export { lineName, optionsLabel } from "./line-name";

/**
 * A line of a cart, checkout or order: the product and its variant (SKU and option values; {} for a product
 * without options), how shoppers read it (`name` is the product's: show it with `lineName`), how many and at what price.
 */
export interface VariantLine {
  productId: string;
  variantId: string;
  sku: string;
  options: Record<string, string>;
  slug: string;
  name: string;
  quantity: number;
  unitPriceCents: number;
}

export type VariantRef = { productId: string; variantId: string; sku: string; options: Record<string, string>; priceCents: number };

/** How a request names what it wants: a variant, or a product (for its only variant). */
export type VariantChoice = { variantId?: string | undefined; productId?: string | undefined };

/**
 * The variant a request names. `forSale`: only a variant on sale now (its product not archived, itself not retired)
 * counts; otherwise any (the admin's stock changes). Unknown ids, a variant of another product than the one
 * named, and (for sale) a retired variant are 404; a product with several variants named alone is 400.
 */
export async function resolveVariant(executor: Db | Tx, choice: VariantChoice, options: { forSale: boolean }): Promise<VariantRef> {
  const { productId, variantId } = choice;
  if ((variantId !== undefined && !isUuid(variantId)) || (productId !== undefined && !isUuid(productId))) throw notFound("product");
  if (variantId === undefined && productId === undefined) throw notFound("product");
  const conditions: (SQL | undefined)[] = [
    variantId !== undefined ? eq(productVariants.id, variantId) : undefined,
    productId !== undefined ? eq(productVariants.productId, productId) : undefined,
    options.forSale ? and(isNull(productVariants.retiredAt), isNull(products.archivedAt)) : undefined,
  ];
  const found = await executor
    .select({
      productId: productVariants.productId,
      variantId: productVariants.id,
      sku: productVariants.sku,
      options: productVariants.options,
      priceCents: productVariants.priceCents,
      retired: productVariants.retiredAt,
    })
    .from(productVariants)
    .innerJoin(products, eq(products.id, productVariants.productId))
    .where(and(...conditions))
    .orderBy(asc(productVariants.position), asc(productVariants.id))
    .limit(2);
  if (found.length === 0) throw notFound(variantId !== undefined ? "variant" : "product");
  if (variantId === undefined && found.length > 1) {
    throw new DomainError("variant_required", "This product comes in several variants: choose one (send variantId).", {
      productId,
    });
  }
  const { retired: _retired, ...ref } = found[0]!;
  return ref;
}

/**
 * The variant a cart line's key names: a variant id, or the id of a product sold as one variant (the Store API's
 * `PUT /api/cart/lines/{variantId}` takes either).
 */
export async function resolveLineKey(executor: Db | Tx, id: string, options: { forSale: boolean }): Promise<VariantRef> {
  if (!isUuid(id)) throw notFound("product");
  const [asVariant] = await executor.select({ id: productVariants.id }).from(productVariants).where(eq(productVariants.id, id));
  return resolveVariant(executor, asVariant ? { variantId: id } : { productId: id }, options);
}

/** What shoppers call these variants ("Trail Shirt — M") and their SKUs, by variant id. */
export async function variantLabels(executor: Db | Tx, variantIds: readonly string[]): Promise<Record<string, { name: string; sku: string }>> {
  if (variantIds.length === 0) return {};
  const rows = await executor
    .select({ id: productVariants.id, sku: productVariants.sku, options: productVariants.options, name: products.name })
    .from(productVariants)
    .innerJoin(products, eq(products.id, productVariants.productId))
    .where(inArray(productVariants.id, [...variantIds]));
  return Object.fromEntries(rows.map((r) => [r.id, { name: lineName(r.name, r.options), sku: r.sku }]));
}
