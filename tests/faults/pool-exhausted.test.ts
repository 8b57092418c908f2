/**
 * Nothing waits without bound. With every pooled connection busy, a request waits briefly for one and then
 * gets 503 `database_unavailable` with Retry-After; a request stuck behind a lock held elsewhere is cut off by
 * lock_timeout with the same answer. Once the connection or lock is free again, requests succeed.
 */
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApp, type RunningApp } from "../support/app-server";
import { seedProducts, type SeededProduct } from "../support/products";
import { HttpClient, type Answer } from "../support/http";
import { sleep, until } from "../support/wait";

const STALL_MS = 4_000;
/** What the README promises: a request waits at most 2.5 s for a pooled connection; lock waits end at 5 s. */
const POOL_WAIT_MS = 2_500;
const LOCK_TIMEOUT_MS = 5_000;
const url = process.env.DATABASE_URL!;
const sql = postgres(url, { max: 2, onnotice: () => {} });
let app: RunningApp;
let products: SeededProduct[];

beforeAll(async () => {
  products = await seedProducts(url, [{ slug: "pool-kettle", priceCents: 6500, onHand: 20 }]);
  // One connection: one request stuck on a lock holds the whole pool (a slow payment no longer does).
  app = await startApp({ DATABASE_POOL_SIZE: "1", PAYMENT_TEST_STALL_MS: String(STALL_MS) });
});

afterAll(async () => {
  await app?.stop();
  await sql.end();
});

const unavailable = (answer: Answer) => ({
  status: answer.status,
  code: answer.body?.error?.code,
  retryAfter: answer.headers?.get("retry-after") ?? null,
});

describe("connection pool exhausted", () => {
  it("requests wait briefly, then get 503 with Retry-After; none hangs", async () => {
    const product = products[0]!;
    const reserved = await sql.reserve();
    let first: Promise<Answer> | undefined;
    try {
      // Another client holds a lock; one request waits on it, holding the app's only connection.
      await reserved`begin`;
      await reserved`lock table products in access exclusive mode`;
      first = new HttpClient(app.baseUrl).send("GET", `/api/products/${product.slug}`);
      await until("the request to wait on the lock with the only connection", async () => {
        const [row] = await sql<{ count: number }[]>`
          select count(*)::int as count from pg_stat_activity
          where datname = current_database() and wait_event_type = 'Lock'`;
        return row!.count > 0;
      });

      const others = [
        () => new HttpClient(app.baseUrl).send("GET", "/api/health"),
        () => new HttpClient(app.baseUrl).send("GET", "/api/products"),
        () => new HttpClient(app.baseUrl).send("PUT", `/api/cart/lines/${product.id}`, { quantity: 1 }),
        () => new HttpClient(app.baseUrl).send("GET", "/api/health"),
      ];
      const answers = await Promise.all(others.map((send) => send()));
      const times = answers.map((a) => Math.round(a.ms));
      console.log(`Pool exhausted: ${answers.length} requests answered ${JSON.stringify(answers.map((a) => a.status))} after ${JSON.stringify(times)} ms`);
      for (const answer of answers) {
        expect(unavailable(answer)).toEqual({ status: 503, code: "database_unavailable", retryAfter: expect.stringMatching(/^\d+$/) });
        // Waited the README's 2.5 s for a connection (not refused at once), and gave up long before the lock let go.
        expect(answer.ms).toBeGreaterThanOrEqual(POOL_WAIT_MS - 50);
        expect(answer.ms).toBeLessThan(POOL_WAIT_MS + 1_000);
      }
    } finally {
      await reserved`rollback`;
      reserved.release();
    }
    // The waiting request itself is unharmed, and the pool serves again once it is free.
    expect((await first!).status).toBe(200);
    const after = await new HttpClient(app.baseUrl).send("GET", "/api/products");
    expect(after.status).toBe(200);
  }, 60_000);

  it("a slow payment holds no connection: with a pool of one, other shoppers are served while it waits", async () => {
    const product = products[0]!;
    const payer = new HttpClient(app.baseUrl);
    expect((await payer.send("PUT", `/api/cart/lines/${product.id}`, { quantity: 1 })).status).toBe(200);
    const started = await payer.send("POST", "/api/checkout", { email: "pool@example.test" });
    expect(started.status).toBe(201);
    const slowPayment = payer.send(
      "POST",
      `/api/checkout/${started.body.checkout.id}/pay`,
      { cardNumber: "4000000000000077" },
      { "Idempotency-Key": `pool-${started.body.checkout.id}` },
    );
    await sleep(500);

    const answers = await Promise.all([
      new HttpClient(app.baseUrl).send("GET", "/api/health"),
      new HttpClient(app.baseUrl).send("GET", "/api/products"),
      new HttpClient(app.baseUrl).send("GET", `/api/products/${product.slug}`),
    ]);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    for (const answer of answers) expect(answer.ms).toBeLessThan(1_500);
    const paid = await slowPayment;
    expect(paid.status, JSON.stringify(paid.body)).toBe(200);
    expect(paid.ms).toBeGreaterThan(STALL_MS - 500);
  }, 60_000);

  it("a request stuck behind a lock held elsewhere is cut off by lock_timeout with 503", async () => {
    const product = products[0]!;
    // The usual pool here, so the wait ends at the lock rather than at the pool.
    const roomy = await startApp({});
    const reserved = await sql.reserve();
    try {
      // Another client (an operator's migration, say) holds a lock the request needs.
      await reserved`begin`;
      await reserved`lock table stock_levels in access exclusive mode`;
      const blocked = await new HttpClient(roomy.baseUrl).send("GET", `/api/products/${product.slug}`);
      console.log(`Lock held elsewhere: answered ${blocked.status} after ${Math.round(blocked.ms)} ms`);
      expect(unavailable(blocked)).toEqual({ status: 503, code: "database_unavailable", retryAfter: expect.stringMatching(/^\d+$/) });
      // lock_timeout is 5 s; the rest is one request's own work.
      expect(blocked.ms).toBeGreaterThanOrEqual(LOCK_TIMEOUT_MS - 50);
      expect(blocked.ms).toBeLessThan(LOCK_TIMEOUT_MS + 1_500);
    } finally {
      await reserved`rollback`;
      reserved.release();
    }
    const after = await new HttpClient(roomy.baseUrl).send("GET", `/api/products/${product.slug}`);
    await roomy.stop();
    expect(after.status).toBe(200);
  }, 60_000);
});
