/**
 * "Shoppers wait in the line for this variant", as SQL: for the stock rows' lock (stock.ts) and the line's own
 * reads. It imports nothing of the line's, so stock.ts, which the line builds on, can ask it too.
 */
import { and, eq, exists, sql, type SQLWrapper } from "drizzle-orm";
import { db } from "@/db/client";
import { queueTicketLines } from "@/db/schema";

/** A waiting ticket's line, literal `waiting` so that the partial index on waiting lines is used. */
export const isWaitingLine = sql`${queueTicketLines.waiting}`;

/** True when some waiting ticket needs this variant: one probe of the partial index on waiting lines. */
export const lineWaitsFor = (variantId: SQLWrapper) =>
  exists(
    db
      .select({ one: sql`1` })
      .from(queueTicketLines)
      .where(and(eq(queueTicketLines.variantId, variantId), isWaitingLine)),
  ).mapWith(Boolean);

/** Of these locked stock rows (stock.ts `lockStockRows`), the variants shoppers wait for in the line. */
export const variantsWaitedFor = (rows: readonly { variantId: string; lineWaiting: boolean }[]): Set<string> =>
  new Set(rows.filter((row) => row.lineWaiting).map((row) => row.variantId));
