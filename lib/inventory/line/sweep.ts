/**
 * The line's sweep: every few seconds (lib/cron.ts), holds that lapsed on variants shoppers wait for are expired
 * and their units handed on, so a lapse reaches the next in line within seconds even when nothing else happens;
 * and units left free by a hand-on that found a cart or a stock row busy are handed on now. Safe on every app
 * server at once: stock rows are taken with SKIP LOCKED, and the hand-on itself runs one at a time.
 */
import "server-only";
import { asc, inArray } from "drizzle-orm";
import { db } from "@/db/client";
import { queueTicketLines, stockLevels } from "@/db/schema";
import { recordExpired } from "../../platform/metrics";
import { expireStaleHoldsOnRows, expiredLedger, writeLedger } from "../stock";
import { handOn, isWaitingLine } from "./hand-on";

/** Runs once; returns the holds expired and the tickets offered. */
export async function sweepLine(): Promise<{ expired: number; offered: number }> {
  const waitedFor = await db.selectDistinct({ variantId: queueTicketLines.variantId }).from(queueTicketLines).where(isWaitingLine).limit(500);
  if (waitedFor.length === 0) return { expired: 0, offered: 0 };
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
    return { expired: holds.length, offered: offered.length };
  });
}
