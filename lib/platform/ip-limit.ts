/**
 * The per-address API request limit without a database write per request. Each app server counts requests in
 * memory and adds its counts to the shared `rate_limits` rows about once a second, in one statement for every
 * address, learning each address's total across servers from the answer. A request is refused once the total
 * this server last learned plus what it counted since passes the limit, so the limit holds on one server exactly
 * and across servers within about one flush of requests. Windows are on the database's clock: each flush learns
 * how far this server's clock is from it.
 */
import "server-only";
import { sql } from "drizzle-orm";
import { db } from "@/db/client";
import { rateLimits } from "@/db/schema";
import { FlushLater } from "./flush-later";
import { excluded } from "../../db/sql-parts";
import { rateLimited } from "./rate-limit";

const WINDOW_SECONDS = 60;

/**
 * An address's count in one window: the total across servers this server last learned (`shared`), what it is
 * sending in the flush under way (`sending`, not yet in `shared`), and what it counted since (`pending`).
 */
type Count = { window: number; shared: number; sending: number; pending: number };

class SharedRequestCounter {
  private readonly counts = new Map<string, Count>();
  /** The database's clock minus this server's, learned at each flush. */
  private offsetMs = 0;
  private readonly later = new FlushLater("per-address request counts", () => this.flush());

  private windowNow(): { window: number; secondsLeft: number } {
    const seconds = (Date.now() + this.offsetMs) / 1000;
    const window = Math.floor(seconds / WINDOW_SECONDS);
    return { window, secondsLeft: Math.max(1, Math.ceil((window + 1) * WINDOW_SECONDS - seconds)) };
  }

  /** Counts one request against `bucket`; throws 429 past `limit` a minute. */
  hit(bucket: string, limit: number, what: string): void {
    const { window, secondsLeft } = this.windowNow();
    let count = this.counts.get(bucket);
    if (!count || count.window !== window) {
      count = { window, shared: 0, sending: 0, pending: 0 };
      this.counts.set(bucket, count);
    }
    count.pending += 1;
    this.later.request();
    // What a flush is sending still counts until its answer is in `shared`: otherwise every flush's round trip
    // would let that many more requests through.
    if (count.shared + count.sending + count.pending > limit) throw rateLimited(what, secondsLeft);
  }

  /** Adds every pending count to the shared rows (one statement) and learns the totals across servers. */
  async flush(): Promise<void> {
    const batch = [...this.counts].filter(([, c]) => c.pending > 0);
    if (batch.length === 0) return;
    // Each bucket's count as it is now, with what it sends: the answer is applied to these very counts (a window
    // that ended meanwhile has a new count, which this answer is not about).
    const sending = batch.map(([bucket, count]) => ({ bucket, count, n: count.pending }));
    for (const { count, n } of sending) {
      count.sending += n;
      count.pending = 0;
    }
    const byBucket = new Map(sending.map((s) => [s.bucket, s]));
    try {
      const rows = await db
        .insert(rateLimits)
        .values(
          sending.map(({ bucket, count, n }) => ({
            bucket,
            windowStart: sql`to_timestamp(${count.window * WINDOW_SECONDS})`,
            hits: n,
          })),
        )
        .onConflictDoUpdate({
          target: [rateLimits.bucket, rateLimits.windowStart],
          set: { hits: sql`${rateLimits.hits} + ${excluded(rateLimits.hits)}` },
        })
        .returning({ bucket: rateLimits.bucket, hits: rateLimits.hits, now: sql<string>`to_json(now()) #>> '{}'` });
      for (const row of rows) {
        const sent = byBucket.get(row.bucket);
        if (!sent) continue;
        sent.count.shared = row.hits;
        sent.count.sending -= sent.n;
      }
      if (rows[0]) this.offsetMs = Date.parse(rows[0].now) - Date.now();
    } catch (error) {
      // Not sent after all: count them again next time.
      for (const { count, n } of sending) {
        count.sending -= n;
        count.pending += n;
      }
      throw error;
    }
    // Finished windows are forgotten.
    const { window } = this.windowNow();
    for (const [bucket, c] of this.counts) if (c.window < window && c.pending === 0 && c.sending === 0) this.counts.delete(bucket);
  }
}

const globalForCounter = globalThis as unknown as { stockholdRequestCounter?: SharedRequestCounter };
const counter = (globalForCounter.stockholdRequestCounter ??= new SharedRequestCounter());

/** Counts one API request from `ip` (RATE_LIMIT_REQUESTS_PER_IP_PER_MINUTE; 0 = off). No database round trip. */
export function countRequestFromIp(ip: string, limit: number): void {
  if (limit <= 0) return;
  counter.hit(`ip:${ip}`, limit, "requests from your address");
}
