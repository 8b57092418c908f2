/**
 * Fixed-window rate limits kept in PostgreSQL, so they hold across every app server behind a load balancer.
 * (The per-address API limit counts in memory and shares its counts in batches: lib/ip-limit.ts.)
 */
import "server-only";
import { sql } from "drizzle-orm";
import { db } from "@/db/client";
import { DomainError } from "./errors";

const WINDOW_SECONDS = 60;

/** Counts one hit against `bucket`; throws 429 with Retry-After once `limit` per minute is passed (0 = no limit). */
export async function consumeRateLimit(bucket: string, limit: number, what: string): Promise<void> {
  if (limit <= 0) return;
  const [row] = await db.execute<{ hits: number; retry_after: number }>(sql`
    insert into rate_limits (bucket, window_start, hits)
    values (${bucket}, to_timestamp(floor(extract(epoch from now()) / ${WINDOW_SECONDS}) * ${WINDOW_SECONDS}), 1)
    on conflict (bucket, window_start) do update set hits = rate_limits.hits + 1
    returning hits,
      ceil(extract(epoch from window_start + make_interval(secs => ${WINDOW_SECONDS}) - now()))::int as retry_after`);
  if (row && row.hits > limit) throw rateLimited(what, Math.max(1, row.retry_after));
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

/** Drops finished windows; called by the expiry cron. */
export async function pruneRateLimits(): Promise<void> {
  await db.execute(sql`delete from rate_limits where window_start < now() - interval '5 minutes'`);
}
