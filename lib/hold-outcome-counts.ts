/**
 * Checkout-start outcomes per minute in PostgreSQL, summed over every app server: what the admin dashboard's
 * "last hour" chart shows. The same numbers as the stockhold_hold_requests_total metric, kept where any server
 * can read all of them.
 */
import "server-only";
import { sql } from "drizzle-orm";
import { db } from "@/db/client";
import { holdOutcomeCounts } from "@/db/schema";

/** Adds one batch's outcomes to the current minute's counts. */
export async function countHoldOutcomes(counts: Record<string, number>): Promise<void> {
  const rows = Object.entries(counts).map(([outcome, n]) => ({ minute: sql`date_trunc('minute', now())`, outcome, n }));
  if (rows.length === 0) return;
  await db
    .insert(holdOutcomeCounts)
    .values(rows)
    .onConflictDoUpdate({
      target: [holdOutcomeCounts.minute, holdOutcomeCounts.outcome],
      set: { n: sql`${holdOutcomeCounts.n} + excluded.n` },
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
  // generate_series fills the minutes without any outcome; the builder cannot join against it.
  return db.execute<HoldOutcomeMinute>(sql`
    select to_json(m.minute) #>> '{}' as minute,
      coalesce(sum(c.n) filter (where c.outcome = 'held'), 0)::float8 as held,
      coalesce(sum(c.n) filter (where c.outcome = 'insufficient_stock'), 0)::float8 as refused
    from generate_series(date_trunc('minute', now()) - interval '59 minutes', date_trunc('minute', now()),
                         interval '1 minute') as m(minute)
    left join hold_outcome_counts c on c.minute = m.minute
    group by m.minute
    order by m.minute`) as Promise<HoldOutcomeMinute[]>;
}

/** Drops counts older than a day; called by the expiry job. */
export async function pruneHoldOutcomeCounts(): Promise<void> {
  await db.delete(holdOutcomeCounts).where(sql`${holdOutcomeCounts.minute} < now() - interval '1 day'`);
}
