/**
 * The holds (reservations) admins read: each with its product and variant (SKU), the location its units are held at
 * (a cart line held over several locations is one hold per location), its shopper and its time left, as shoppers
 * see it.
 * Read-only; releasing one goes through lib/inventory.
 */
import "server-only";
import { and, asc, eq, gt, ilike, or, sql, type SQL } from "drizzle-orm";
import { db } from "@/db/client";
import { checkouts, locations, products, productVariants, reservations, users, type ReservationStatus } from "@/db/schema";
import { isActiveHold, lapsedHold } from "../inventory/availability";
import { notFound } from "../platform/errors";
import { anchoredCondition, anchoredOrderBy, containsPattern, decodeAnchoredCursor, toAnchoredPage, type AnchoredOrder } from "../platform/paging";
import { isoTime } from "../../db/sql-parts";

/** The database's clock: countdowns are drawn against it, whatever the admin's own clock says. */
async function databaseTime(): Promise<string> {
  // Raw SQL: a select without a table, which the query builder cannot say.
  const [row] = await db.execute<{ now: string }>(sql`select clock_timestamp() as now`);
  return isoTime(row!.now);
}

export type ReservationView = {
  id: string;
  checkoutId: string;
  productId: string;
  productName: string;
  productSlug: string;
  variantId: string;
  sku: string;
  /** The variant's option values ({} for a product without options). */
  options: Record<string, string>;
  /** Where the held units are: a line split over locations is one hold at each. */
  locationId: string;
  locationName: string;
  quantity: number;
  shopper: { id: string; email: string | null; guest: boolean };
  /** As shoppers see it: an active hold whose time is up reads as expired before anyone sweeps it. */
  status: ReservationStatus;
  expiresAt: string;
  createdAt: string;
  endedAt: string | null;
};

function statusFilter(status: ReservationStatus | undefined): SQL | undefined {
  switch (status) {
    case undefined:
      return undefined;
    case "active":
      return and(isActiveHold, gt(reservations.expiresAt, sql`now()`));
    case "expired":
      return or(eq(reservations.status, "expired"), lapsedHold);
    default:
      return eq(reservations.status, status);
  }
}

async function queryReservations(where: SQL | undefined, order: SQL, limit: number): Promise<ReservationView[]> {
  const rows = await db
    .select({
      id: reservations.id,
      checkoutId: reservations.checkoutId,
      productId: reservations.productId,
      productName: products.name,
      productSlug: products.slug,
      variantId: reservations.variantId,
      sku: productVariants.sku,
      options: productVariants.options,
      locationId: reservations.locationId,
      locationName: locations.name,
      quantity: reservations.quantity,
      shopper: { id: users.id, email: sql<string | null>`coalesce(${users.email}, ${checkouts.email})`, guest: sql<boolean>`${users.kind} = 'guest'` },
      status: sql<ReservationStatus>`case when ${lapsedHold} then 'expired' else ${reservations.status} end`,
      expiresAt: reservations.expiresAt,
      createdAt: reservations.createdAt,
      endedAt: reservations.endedAt,
    })
    .from(reservations)
    .innerJoin(users, eq(users.id, reservations.shopperId))
    .innerJoin(checkouts, eq(checkouts.id, reservations.checkoutId))
    .innerJoin(products, eq(products.id, reservations.productId))
    .innerJoin(productVariants, eq(productVariants.id, reservations.variantId))
    .innerJoin(locations, eq(locations.id, reservations.locationId))
    .where(where)
    .orderBy(order)
    .limit(limit);
  return rows.map((r) => ({
    ...r,
    expiresAt: r.expiresAt.toISOString(),
    createdAt: r.createdAt.toISOString(),
    endedAt: r.endedAt?.toISOString() ?? null,
  }));
}

export interface ReservationQuery {
  status?: ReservationStatus;
  productId?: string;
  /** Part of the product's name, the variant's SKU, the location's name or the shopper's email. */
  q?: string;
  cursor?: string;
  limit?: number;
}

const holdsOrder = (status: ReservationStatus | undefined): AnchoredOrder =>
  status === "active"
    ? {
        list: "holds-active",
        direction: "asc",
        columns: [reservations.expiresAt, reservations.id],
        anchor: (id) => db.select({ expiresAt: reservations.expiresAt, id: reservations.id }).from(reservations).where(eq(reservations.id, id)),
      }
    : {
        list: "holds",
        direction: "desc",
        columns: [reservations.createdAt, reservations.id],
        anchor: (id) => db.select({ createdAt: reservations.createdAt, id: reservations.id }).from(reservations).where(eq(reservations.id, id)),
      };

/**
 * Holds, soonest to expire first when listing active ones, otherwise newest first; a page of them (500 unless
 * asked otherwise) with cursors to the pages around it.
 */
export async function listReservations(
  filter: ReservationQuery = {},
): Promise<{ reservations: ReservationView[]; serverTime: string; nextCursor: string | null; prevCursor: string | null }> {
  const order = holdsOrder(filter.status);
  const cursor = filter.cursor ? decodeAnchoredCursor(filter.cursor, order) : null;
  const limit = filter.limit ?? 500;
  const pattern = filter.q?.trim() ? containsPattern(filter.q) : undefined;
  const where = and(
    statusFilter(filter.status),
    filter.productId ? eq(reservations.productId, filter.productId) : undefined,
    pattern
      ? or(
          ilike(products.name, pattern),
          ilike(productVariants.sku, pattern),
          ilike(locations.name, pattern),
          ilike(sql`coalesce(${users.email}, ${checkouts.email})`, pattern),
        )
      : undefined,
    cursor ? anchoredCondition(order, cursor) : undefined,
  );
  const [rows, serverTime] = await Promise.all([
    queryReservations(where, anchoredOrderBy(order, cursor?.direction), limit + 1),
    databaseTime(),
  ]);
  const page = toAnchoredPage(rows, limit, order, cursor);
  return { reservations: page.rows, serverTime, nextCursor: page.nextCursor, prevCursor: page.prevCursor };
}

export async function getReservation(reservationId: string): Promise<ReservationView> {
  const [reservation] = await queryReservations(eq(reservations.id, reservationId), asc(reservations.id), 1);
  if (!reservation) throw notFound("reservation");
  return reservation;
}
