/**
 * Available stock over time, drawn from the ledger: one product's chart, and every product's at once for the
 * ledger's small multiples.
 */
import "server-only";
import { and, desc, eq, inArray, lte, sql, type SQL } from "drizzle-orm";
import { db } from "@/db/client";
import { products, stockMovements } from "@/db/schema";
import { availableDelta } from "./ledger";

export type AvailablePoint = {
  movementId: number;
  at: string;
  available: number;
};

/**
 * The ledger's changes: movements written together (in one transaction, so at one `created_at`) are one change,
 * such as a transfer's two sides or a hold split over several locations. Drawn one by one, a transfer would dip
 * and come back though nothing was ever unavailable. Each change is known by its last movement's id.
 */
function ledgerChanges(where: SQL | undefined) {
  const m = stockMovements;
  return db
    .select({
      productId: m.productId,
      id: sql<number>`max(${m.id})`.mapWith(Number).as("change_id"),
      createdAt: m.createdAt,
      delta: sql<number>`sum(${availableDelta})`.as("change_delta"),
    })
    .from(m)
    .where(where)
    .groupBy(m.productId, m.createdAt)
    .as("changes");
}

/**
 * Available stock after each of the product's latest changes, oldest first: the running sum of the ledger's
 * deltas (on hand − reserved − allocated, over every location). Holds past their time count until the sweep or a
 * writer ends them.
 */
export async function availableSeries(productId: string, points = 200): Promise<AvailablePoint[]> {
  const changes = ledgerChanges(eq(stockMovements.productId, productId));
  const ledger = db
    .select({
      id: changes.id,
      createdAt: changes.createdAt,
      available: sql<number>`(sum(${changes.delta}) over (order by ${changes.id}))::int`.as("available"),
    })
    .from(changes)
    .as("ledger");
  const rows = await db
    .select({ movementId: ledger.id, at: ledger.createdAt, available: ledger.available })
    .from(ledger)
    .orderBy(desc(ledger.id))
    .limit(points);
  return rows.reverse().map((r) => ({ ...r, at: r.at.toISOString() }));
}

export interface ProductSeries {
  productId: string;
  name: string;
  archived: boolean;
  points: AvailablePoint[];
}

/**
 * Each product's available stock after each of its latest `points` changes, oldest first (the running sum of
 * the ledger's deltas), in one query. Products without movements come with no points.
 */
export async function availableSeriesForAll(points = 60, productCount = 24): Promise<ProductSeries[]> {
  const m = stockMovements;
  // Only the products that moved most recently: a shop of thousands cannot be drawn at a glance.
  const lastMovement = db.select({ id: sql`max(${m.id})` }).from(m).where(eq(m.productId, products.id));
  const recent = db.$with("recent").as(
    db
      .select({ id: products.id, name: products.name, archivedAt: products.archivedAt })
      .from(products)
      .orderBy(sql`${lastMovement} desc nulls last`, products.name)
      .limit(productCount),
  );
  // Each product's running sum of the ledger's changes, and each change's place counted from the latest.
  const changes = ledgerChanges(inArray(m.productId, db.select({ id: recent.id }).from(recent)));
  const ledger = db
    .select({
      productId: changes.productId,
      id: changes.id,
      createdAt: changes.createdAt,
      available: sql<number>`(sum(${changes.delta}) over (partition by ${changes.productId} order by ${changes.id}))::int`.as("available"),
      back: sql<number>`row_number() over (partition by ${changes.productId} order by ${changes.id} desc)`.as("back"),
    })
    .from(changes)
    .as("l");
  const archived = sql<boolean>`${recent.archivedAt} is not null`;
  const rows = await db
    .with(recent)
    .select({ productId: recent.id, name: recent.name, archived, movementId: ledger.id, at: ledger.createdAt, available: ledger.available })
    .from(recent)
    .leftJoin(ledger, and(eq(ledger.productId, recent.id), lte(ledger.back, points)))
    .orderBy(archived, recent.name, recent.id, ledger.id);
  const series = new Map<string, ProductSeries>();
  for (const row of rows) {
    let entry = series.get(row.productId);
    if (!entry) {
      entry = { productId: row.productId, name: row.name, archived: row.archived, points: [] };
      series.set(row.productId, entry);
    }
    if (row.movementId !== null && row.at !== null && row.available !== null) {
      entry.points.push({ movementId: row.movementId, at: row.at.toISOString(), available: row.available });
    }
  }
  return [...series.values()];
}
