/** Available stock over time for every product at once, for the ledger's small multiples. */
import "server-only";
import { sql } from "drizzle-orm";
import { db } from "@/db/client";
import type { AvailablePoint } from "./admin-queries";

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
export async function availableSeriesForAll(points = 60, products = 24): Promise<ProductSeries[]> {
  // Raw SQL: two window functions over the ledger (running sum and the latest N per product). Only the products
  // that moved most recently: a shop of thousands cannot be drawn at a glance.
  const rows = await db.execute<{ product_id: string; name: string; archived: boolean; movement_id: number | null; at: string | null; available: number | null }>(sql`
    with recent as (
      select p.id, p.name, p.archived_at
      from products p
      order by (select max(m.id) from stock_movements m where m.product_id = p.id) desc nulls last, p.name
      limit ${products}
    )
    select p.id as product_id, p.name, p.archived_at is not null as archived,
      l.id::int as movement_id, to_json(l.created_at) #>> '{}' as at, l.available
    from recent p
    left join (
      select product_id, id, created_at,
        (sum(on_hand_delta - reserved_delta - allocated_delta) over (partition by product_id order by id))::int as available,
        row_number() over (partition by product_id order by id desc) as back
      from stock_movements where product_id in (select id from recent)
    ) l on l.product_id = p.id and l.back <= ${points}
    order by p.archived_at is not null, p.name, p.id, l.id`);
  const series = new Map<string, ProductSeries>();
  for (const row of rows) {
    let entry = series.get(row.product_id);
    if (!entry) {
      entry = { productId: row.product_id, name: row.name, archived: row.archived, points: [] };
      series.set(row.product_id, entry);
    }
    if (row.movement_id !== null && row.at !== null && row.available !== null) {
      entry.points.push({ movementId: row.movement_id, at: new Date(row.at).toISOString(), available: row.available });
    }
  }
  return [...series.values()];
}
