/**
 * Checkout-start outcomes per minute in PostgreSQL, summed over every app server: what the admin dashboard's
 * "last hour" chart shows. The same numbers as the stockhold_hold_requests_total metric, kept where any server
 * can read all of them.
 */
import "server-only";
import { eq, sql } from "drizzle-orm";
import { db } from "@/db/client";
import { holdOutcomeCounts } from "@/db/schema";
import { excluded } from "../../db/sql-parts";
import { FlushLater } from "../platform/flush-later";

/**
 * Outcomes counted in this server's memory and added to the shared rows about once a second: a hold batch never
 * waits for them, and never pays a commit (or contends on a minute's row with other batches) for a chart. A
 * minute's counts land in the minute of the flush, at most a second late; a crashed server loses its last second.
 */
class OutcomeCounter {
  private pending = new Map<string, number>();
  private readonly later = new FlushLater("hold outcome counts", () => this.flush());

  add(counts: Record<string, number>): void {
    for (const [outcome, n] of Object.entries(counts)) this.pending.set(outcome, (this.pending.get(outcome) ?? 0) + n);
    this.later.request();
  }

  async flush(): Promise<void> {
    const sent = this.pending;
    if (sent.size === 0) return;
    this.pending = new Map();
    try {
      await db
        .insert(holdOutcomeCounts)
        .values([...sent].map(([outcome, n]) => ({ minute: sql`date_trunc('minute', now())`, outcome, n })))
        .onConflictDoUpdate({
          target: [holdOutcomeCounts.minute, holdOutcomeCounts.outcome],
          set: { n: sql`${holdOutcomeCounts.n} + ${excluded(holdOutcomeCounts.n)}` },
        });
    } catch (error) {
      for (const [outcome, n] of sent) this.pending.set(outcome, (this.pending.get(outcome) ?? 0) + n);
      throw error;
    }
  }
}

const globalForCounter = globalThis as unknown as { stockholdOutcomeCounter?: OutcomeCounter };
const counter = (globalForCounter.stockholdOutcomeCounter ??= new OutcomeCounter());

/** Adds one batch's outcomes to the current minute's counts (sent within a second). */
export function countHoldOutcomes(counts: Record<string, number>): void {
  counter.add(counts);
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
