/**
 * Kits as the admin sees them: what a kit (or one being put together) is made of, and how many of it could be
 * sold now. A kit has no stock of its own: its availability is the fewest kits any component allows, each
 * component's available units read through lib/inventory's availability (the one free-units rule), divided by
 * what one kit takes. Read-only.
 */
import "server-only";
import { and, asc, eq, inArray, isNull, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import { db } from "@/db/client";
import { kitComponents, MAX_KIT_COMPONENT_QUANTITY, products, productVariants } from "@/db/schema";
import { viewerAvailability } from "../inventory/availability";
import { lineName } from "../catalog/variants";
import { MAX_KIT_COMPONENTS, type KitComponentInput } from "../catalog/kits";
import { DomainError } from "../platform/errors";
import { isUuid } from "../platform/ids";

/** One component of a kit with its live figures: `available` units of it, enough for `kits` kits. */
export type KitComponentLevel = {
  productId: string;
  variantId: string;
  sku: string;
  /** As a line names it: "Trail Shirt — M". */
  name: string;
  quantity: number;
  available: number;
  kits: number;
};

/** A kit's live availability: the fewest kits its components allow (0 without components). */
export type KitLevel = { available: number; components: KitComponentLevel[] };

/** A kit product's own variant and its live availability, as the stock dashboard lists it. */
export type KitStockView = KitLevel & { variantId: string; sku: string };

/** The fewest kits the components allow. */
const kitsOf = (components: readonly KitComponentLevel[]) => (components.length === 0 ? 0 : Math.min(...components.map((c) => c.kits)));

/** Each variant's name and available units for a shop visitor (no cart: nobody's hold counts as theirs). */
function componentLevels(variantIds: string[]) {
  const live = viewerAvailability(null, productVariants.id);
  return db
    .select({
      productId: productVariants.productId,
      variantId: productVariants.id,
      sku: productVariants.sku,
      options: productVariants.options,
      productName: products.name,
      kind: productVariants.kind,
      onSale: sql<boolean>`${productVariants.retiredAt} is null and ${products.archivedAt} is null`,
      available: live.fields.available,
    })
    .from(productVariants)
    .innerJoin(products, eq(products.id, productVariants.productId))
    .innerJoinLateral(live.stock, sql`true`)
    .where(inArray(productVariants.id, variantIds));
}

/**
 * How many of a kit made of these components could be sold now (the admin's kit builder asks while components
 * are picked). The components are checked as making a kit would check them, except that nothing is written:
 * an unknown variant, a kit or a variant no longer sold is a 400.
 */
export async function kitAvailability(components: readonly KitComponentInput[]): Promise<KitLevel> {
  if (components.length > MAX_KIT_COMPONENTS) throw new DomainError("invalid_request", `A kit is made of 1 to ${MAX_KIT_COMPONENTS} components.`);
  for (const c of components) {
    if (!isUuid(c.variantId)) throw new DomainError("invalid_request", `No variant "${c.variantId}" to put in the kit.`);
    if (!Number.isInteger(c.quantity) || c.quantity < 1 || c.quantity > MAX_KIT_COMPONENT_QUANTITY) {
      throw new DomainError("invalid_request", `A kit takes 1 to ${MAX_KIT_COMPONENT_QUANTITY} of each component.`);
    }
  }
  if (components.length === 0) return { available: 0, components: [] };
  const rows = await componentLevels(components.map((c) => c.variantId));
  const byId = new Map(rows.map((r) => [r.variantId, r]));
  const levels = components.map((c): KitComponentLevel => {
    const row = byId.get(c.variantId);
    if (!row) throw new DomainError("invalid_request", `No variant "${c.variantId}" to put in the kit.`);
    if (row.kind === "kit") throw new DomainError("kit_in_kit", `${row.sku} is a kit: a kit is made of products, not of other kits.`);
    if (!row.onSale) throw new DomainError("invalid_request", `${row.sku} is no longer sold and cannot go in a kit.`);
    return {
      productId: row.productId,
      variantId: row.variantId,
      sku: row.sku,
      name: lineName(row.productName, row.options),
      quantity: c.quantity,
      available: row.available,
      kits: Math.floor(row.available / c.quantity),
    };
  });
  return { available: kitsOf(levels), components: levels };
}

/**
 * The kits among these products (every kit when not given), by product: each kit's variant, its components in
 * the kit's order with their live figures, and how many kits they allow.
 */
export async function kitLevelsOf(productIds?: readonly string[]): Promise<Map<string, KitStockView>> {
  if (productIds?.length === 0) return new Map();
  const kit = alias(productVariants, "kit");
  const live = viewerAvailability(null, productVariants.id);
  const rows = await db
    .select({
      kitProductId: kit.productId,
      kitVariantId: kit.id,
      kitSku: kit.sku,
      productId: productVariants.productId,
      variantId: productVariants.id,
      sku: productVariants.sku,
      options: productVariants.options,
      productName: products.name,
      quantity: kitComponents.quantity,
      available: live.fields.available,
    })
    .from(kitComponents)
    .innerJoin(kit, eq(kit.id, kitComponents.kitVariantId))
    .innerJoin(productVariants, eq(productVariants.id, kitComponents.componentVariantId))
    .innerJoin(products, eq(products.id, productVariants.productId))
    .innerJoinLateral(live.stock, sql`true`)
    .where(and(productIds ? inArray(kit.productId, [...productIds]) : undefined, isNull(kit.retiredAt)))
    .orderBy(asc(kit.productId), asc(kitComponents.position));
  const kits = new Map<string, KitStockView>();
  for (const row of rows) {
    const view = kits.get(row.kitProductId) ?? { variantId: row.kitVariantId, sku: row.kitSku, available: 0, components: [] };
    view.components.push({
      productId: row.productId,
      variantId: row.variantId,
      sku: row.sku,
      name: lineName(row.productName, row.options),
      quantity: row.quantity,
      available: row.available,
      kits: Math.floor(row.available / row.quantity),
    });
    kits.set(row.kitProductId, view);
  }
  for (const view of kits.values()) view.available = kitsOf(view.components);
  return kits;
}

/** A variant an admin may put in a kit: on sale, of a product on sale that is not itself a kit. */
export type KitComponentChoice = { variantId: string; sku: string; name: string };

/** Every variant that may go in a kit, by product name then the product's own order. */
export function kitComponentChoices(): Promise<KitComponentChoice[]> {
  return db
    .select({ variantId: productVariants.id, sku: productVariants.sku, options: productVariants.options, productName: products.name })
    .from(productVariants)
    .innerJoin(products, eq(products.id, productVariants.productId))
    .where(and(eq(productVariants.kind, "stock"), isNull(productVariants.retiredAt), isNull(products.archivedAt)))
    .orderBy(asc(products.name), asc(productVariants.position), asc(productVariants.id))
    .then((rows) => rows.map((r) => ({ variantId: r.variantId, sku: r.sku, name: lineName(r.productName, r.options) })));
}

/** A kit product as the admin's product list shows it: its name, slug and price, and the kits it can sell now. */
export type KitProductRow = { id: string; slug: string; name: string; priceCents: number; kit: KitStockView | null };

/** Every kit product, by name (they have no stock rows, so the stock levels' list does not have them). */
export async function listKitProducts(): Promise<KitProductRow[]> {
  const [rows, levels] = await Promise.all([
    db
      .select({ id: products.id, slug: products.slug, name: products.name, priceCents: products.priceCents })
      .from(products)
      .where(eq(products.kind, "kit"))
      .orderBy(asc(products.name), asc(products.id)),
    kitLevelsOf(),
  ]);
  return rows.map((p) => ({ ...p, kit: levels.get(p.id) ?? null }));
}
