/**
 * Rate limits kept in PostgreSQL, so they hold across every app server behind a load balancer. Counts are kept per
 * minute; a hit is judged by a sliding minute (the previous minute's count, weighted by how much of it the last 60 s
 * still cover, plus this minute's), so a burst that straddles a minute boundary cannot take twice the limit.
 * (The per-address API limit counts in memory and shares its counts in batches: lib/platform/ip-limit.ts.)
 */
import "server-only";
import { and, getTableName, lt, notLike, or, sql, type Column } from "drizzle-orm";
import { bareName } from "@/db/batch-statements";
import { db } from "@/db/client";
import { rateLimits } from "@/db/schema";
import { DomainError } from "./errors";

const WINDOW_SECONDS = 60;

/** A column of the row being written, named with its table (RETURNING's subquery has a rate_limits of its own). */
const written = (column: Column) => sql`${sql.identifier(getTableName(rateLimits))}.${bareName(column)}`;

/** Counts one hit against `bucket`; throws 429 with Retry-After once `limit` per minute is passed (0 = no limit). */
export async function consumeRateLimit(bucket: string, limit: number, what: string): Promise<void> {
  if (limit <= 0) return;
  const [row] = await db
    .insert(rateLimits)
    .values({ bucket, windowStart: sql`to_timestamp(floor(extract(epoch from now()) / ${WINDOW_SECONDS}) * ${WINDOW_SECONDS})`, hits: 1 })
    .onConflictDoUpdate({ target: [rateLimits.bucket, rateLimits.windowStart], set: { hits: sql`${rateLimits.hits} + 1` } })
    .returning({
      hits: rateLimits.hits,
      // RETURNING cannot join, and Drizzle writes column names bare there; so the previous minute's count is a
      // scalar subquery with its own alias and the written row named in full.
      previousHits: sql<number>`coalesce((
        select previous.${bareName(rateLimits.hits)} from ${rateLimits} as previous
        where previous.${bareName(rateLimits.bucket)} = ${written(rateLimits.bucket)}
          and previous.${bareName(rateLimits.windowStart)} = ${written(rateLimits.windowStart)} - make_interval(secs => ${WINDOW_SECONDS})
      ), 0)`.mapWith(Number),
      elapsed: sql<number>`extract(epoch from now() - ${rateLimits.windowStart})`.mapWith(Number),
    });
  if (!row) return;
  const retryAfter = slidingRetryAfter(limit, row);
  if (retryAfter > 0) throw rateLimited(what, retryAfter);
}

/**
 * 0 when this hit is within the limit over the sliding minute; otherwise the whole seconds until the next hit would be:
 * later in this minute as the previous minute's weight fades, or else in the next minute as this one's fades.
 */
export function slidingRetryAfter(limit: number, counts: { hits: number; previousHits: number; elapsed: number }): number {
  const { hits, previousHits, elapsed } = counts;
  const weight = (seconds: number) => Math.max(0, 1 - seconds / WINDOW_SECONDS);
  if (hits + previousHits * weight(elapsed) <= limit) return 0;
  const candidates: number[] = [];
  // The next hit makes this minute hits + 1, so the previous minute's share must fall to limit - hits - 1.
  if (hits + 1 <= limit && previousHits > 0) {
    const at = WINDOW_SECONDS * (1 - (limit - hits - 1) / previousHits);
    if (at < WINDOW_SECONDS) candidates.push(at - elapsed);
  }
  // Next minute: this minute's hits become the previous ones, and the next hit is the first.
  candidates.push(WINDOW_SECONDS - elapsed + Math.max(0, WINDOW_SECONDS * (1 - (limit - 1) / hits)));
  return Math.max(1, Math.ceil(Math.min(...candidates)));
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
