/**
 * The line's sweep: every few seconds (lib/cron.ts), holds that lapsed on variants shoppers wait for are expired
 * and their units handed on, so a lapse reaches the next in line within seconds even when nothing else happens;
 * and units left free by a hand-on that found a cart or a stock row busy are handed on now. Safe on every app
 * server at once: stock rows are taken with SKIP LOCKED, and the hand-on itself runs one at a time.
 */
import "server-only";
import { and, asc, inArray, sql } from "drizzle-orm";
import { db } from "@/db/client";
import { queueTicketLines, reservations, stockLevels } from "@/db/schema";
import { isActiveHold } from "../availability";
import { recordExpired } from "../../platform/metrics";
import { expireStaleHoldsOnRows, expiredLedger, writeLedger } from "../stock";
import { handOn } from "./hand-on";
import { isWaitingLine } from "./waiting";

export type LineSweep = {
  expired: number;
  offered: number;
  /** Milliseconds until the next live hold on a waited-for variant lapses (null: none), so the next sweep can wake then. */
  nextLapseInMs: number | null;
};

/** Runs once; returns the holds expired, the tickets offered, and when the next hold waited for lapses. */
export async function sweepLine(): Promise<LineSweep> {
  const waitedFor = await db.selectDistinct({ variantId: queueTicketLines.variantId }).from(queueTicketLines).where(isWaitingLine).limit(500);
  if (waitedFor.length === 0) return { expired: 0, offered: 0, nextLapseInMs: null };
  const variantIds = waitedFor.map((w) => w.variantId);
  return db.transaction(async (tx) => {
    const locked = await tx
      .select({ variantId: stockLevels.variantId, locationId: stockLevels.locationId })
      .from(stockLevels)
      .where(inArray(stockLevels.variantId, variantIds))
      .orderBy(asc(stockLevels.variantId), asc(stockLevels.locationId))
      .for("update", { skipLocked: true });
    const holds = await expireStaleHoldsOnRows(tx, locked);
    await writeLedger(tx, expiredLedger(holds));
    recordExpired(holds.length);
    const offered = await handOn(tx, variantIds);
    const [next] = await tx
      .select({ ms: sql<number | null>`(extract(epoch from min(${reservations.expiresAt}) - now()) * 1000)::float8` })
      .from(reservations)
      .where(and(inArray(reservations.variantId, variantIds), isActiveHold));
    return { expired: holds.length, offered: offered.length, nextLapseInMs: next?.ms ?? null };
  });
}
