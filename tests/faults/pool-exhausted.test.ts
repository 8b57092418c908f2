/**
 * Nothing waits without bound. With every pooled connection busy, a request waits briefly for one and then
 * gets 503 `database_unavailable` with Retry-After; a request stuck behind a lock held elsewhere is cut off by
 * lock_timeout with the same answer. Once the connection or lock is free again, requests succeed.
 */
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApp, type RunningApp } from "../support/app-server";
import { seedProducts, Shopper, sleep, type Answer, type SeededProduct } from "./support";

const STALL_MS = 4_000;
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

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const started = performance.now();
  while (!(await check())) {
    if (performance.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

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
      first = new Shopper(app.baseUrl).send("GET", `/api/products/${product.slug}`);
      await until("the request to wait on the lock with the only connection", async () => {
        const [row] = await sql<{ count: number }[]>`
          select count(*)::int as count from pg_stat_activity
          where datname = current_database() and wait_event_type = 'Lock'`;
        return row!.count > 0;
      });

      const others = [
        () => new Shopper(app.baseUrl).send("GET", "/api/health"),
        () => new Shopper(app.baseUrl).send("GET", "/api/products"),
        () => new Shopper(app.baseUrl).send("PUT", `/api/cart/lines/${product.id}`, { quantity: 1 }),
        () => new Shopper(app.baseUrl).send("GET", "/api/health"),
      ];
      const answers = await Promise.all(others.map((send) => send()));
      const times = answers.map((a) => Math.round(a.ms));
      console.log(`Pool exhausted: ${answers.length} requests answered ${JSON.stringify(answers.map((a) => a.status))} after ${JSON.stringify(times)} ms`);
      for (const answer of answers) {
        expect(unavailable(answer)).toEqual({ status: 503, code: "database_unavailable", retryAfter: expect.stringMatching(/^\d+$/) });
        // Waited for a connection (not refused at once), and gave up long before the lock let go.
        expect(answer.ms).toBeGreaterThan(1_500);
        expect(answer.ms).toBeLessThan(4_500);
      }
    } finally {
      await reserved`rollback`;
      reserved.release();
    }
    // The waiting request itself is unharmed, and the pool serves again once it is free.
    expect((await first!).status).toBe(200);
    const after = await new Shopper(app.baseUrl).send("GET", "/api/products");
    expect(after.status).toBe(200);
  }, 60_000);

  it("a slow payment holds no connection: with a pool of one, other shoppers are served while it waits", async () => {
    const product = products[0]!;
    const payer = new Shopper(app.baseUrl);
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
      new Shopper(app.baseUrl).send("GET", "/api/health"),
      new Shopper(app.baseUrl).send("GET", "/api/products"),
      new Shopper(app.baseUrl).send("GET", `/api/products/${product.slug}`),
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
      const blocked = await new Shopper(roomy.baseUrl).send("GET", `/api/products/${product.slug}`);
      console.log(`Lock held elsewhere: answered ${blocked.status} after ${Math.round(blocked.ms)} ms`);
      expect(unavailable(blocked)).toEqual({ status: 503, code: "database_unavailable", retryAfter: expect.stringMatching(/^\d+$/) });
      expect(blocked.ms).toBeGreaterThan(4_000); // lock_timeout is 5 s
      expect(blocked.ms).toBeLessThan(10_000);
    } finally {
      await reserved`rollback`;
      reserved.release();
    }
    const after = await new Shopper(roomy.baseUrl).send("GET", `/api/products/${product.slug}`);
    await roomy.stop();
    expect(after.status).toBe(200);
  }, 60_000);
});
