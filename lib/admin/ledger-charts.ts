/**
 * Available stock over time, drawn from the ledger: one product's chart, and every product's at once for the
 * ledger's small multiples.
 */
import "server-only";
import { desc, eq, inArray, sql } from "drizzle-orm";
import { db } from "@/db/client";
import { products, stockLevels, stockMovements } from "@/db/schema";
import { isoTime } from "../../db/sql-parts";
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
 *
 * Available stock after each of each product's latest `points` changes, newest first, read from its newest ledger
 * rows only (its (product, id) index, backwards), never its whole history: counted back from what it has now (its
 * stock rows' on hand − reserved − allocated, which equal the sums of its ledger: the engine writes both in one
 * transaction, and `npm run reconcile` checks it), less each later change. A product's rows are read until they
 * hold more than `points` changes (the oldest may be cut short, and is not drawn) or its whole history.
 */
async function latestChanges(productIds: string[], points: number): Promise<Map<string, AvailablePoint[]>> {
  const series = new Map<string, AvailablePoint[]>(productIds.map((id) => [id, []]));
  let pending = productIds;
  for (let window = points * 4 + 16; pending.length > 0; window *= 4) {
    // Raw SQL: a lateral subquery with a limit per product, and window functions over its groups.
    const rows = await db.execute<{ product_id: string; change_id: string; at: string; available: number; back: string; changes: string; window_rows: string }>(sql`
      select p.product_id, c.change_id, c.at, c.available, c.back, c.changes, c.window_rows
      from unnest(string_to_array(${pending.join(",")}, ',')::uuid[]) as p(product_id)
      cross join lateral (
        select w.change_id, w.at, w.changes, w.window_rows,
               row_number() over (order by w.change_id desc) as back,
               ((select coalesce(sum(${stockLevels.onHand} - ${stockLevels.reserved} - ${stockLevels.allocated}), 0)
                 from ${stockLevels} where ${stockLevels.productId} = p.product_id)
                - coalesce(sum(w.delta) over (order by w.change_id desc rows between unbounded preceding and 1 preceding), 0))::int as available
        from (
          select max(m.id) as change_id, m.created_at as at, sum(m.delta) as delta,
                 count(*) over () as changes, sum(count(*)) over () as window_rows
          from (
            select ${stockMovements.id} as id, ${stockMovements.createdAt} as created_at, ${availableDelta} as delta
            from ${stockMovements} where ${stockMovements.productId} = p.product_id
            order by ${stockMovements.id} desc limit ${window}
          ) m
          group by m.created_at
        ) w
      ) c
      where c.back <= ${points}
      order by p.product_id, c.change_id`);
    const complete = new Set<string>();
    for (const row of rows) {
      // Whole history read, or more changes than are drawn: the drawn ones are complete.
      if (Number(row.window_rows) < window || Number(row.changes) > points) complete.add(row.product_id);
    }
    const done = pending.filter((id) => complete.has(id) || !rows.some((r) => r.product_id === id));
    for (const id of done) {
      series.set(
        id,
        rows
          .filter((r) => r.product_id === id)
          .map((r) => ({ movementId: Number(r.change_id), at: isoTime(r.at), available: r.available })),
      );
    }
    pending = pending.filter((id) => !done.includes(id));
  }
  return series;
}

/**
 * Available stock after each of the product's latest changes, oldest first: the running sum of the ledger's
 * deltas (on hand − reserved − allocated, over every location). Holds past their time count until the sweep or a
 * writer ends them.
 */
export async function availableSeries(productId: string, points = 200): Promise<AvailablePoint[]> {
  return (await latestChanges([productId], points)).get(productId)!;
}

/** The newest ledger rows read to find the products that moved last. */
const RECENT_MOVEMENTS = 5000;

/**
 * The `productCount` products whose last movement is the newest, read from the newest ledger rows only (the
 * primary key, backwards), not from every product's whole history. When those rows name fewer products (a small
 * or quiet shop) the answer is null, and the caller ranks every product. Either way the same products: one whose
 * last movement lies before the rows read ranks below every product named in them.
 */
async function recentlyMoved(productCount: number): Promise<string[] | null> {
  const m = stockMovements;
  const newest = db.select({ productId: m.productId, id: m.id }).from(m).orderBy(desc(m.id)).limit(RECENT_MOVEMENTS).as("newest");
  const rows = await db
    .select({ productId: newest.productId })
    .from(newest)
    .groupBy(newest.productId)
    .orderBy(sql`max(${newest.id}) desc`)
    .limit(productCount);
  return rows.length === productCount ? rows.map((r) => r.productId) : null;
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
  const moved = await recentlyMoved(productCount);
  const lastMovement = db.select({ id: sql`max(${m.id})` }).from(m).where(eq(m.productId, products.id));
  const recent = db.$with("recent").as(
    moved
      ? db.select({ id: products.id, name: products.name, archivedAt: products.archivedAt }).from(products).where(inArray(products.id, moved))
      : db
          .select({ id: products.id, name: products.name, archivedAt: products.archivedAt })
          .from(products)
          .orderBy(sql`${lastMovement} desc nulls last`, products.name)
          .limit(productCount),
  );
  const archived = sql<boolean>`${recent.archivedAt} is not null`;
  const shown = await db
    .with(recent)
    .select({ productId: recent.id, name: recent.name, archived })
    .from(recent)
    .orderBy(archived, recent.name, recent.id);
  const drawn = await latestChanges(
    shown.map((p) => p.productId),
    points,
  );
  return shown.map((p) => ({ ...p, points: drawn.get(p.productId)! }));
}
