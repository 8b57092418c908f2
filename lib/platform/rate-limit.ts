/**
 * Fixed-window rate limits kept in PostgreSQL, so they hold across every app server behind a load balancer.
 * (The per-address API limit counts in memory and shares its counts in batches: lib/platform/ip-limit.ts.)
 */
import "server-only";
import { and, lt, notLike, or, sql } from "drizzle-orm";
import { db } from "@/db/client";
import { rateLimits } from "@/db/schema";
import { DomainError } from "./errors";

const WINDOW_SECONDS = 60;

/** Counts one hit against `bucket`; throws 429 with Retry-After once `limit` per minute is passed (0 = no limit). */
export async function consumeRateLimit(bucket: string, limit: number, what: string): Promise<void> {
  if (limit <= 0) return;
  const [row] = await db
    .insert(rateLimits)
    .values({ bucket, windowStart: sql`to_timestamp(floor(extract(epoch from now()) / ${WINDOW_SECONDS}) * ${WINDOW_SECONDS})`, hits: 1 })
    .onConflictDoUpdate({ target: [rateLimits.bucket, rateLimits.windowStart], set: { hits: sql`${rateLimits.hits} + 1` } })
    .returning({
      hits: rateLimits.hits,
      retryAfter: sql<number>`ceil(extract(epoch from ${rateLimits.windowStart} + make_interval(secs => ${WINDOW_SECONDS}) - now()))::int`,
    });
  if (row && row.hits > limit) throw rateLimited(what, Math.max(1, row.retryAfter));
}

/** The 429 answer: how long to wait, in the message and in Retry-After. */
export function rateLimited(what: string, retryAfterSeconds: number): DomainError {
  return new DomainError(
    "rate_limited",
    `Too many ${what}. Please wait ${retryAfterSeconds} seconds and try again.`,
    { retryAfterSeconds },
    { "Retry-After": String(retryAfterSeconds) },
  );
}

/**
 * Drops finished windows; called by the expiry cron. The per-address holding bounds count by the hour
 * (lib/inventory/hold/batch.ts, buckets `client-…`): theirs go once their hour is over; every other window is a minute.
 */
export async function pruneRateLimits(): Promise<void> {
  await db
    .delete(rateLimits)
    .where(
      or(
        lt(rateLimits.windowStart, sql`now() - interval '65 minutes'`),
        and(lt(rateLimits.windowStart, sql`now() - interval '5 minutes'`), notLike(rateLimits.bucket, "client-%")),
      ),
    );
}
