/** Available stock over time for every product at once, for the ledger's small multiples. */
import "server-only";
import { and, eq, inArray, lte, sql } from "drizzle-orm";
import { db } from "@/db/client";
import { products, stockMovements } from "@/db/schema";
import { availableDelta, type AvailablePoint } from "./queries";

export interface ProductSeries {
  productId: string;
  name: string;
  archived: boolean;
  points: AvailablePoint[];
}

/**
 * Each product's available stock after each of its latest `points` movements, oldest first (the running sum of
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
  // Each product's running sum of the ledger, and each movement's place counted from the latest.
  const ledger = db
    .select({
      productId: m.productId,
      id: m.id,
      createdAt: m.createdAt,
      available: sql<number>`(sum(${availableDelta}) over (partition by ${m.productId} order by ${m.id}))::int`.as("available"),
      back: sql<number>`row_number() over (partition by ${m.productId} order by ${m.id} desc)`.as("back"),
    })
    .from(m)
    .where(inArray(m.productId, db.select({ id: recent.id }).from(recent)))
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
