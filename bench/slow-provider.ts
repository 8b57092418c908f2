/**
 * `npm run bench:slow-provider`: a slow payment provider is not an outage. With the slow test card answering after
 * 3 s and 24 payments waiting on it in one app server, 40 other shoppers browse, add to cart, start checkout and
 * call the health check; this prints their latencies (p50, p99, max), the 5xx count and whether every payment
 * succeeded, and saves bench/results/slow-provider-<start time>.json. All load goes to 127.0.0.1.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import postgres from "postgres";
import { startApp } from "../tests/support/app-server";
import { ensureBuild } from "../tests/support/build";
import { HttpClient } from "../tests/support/http";
import { prepareBenchDatabase } from "./database";
import { createProducts } from "./fixtures";
import { percentile, round1 } from "./load";
import { describeMachine } from "./machine";

const STALL_MS = 3_000;
const PAYMENTS = 24;
const SHOPPERS = 40;
const log = (line: string) => console.log(line);

async function main(): Promise<void> {
  const started = new Date();
  ensureBuild(log);
  const database = await prepareBenchDatabase(log);
  const sql = postgres(database.url, { max: 2, onnotice: () => {} });
  const load = os.loadavg()[0] ?? 0;
  const app = await startApp({ DATABASE_URL: database.url, PAYMENT_TEST_STALL_MS: String(STALL_MS), LOG_LEVEL: "warn" });
  try {
    const [paid, other] = [(await createProducts(sql, "paid", 1, PAYMENTS))[0]!, (await createProducts(sql, "other", 1, SHOPPERS))[0]!];
    const payers = await Promise.all(
      Array.from({ length: PAYMENTS }, async () => {
        const client = new HttpClient(app.baseUrl);
        await client.post("/api/cart/lines", { productId: paid, quantity: 1 });
        const checkout = await client.post("/api/checkout", { email: "payer@example.test" });
        return { client, checkoutId: checkout.body.checkout.id as string };
      }),
    );
    const payments = Promise.all(
      payers.map(({ client, checkoutId }) =>
        client.post(`/api/checkout/${checkoutId}/pay`, { cardNumber: "4000000000000077" }, { "Idempotency-Key": `slow-${checkoutId}` }),
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, 500)); // every payment is with the provider now

    const latencies: number[] = [];
    const statuses: number[] = [];
    const track = async (send: () => Promise<{ status: number; ms: number }>) => {
      const answer = await send();
      latencies.push(answer.ms);
      statuses.push(answer.status);
    };
    await Promise.all(
      Array.from({ length: SHOPPERS }, async () => {
        const shopper = new HttpClient(app.baseUrl);
        await track(() => shopper.get("/api/products"));
        await track(() => shopper.post("/api/cart/lines", { productId: other, quantity: 1 }));
        await track(() => shopper.post("/api/checkout", { email: "browser@example.test" }));
        await track(() => shopper.get("/api/health"));
      }),
    );
    const paidAnswers = await payments;
    const sorted = [...latencies].sort((a, b) => a - b);
    const report = {
      startedAt: started.toISOString(),
      machine: describeMachine(),
      loadAverageAtStart: round1(load),
      settings: { stallMs: STALL_MS, payments: PAYMENTS, shoppers: SHOPPERS, requests: latencies.length },
      others: {
        p50Ms: round1(percentile(sorted, 50)),
        p99Ms: round1(percentile(sorted, 99)),
        maxMs: round1(sorted.at(-1) ?? NaN),
        fiveHundreds: statuses.filter((s) => s >= 500).length,
      },
      payments: {
        succeeded: paidAnswers.filter((a) => a.status === 200).length,
        minMs: round1(Math.min(...paidAnswers.map((a) => a.ms))),
        maxMs: round1(Math.max(...paidAnswers.map((a) => a.ms))),
      },
    };
    const file = path.join(process.cwd(), "bench", "results", `slow-provider-${started.toISOString().replace(/[:.]/g, "-")}.json`);
    fs.writeFileSync(file, JSON.stringify(report, null, 2) + "\n");
    log(
      `other shoppers: ${report.settings.requests} requests, p50 ${report.others.p50Ms} ms, p99 ${report.others.p99Ms} ms, ` +
        `max ${report.others.maxMs} ms, 5xx ${report.others.fiveHundreds}; payments: ${report.payments.succeeded}/${PAYMENTS} ` +
        `succeeded in ${report.payments.minMs}–${report.payments.maxMs} ms\nsaved ${path.relative(process.cwd(), file)}`,
    );
  } finally {
    await app.stop();
    await sql.end();
    await database.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
