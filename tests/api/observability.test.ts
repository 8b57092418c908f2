/**
 * Observable in production: Prometheus metrics at GET /api/metrics behind METRICS_TOKEN that move with a flash
 * sale, an X-Request-Id on every answer, and JSON log lines on stdout that carry the request's id and no secrets.
 */
import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db, pool } from "@/db/client";
import { holdOutcomesLastHour } from "@/lib/inventory/hold-outcome-counts";
import { startApp, TEST_ADMIN_TOKEN, TEST_CRON_SECRET, type RunningApp } from "../support/app-server";
import { HttpClient } from "../support/http";
import { makeProduct } from "../support/fixtures";
import { CARDS, expectError, pay, shopperWithLines } from "./shop-support";

const METRICS_TOKEN = "test-metrics-token-0123456789";
let app: RunningApp;
let withoutToken: RunningApp;

beforeAll(async () => {
  [app, withoutToken] = await Promise.all([startApp({ METRICS_TOKEN, LOG_LEVEL: "info" }), startApp({ METRICS_TOKEN: "" })]);
});

afterAll(async () => {
  await Promise.all([app?.stop(), withoutToken?.stop()]);
  await pool.end();
});

async function scrape(): Promise<string> {
  const answer = await new HttpClient(app.baseUrl).get("/api/metrics", { authorization: `Bearer ${METRICS_TOKEN}` });
  expect(answer.status, answer.text).toBe(200);
  expect(answer.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
  return answer.text;
}

/** The value of one series (metric name with its labels exactly as exposed), 0 when it is not there yet. */
function valueOf(text: string, series: string): number {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

/** Every JSON log line the app wrote so far. */
function logLines(of: RunningApp): Record<string, unknown>[] {
  return of.logs
    .join("")
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe("GET /api/metrics", () => {
  it("answers 401 without a token and 403 with a wrong one, in the contract's JSON error shape", async () => {
    const client = new HttpClient(app.baseUrl);
    expectError(await client.get("/api/metrics"), 401, "unauthenticated");
    expectError(await client.get("/api/metrics", { authorization: "Bearer wrong-token" }), 403, "forbidden");
    expectError(await client.get("/api/metrics", { authorization: `Bearer ${TEST_ADMIN_TOKEN}` }), 403, "forbidden");
  });

  it("with METRICS_TOKEN unset nobody may read them, whatever token is sent", async () => {
    const client = new HttpClient(withoutToken.baseUrl);
    expectError(await client.get("/api/metrics"), 401, "unauthenticated");
    expectError(await client.get("/api/metrics", { authorization: `Bearer ${METRICS_TOKEN}` }), 403, "forbidden");
    expectError(await client.get("/api/metrics", { authorization: "Bearer " }), 401, "unauthenticated");
  });

  it("moves with a flash sale: holds held and refused, batch sizes, payments, releases, expiries, HTTP latency", async () => {
    const before = await scrape();
    const product = await makeProduct(5, 1500);
    const shoppers = await Promise.all(Array.from({ length: 30 }, () => shopperWithLines(app, [{ productId: product.id, quantity: 1 }])));

    const answers = await Promise.all(shoppers.map((s, i) => s.post("/api/checkout", { email: `metrics-${i}@example.test` })));
    const winners = answers.flatMap((a, i) => (a.status === 201 ? [{ shopper: shoppers[i]!, checkoutId: a.body.checkout.id as string }] : []));
    expect(winners).toHaveLength(5);
    expect(answers.filter((a) => a.status === 409)).toHaveLength(25);

    expect((await pay(winners[0]!.shopper, winners[0]!.checkoutId, CARDS.pays)).status).toBe(200);
    expect((await pay(winners[1]!.shopper, winners[1]!.checkoutId, CARDS.declined)).status).toBe(402);
    expect((await winners[2]!.shopper.post(`/api/checkout/${winners[2]!.checkoutId}/cancel`)).status).toBe(200);
    await db.execute(sql`
      update reservations set expires_at = now() - interval '1 second'
      where checkout_id in (${winners[3]!.checkoutId}::uuid, ${winners[4]!.checkoutId}::uuid) and status = 'active'`);
    const cron = await new HttpClient(app.baseUrl).get("/api/cron/expire-reservations", { authorization: `Bearer ${TEST_CRON_SECRET}` });
    expect(cron.body).toMatchObject({ expired: 2, paymentsSettled: 0, notified: 0 });

    const after = await scrape();
    const moved = (series: string) => valueOf(after, series) - valueOf(before, series);
    expect(moved('stockhold_hold_requests_total{outcome="held"}')).toBe(5);
    expect(moved('stockhold_hold_requests_total{outcome="insufficient_stock"}')).toBe(25);
    // Every start went through a batch: the batch sizes add up to the 30 starts.
    expect(moved("stockhold_hold_batch_size_sum")).toBe(30);
    expect(moved("stockhold_hold_batch_size_count")).toBeGreaterThanOrEqual(1);
    expect(moved("stockhold_hold_batch_size_count")).toBeLessThanOrEqual(30);
    expect(moved("stockhold_hold_batch_duration_seconds_count")).toBe(moved("stockhold_hold_batch_size_count"));
    expect(moved('stockhold_payments_total{outcome="paid"}')).toBe(1);
    expect(moved('stockhold_payments_total{outcome="payment_declined"}')).toBe(1);
    // The declined payment and the cancel each released one hold; the cron expired two.
    expect(moved("stockhold_holds_released_total")).toBe(2);
    expect(moved("stockhold_holds_expired_total")).toBe(2);
    expect(moved('stockhold_http_request_duration_seconds_count{method="POST",route="/api/checkout",status="201"}')).toBe(5);
    expect(moved('stockhold_http_request_duration_seconds_count{method="POST",route="/api/checkout",status="409"}')).toBe(25);
    expect(moved('stockhold_http_request_duration_seconds_count{method="POST",route="/api/checkout/[id]/pay",status="200"}')).toBe(1);
    expect(moved("stockhold_db_pool_wait_seconds_count")).toBeGreaterThan(30);
    expect(after).toMatch(/^stockhold_process_cpu_seconds_total /m);

    // The admin dashboard's chart reads the same numbers, summed per minute in PostgreSQL (each server sends
    // its counts about once a second: give the last flush a moment).
    let lastHour = await holdOutcomesLastHour();
    for (let tries = 0; tries < 40 && lastHour.reduce((s, m) => s + m.held, 0) < 5; tries += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      lastHour = await holdOutcomesLastHour();
    }
    expect(lastHour).toHaveLength(60);
    expect(lastHour.reduce((sum, m) => sum + m.held, 0)).toBe(5);
    expect(lastHour.reduce((sum, m) => sum + m.refused, 0)).toBe(25);
  });
});

describe("request ids and logs", () => {
  it("every answer carries X-Request-Id: a fresh one, or the caller's own when it is sane", async () => {
    const client = new HttpClient(app.baseUrl);
    const ids = new Set<string>();
    for (const path of ["/api/health", "/api/products", "/api/cart", "/", "/admin", "/api/auth/session"]) {
      const answer = await client.get(path);
      const id = answer.headers.get("x-request-id");
      expect(id, path).toMatch(/^[A-Za-z0-9._:-]{8,128}$/);
      ids.add(id!);
    }
    expect(ids.size).toBe(6);

    const own = `lb-${randomUUID()}`;
    expect((await client.get("/api/products", { "x-request-id": own })).headers.get("x-request-id")).toBe(own);
    const hostile = "x\"}\n{\"level\":\"fatal";
    const replaced = (await client.request("GET", "/api/products", { headers: { "x-request-id": encodeURIComponent(hostile) } })).headers.get("x-request-id");
    expect(replaced).not.toContain("%");
    expect(replaced).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("log lines are JSON with the request's id, the outcome and its duration, and never a secret", async () => {
    const product = await makeProduct(2, 900);
    const shopper = await shopperWithLines(app, [{ productId: product.id, quantity: 1 }]);
    const checkoutId = `trace-${randomUUID()}`;
    const started = await shopper.post("/api/checkout", { email: "logs@example.test" }, { "x-request-id": checkoutId });
    expect(started.status).toBe(201);
    expect(started.headers.get("x-request-id")).toBe(checkoutId);
    const payId = `trace-${randomUUID()}`;
    const paid = await pay(shopper, started.body.checkout.id, CARDS.pays, `key-${randomUUID()}`);
    expect(paid.status).toBe(200);
    const other = await shopperWithLines(app, [{ productId: product.id, quantity: 1 }]);
    const held = await other.post("/api/checkout", { email: "logs-2@example.test" });
    const declined = await other.post(
      `/api/checkout/${held.body.checkout.id}/pay`,
      { cardNumber: CARDS.declined },
      { "Idempotency-Key": `key-${randomUUID()}`, "x-request-id": payId },
    );
    expect(declined.status).toBe(402);
    await new Promise((resolve) => setTimeout(resolve, 200)); // let stdout reach the test

    const lines = logLines(app);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line).toMatchObject({ level: expect.any(String), time: expect.any(String), msg: expect.any(String) });
    expect(lines.find((l) => l.requestId === checkoutId && l.event === "request")).toMatchObject({
      method: "POST",
      route: "/api/checkout",
      status: 201,
      ms: expect.any(Number),
    });
    expect(lines.find((l) => l.requestId === payId && l.event === "payment")).toMatchObject({ outcome: "payment_declined", ms: expect.any(Number) });
    expect(lines.find((l) => l.requestId === payId && l.event === "request")).toMatchObject({ route: "/api/checkout/[id]/pay" });
    expect(lines.some((l) => l.event === "hold_batch" && typeof l.batchSize === "number" && typeof l.ms === "number")).toBe(true);

    const everything = app.logs.join("");
    for (const secret of [CARDS.pays, CARDS.declined, TEST_ADMIN_TOKEN, TEST_CRON_SECRET, METRICS_TOKEN, "logs@example.test", "logs-2@example.test"]) {
      expect(everything).not.toContain(secret);
    }
  });
});
