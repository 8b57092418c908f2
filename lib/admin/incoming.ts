/**
 * Stock on its way, as the admin's Incoming page reads it: which products have deliveries open or variants taking
 * pre-orders, and for one product its variants (taking pre-orders or not), their levels per location and the
 * open deliveries with the pre-orders waiting for each (lib/inventory's `listDeliveries`). Read-only; recording,
 * receiving and cancelling go through lib/inventory.
 */
import "server-only";
import { and, asc, eq, isNull, min, or, sql, sum } from "drizzle-orm";
import { db } from "@/db/client";
import { incomingDeliveries, products, productVariants } from "@/db/schema";
import { listDeliveries, listVariantLevels, type DeliveryView } from "../inventory";
import { notFound } from "../platform/errors";

/** A product with units on their way or a variant taking pre-orders: a line of the page's overview. */
export type IncomingProductRow = {
  id: string;
  name: string;
  /** Units its open deliveries still expect, over every variant and location. */
  expected: number;
  /** The first day one of them is expected (YYYY-MM-DD), or null with none open. */
  nextExpectedAt: string | null;
  /** Its variants on sale that take pre-orders. */
  preorderVariants: number;
};

/** The products with deliveries open or variants taking pre-orders, by name (at most `limit`). */
export async function listIncomingProducts(limit = 200): Promise<IncomingProductRow[]> {
  const open = db
    .select({
      productId: incomingDeliveries.productId,
      expected: sql<number>`${sum(incomingDeliveries.quantity)}::int`.as("expected"),
      nextExpectedAt: min(incomingDeliveries.expectedOn).as("next_expected_at"),
    })
    .from(incomingDeliveries)
    .where(eq(incomingDeliveries.status, "expected"))
    .groupBy(incomingDeliveries.productId)
    .as("open");
  const taking = db
    .select({ productId: productVariants.productId, preorderVariants: sql<number>`count(*)::int`.as("preorder_variants") })
    .from(productVariants)
    .where(and(eq(productVariants.preorder, true), isNull(productVariants.retiredAt)))
    .groupBy(productVariants.productId)
    .as("taking");
  const rows = await db
    .select({
      id: products.id,
      name: products.name,
      expected: sql<number>`coalesce(${open.expected}, 0)`,
      nextExpectedAt: open.nextExpectedAt,
      preorderVariants: sql<number>`coalesce(${taking.preorderVariants}, 0)`,
    })
    .from(products)
    .leftJoin(open, eq(open.productId, products.id))
    .leftJoin(taking, eq(taking.productId, products.id))
    .where(or(sql`${open.productId} is not null`, sql`${taking.productId} is not null`))
    .orderBy(asc(products.name), asc(products.id))
    .limit(limit);
  return rows.map((r) => ({ ...r, nextExpectedAt: r.nextExpectedAt ?? null }));
}

/** One variant's levels at one location, with what its open deliveries still expect there. */
export type IncomingLocationRow = { locationId: string; name: string; active: boolean; onHand: number; incoming: number };

export type IncomingVariant = {
  id: string;
  sku: string;
  options: Record<string, string>;
  retired: boolean;
  /** Takes pre-orders against units on their way once its shelves are empty. */
  preorder: boolean;
  /** In the order holds draw on the locations. */
  locations: IncomingLocationRow[];
  /** Its open deliveries, oldest expected first per location, each with the pre-orders waiting for it. */
  deliveries: DeliveryView[];
};

export type IncomingProduct = {
  id: string;
  name: string;
  slug: string;
  /** A kit has no stock of its own: its components' deliveries are recorded on their products. */
  kit: boolean;
  variants: IncomingVariant[];
};

/** One product as the Incoming page shows it; 404 for an unknown product. */
export async function getIncomingProduct(productId: string): Promise<IncomingProduct> {
  const [product] = await db
    .select({ id: products.id, name: products.name, slug: products.slug, kind: products.kind })
    .from(products)
    .where(eq(products.id, productId));
  if (!product) throw notFound("product");
  const variants = await db
    .select({
      id: productVariants.id,
      sku: productVariants.sku,
      options: productVariants.options,
      preorder: productVariants.preorder,
      // Raw SQL: a boolean of the timestamp, read in the same select.
      retired: sql<boolean>`${productVariants.retiredAt} is not null`,
    })
    .from(productVariants)
    .where(eq(productVariants.productId, productId))
    .orderBy(asc(productVariants.position), asc(productVariants.id));
  const [levels, deliveries] = await Promise.all([listVariantLevels(db, productId), listDeliveries(productId)]);
  // What is still expected at each location is its open deliveries' units (the stock row's `incoming`).
  const expectedAt = (variantId: string, locationId: string) =>
    deliveries.filter((d) => d.variantId === variantId && d.locationId === locationId).reduce((n, d) => n + d.quantity, 0);
  return {
    id: product.id,
    name: product.name,
    slug: product.slug,
    kit: product.kind === "kit",
    variants: variants.map((v) => ({
      ...v,
      locations: (levels.find((l) => l.id === v.id)?.locations ?? []).map((l) => ({
        locationId: l.locationId,
        name: l.name,
        active: l.active,
        onHand: l.onHand,
        incoming: expectedAt(v.id, l.locationId),
      })),
      deliveries: deliveries.filter((d) => d.variantId === v.id),
    })),
  };
}
