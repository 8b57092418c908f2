/**
 * The stock ledger admins read: every movement (of one variant, named by its SKU, at one location) with who or what
 * caused it, one product's, every product's or one order's. A transfer is two movements, out of one location and
 * into the other. Read-only; lib/inventory alone writes the ledger.
 */
import "server-only";
import { and, desc, eq, or, sql, type SQL } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import { db } from "@/db/client";
import { checkouts, locations, orders, products, productVariants, stockMovements, users, type MovementKind } from "@/db/schema";
import { decodeCursor, isWholeNumber, keysetCondition, keysetOrderBy, toPage, type KeysetOrder } from "../platform/paging";

export interface MovementView {
  id: number;
  productId: string;
  productName: string;
  variantId: string;
  sku: string;
  /** The variant's option values ({} for a product without options). */
  options: Record<string, string>;
  /** The location whose stock moved. */
  locationId: string;
  locationName: string;
  kind: MovementKind;
  onHandDelta: number;
  reservedDelta: number;
  allocatedDelta: number;
  /** The change in units free to sell: on hand minus reserved minus allocated. */
  availableDelta: number;
  reason: string | null;
  checkoutId: string | null;
  orderId: string | null;
  /** The account that made the change, when one did. */
  actor: { id: string; email: string | null; kind: "guest" | "shopper" | "admin" } | null;
  /** Who or what caused it, in words. */
  causedBy: string;
  createdAt: string;
}

/** A movement's change in units free to sell. */
export const availableDelta = sql<number>`${stockMovements.onHandDelta} - ${stockMovements.reservedDelta} - ${stockMovements.allocatedDelta}`;

type MovementRow = Omit<MovementView, "causedBy" | "createdAt"> & {
  createdAt: Date;
  checkoutShopper: { kind: "guest" | "shopper" | "admin"; email: string | null } | null;
};

function describeCause(m: MovementRow): string {
  if (m.actor) {
    if (m.actor.kind === "admin") return `admin ${m.actor.email ?? ""}`.trim();
    if (m.actor.kind === "guest") return m.checkoutShopper?.email ? `guest ${m.checkoutShopper.email}` : "guest";
    return `shopper ${m.actor.email ?? ""}`.trim();
  }
  if (m.kind === "expire") return "hold expiry";
  if (m.checkoutShopper) {
    const who = m.checkoutShopper.kind === "guest" ? "guest" : "shopper";
    return m.checkoutShopper.email ? `${who} ${m.checkoutShopper.email}` : who;
  }
  // Opening stock of the seeded catalogue, and changes made with the admin API token.
  return "system or API token";
}

const movementsOrder: KeysetOrder = {
  list: "ledger",
  direction: "desc",
  keys: [{ expression: stockMovements.id, type: "bigint", validate: isWholeNumber }],
};

/** The stock ledger, newest first; one product's or every product's; a page of it, with cursors around it. */
export async function listMovementsPage(
  filter: { productId?: string; cursor?: string; limit?: number } = {},
): Promise<{ movements: MovementView[]; nextCursor: string | null; prevCursor: string | null }> {
  const cursor = filter.cursor ? decodeCursor(filter.cursor, movementsOrder.list, 1) : null;
  const limit = filter.limit ?? 200;
  const rows = await listMovements({
    productId: filter.productId,
    limit: limit + 1,
    after: cursor ? keysetCondition(movementsOrder, cursor) : undefined,
    order: keysetOrderBy(movementsOrder, cursor?.direction)[0],
  });
  const page = toPage(rows, limit, movementsOrder, cursor, (m) => [m.id]);
  return { movements: page.rows, nextCursor: page.nextCursor, prevCursor: page.prevCursor };
}

type MovementFilter = { productId?: string; orderId?: string; limit?: number; after?: SQL; order?: SQL };

const actor = alias(users, "actor");
const checkoutShopper = alias(users, "checkout_shopper");

/** The ledger's query, unrun (its plan is checked in tests/growth: one order's rows come from their indexes). */
export function movementsQuery(filter: MovementFilter = {}) {
  const m = stockMovements;
  return db
    .select({
      id: m.id,
      productId: m.productId,
      productName: products.name,
      variantId: m.variantId,
      sku: productVariants.sku,
      options: productVariants.options,
      locationId: m.locationId,
      locationName: locations.name,
      kind: m.kind,
      onHandDelta: m.onHandDelta,
      reservedDelta: m.reservedDelta,
      allocatedDelta: m.allocatedDelta,
      availableDelta,
      reason: m.reason,
      checkoutId: m.checkoutId,
      orderId: m.orderId,
      // Null when no account made the change, or the movement has no checkout (Drizzle reads a left-joined
      // table's missing row as a null object).
      actor: { id: actor.id, email: actor.email, kind: actor.kind },
      checkoutShopper: { kind: checkoutShopper.kind, email: sql<string | null>`coalesce(${checkoutShopper.email}, ${checkouts.email})` },
      createdAt: m.createdAt,
    })
    .from(m)
    .innerJoin(products, eq(products.id, m.productId))
    .innerJoin(productVariants, eq(productVariants.id, m.variantId))
    .innerJoin(locations, eq(locations.id, m.locationId))
    .leftJoin(actor, eq(actor.id, m.actorId))
    .leftJoin(checkouts, eq(checkouts.id, m.checkoutId))
    .leftJoin(checkoutShopper, eq(checkoutShopper.id, checkouts.shopperId))
    .where(
      and(
        filter.productId ? eq(m.productId, filter.productId) : undefined,
        filter.orderId
          ? or(eq(m.orderId, filter.orderId), eq(m.checkoutId, db.select({ checkoutId: orders.checkoutId }).from(orders).where(eq(orders.id, filter.orderId))))
          : undefined,
        filter.after,
      ),
    )
    .orderBy(filter.order ?? desc(m.id))
    .limit(filter.limit ?? 200);
}

/** The stock ledger, newest first; one product's or every product's, or one order's (its holds, sale, shipping). */
export async function listMovements(filter: MovementFilter = {}): Promise<MovementView[]> {
  const rows: MovementRow[] = await movementsQuery(filter);
  return rows.map((row) => {
    const { checkoutShopper: _shopper, ...movement } = row;
    return { ...movement, causedBy: describeCause(row), createdAt: row.createdAt.toISOString() };
  });
}
