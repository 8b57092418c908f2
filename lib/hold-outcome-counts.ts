/**
 * Checkout-start outcomes per minute in PostgreSQL, summed over every app server: what the admin dashboard's
 * "last hour" chart shows. The same numbers as the stockhold_hold_requests_total metric, kept where any server
 * can read all of them.
 */
import "server-only";
import { eq, sql } from "drizzle-orm";
import { db } from "@/db/client";
import { holdOutcomeCounts } from "@/db/schema";
import { excluded } from "./query-parts";

/** Adds one batch's outcomes to the current minute's counts. */
export async function countHoldOutcomes(counts: Record<string, number>): Promise<void> {
  const rows = Object.entries(counts).map(([outcome, n]) => ({ minute: sql`date_trunc('minute', now())`, outcome, n }));
  if (rows.length === 0) return;
  await db
    .insert(holdOutcomeCounts)
    .values(rows)
    .onConflictDoUpdate({
      target: [holdOutcomeCounts.minute, holdOutcomeCounts.outcome],
      set: { n: sql`${holdOutcomeCounts.n} + ${excluded(holdOutcomeCounts.n)}` },
    });
}

export type HoldOutcomeMinute = {
  /** Start of the minute, ISO 8601 (database clock). */
  minute: string;
  held: number;
  refused: number;
};

/**
 * The last 60 minutes, oldest first, one entry per minute (zeros included): new holds (held) and refusals for
 * lack of stock (refused). Other outcomes (an empty cart, a shopper's own open checkout) are not contention.
 */
export async function holdOutcomesLastHour(): Promise<HoldOutcomeMinute[]> {
  // generate_series gives every minute, those without any outcome too.
  const minute = sql`m.minute`;
  const count = (outcome: string) =>
    sql<number>`coalesce(sum(${holdOutcomeCounts.n}) filter (where ${holdOutcomeCounts.outcome} = ${outcome}), 0)::float8`;
  return db
    .select({ minute: sql<string>`to_json(${minute}) #>> '{}'`, held: count("held"), refused: count("insufficient_stock") })
    .from(sql`generate_series(date_trunc('minute', now()) - interval '59 minutes', date_trunc('minute', now()), interval '1 minute') as m(minute)`)
    .leftJoin(holdOutcomeCounts, eq(holdOutcomeCounts.minute, minute))
    .groupBy(minute)
    .orderBy(minute);
}

/** Drops counts older than a day; called by the expiry job. */
export async function pruneHoldOutcomeCounts(): Promise<void> {
  await db.delete(holdOutcomeCounts).where(sql`${holdOutcomeCounts.minute} < now() - interval '1 day'`);
}
