import { sql } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { db, pool } from "@/db/client";
import { consumeRateLimit, slidingRetryAfter } from "./rate-limit";

afterAll(() => pool.end());

describe("the sliding minute", () => {
  it("lets a hit through while this minute plus the previous minute's remaining share is within the limit", () => {
    expect(slidingRetryAfter(20, { hits: 20, previousHits: 0, elapsed: 10 })).toBe(0);
    expect(slidingRetryAfter(20, { hits: 10, previousHits: 20, elapsed: 30 })).toBe(0); // 10 + 20 × ½
  });

  it("refuses the 21st of a burst that straddles a minute boundary", () => {
    // 10 just before the boundary, 11 just after: 11 + 10 × (1 − 0.5 / 60) > 20.
    expect(slidingRetryAfter(20, { hits: 11, previousHits: 10, elapsed: 0.5 })).toBeGreaterThan(0);
  });

  it("says how long until the next hit would pass, no sooner", () => {
    const cases = [
      { hits: 11, previousHits: 10, elapsed: 0.5 },
      { hits: 21, previousHits: 0, elapsed: 5 },
      { hits: 25, previousHits: 40, elapsed: 50 },
      { hits: 5, previousHits: 60, elapsed: 1 },
    ];
    for (const counts of cases) {
      const wait = slidingRetryAfter(20, counts);
      expect(wait).toBeGreaterThan(0);
      // Simulate the next hit `wait` seconds later: it must pass.
      const at = counts.elapsed + wait;
      const next =
        at < 60
          ? counts.hits + 1 + counts.previousHits * (1 - at / 60)
          : 1 + (at < 120 ? counts.hits * (1 - (at - 60) / 60) : 0);
      expect(next, JSON.stringify(counts)).toBeLessThanOrEqual(20);
      // A second sooner it must not have been promised (within a whole second of rounding).
      const sooner = at - 1.0001;
      if (sooner > counts.elapsed) {
        const before =
          sooner < 60
            ? counts.hits + 1 + counts.previousHits * (1 - sooner / 60)
            : 1 + counts.hits * (1 - (sooner - 60) / 60);
        expect(before, JSON.stringify(counts)).toBeGreaterThan(20);
      }
    }
  });
});

describe("consumeRateLimit", () => {
  it("counts the previous minute's hits against this one", async () => {
    await consumeRateLimit("test:fresh", 20, "tries");
    // A flood in the previous minute outweighs any part of this one that is left.
    await db.execute(sql`
      insert into rate_limits (bucket, window_start, hits)
      values ('test:flooded', to_timestamp(floor(extract(epoch from now()) / 60) * 60 - 60), 1000000)`);
    const refused = await consumeRateLimit("test:flooded", 20, "tries").catch((error: unknown) => error);
    expect(refused).toMatchObject({ code: "rate_limited" });
    await expect(consumeRateLimit("test:fresh", 20, "tries")).resolves.toBeUndefined();
  });
});
