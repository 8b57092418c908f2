/**
 * Kits: a product sold as a set of other products' variants (a gift set, a bundle). A kit has no stock of its own;
 * what it is made of is written here once, when the kit is made, and the hold engine (lib/inventory) holds, sells
 * and ships its components.
 */
import "server-only";
import { asc, eq, inArray } from "drizzle-orm";
import { db, type Db, type Tx } from "@/db/client";
import { kitComponents, MAX_KIT_COMPONENT_QUANTITY, products, productVariants } from "@/db/schema";
import { DomainError } from "../platform/errors";
import { isUuid } from "../platform/ids";
import { lineName } from "./line-name";

/** A kit lists at most this many components. */
export const MAX_KIT_COMPONENTS = 20;

export type KitComponentInput = { variantId: string; quantity: number };

/**
 * Writes what a new kit is made of, each component checked: a variant on sale of a product that is not itself a
 * kit (a kit in a kit is refused, not flattened: its contents could change under it), listed once, 1 to
 * MAX_KIT_COMPONENT_QUANTITY of it per kit. Nothing is written unless every component is right.
 */
export async function defineKit(tx: Tx, kitVariantId: string, components: readonly KitComponentInput[]): Promise<void> {
  if (components.length === 0 || components.length > MAX_KIT_COMPONENTS) {
    throw new DomainError("invalid_request", `A kit is made of 1 to ${MAX_KIT_COMPONENTS} components.`);
  }
  const ids = components.map((c) => c.variantId);
  if (new Set(ids).size !== ids.length) throw new DomainError("invalid_request", "List each component once, with how many of it a kit takes.");
  for (const c of components) {
    if (!Number.isInteger(c.quantity) || c.quantity < 1 || c.quantity > MAX_KIT_COMPONENT_QUANTITY) {
      throw new DomainError("invalid_request", `A kit takes 1 to ${MAX_KIT_COMPONENT_QUANTITY} of each component.`);
    }
  }
  const unknown = ids.filter((id) => !isUuid(id));
  const found = await tx
    .select({
      id: productVariants.id,
      productId: productVariants.productId,
      kind: productVariants.kind,
      sku: productVariants.sku,
      retired: productVariants.retiredAt,
      archived: products.archivedAt,
    })
    .from(productVariants)
    .innerJoin(products, eq(products.id, productVariants.productId))
    .where(inArray(productVariants.id, ids.filter(isUuid)));
  const byId = new Map(found.map((v) => [v.id, v]));
  const missing = [...unknown, ...ids.filter((id) => isUuid(id) && !byId.has(id))];
  if (missing.length > 0) throw new DomainError("invalid_request", `No variant ${missing.map((id) => `"${id}"`).join(", ")} to put in the kit.`);
  for (const v of found) {
    if (v.kind === "kit") throw new DomainError("kit_in_kit", `${v.sku} is a kit: a kit is made of products, not of other kits.`);
    if (v.retired !== null || v.archived !== null) throw new DomainError("invalid_request", `${v.sku} is no longer sold and cannot go in a kit.`);
  }
  await tx.insert(kitComponents).values(
    components.map((c, position) => ({
      kitVariantId,
      componentVariantId: c.variantId,
      componentProductId: byId.get(c.variantId)!.productId,
      quantity: c.quantity,
      position,
    })),
  );
}

/** One component of a kit as a line shows it: "2 × Mug". */
export type KitLineComponent = { variantId: string; sku: string; name: string; quantity: number };

/**
 * What each of these kit variants is made of (a plain variant has no entry), in the kit's order, each component
 * named as a line is ("Trail Shirt — M"). A kit's components are fixed once it has sold, so this reads true for
 * a cart, a checkout and a past order alike.
 */
export async function kitContentsOf(variantIds: readonly string[], executor: Db | Tx = db): Promise<Map<string, KitLineComponent[]>> {
  const ids = [...new Set(variantIds)].filter(isUuid);
  if (ids.length === 0) return new Map();
  const rows = await executor
    .select({
      kitVariantId: kitComponents.kitVariantId,
      variantId: productVariants.id,
      sku: productVariants.sku,
      options: productVariants.options,
      name: products.name,
      quantity: kitComponents.quantity,
    })
    .from(kitComponents)
    .innerJoin(productVariants, eq(productVariants.id, kitComponents.componentVariantId))
    .innerJoin(products, eq(products.id, kitComponents.componentProductId))
    .where(inArray(kitComponents.kitVariantId, ids))
    .orderBy(asc(kitComponents.kitVariantId), asc(kitComponents.position));
  const contents = new Map<string, KitLineComponent[]>();
  for (const { kitVariantId, options, name, ...component } of rows) {
    contents.set(kitVariantId, [...(contents.get(kitVariantId) ?? []), { ...component, name: lineName(name, options) }]);
  }
  return contents;
}

/** "Contains 2 × Mug, 1 × Lamp": a kit line's short summary. */
export const kitContentsText = (components: readonly KitLineComponent[]) =>
  `Contains ${components.map((c) => `${c.quantity} × ${c.name}`).join(", ")}`;
