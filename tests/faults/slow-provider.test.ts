/**
 * A slow payment provider is not an outage: the provider call holds no transaction and no pooled connection,
 * so while 24 payments wait 3 s each on the provider, other shoppers browse, add to cart and start checkout,
 * every one of their requests answered before the first payment is, and every one of the 24 payments succeeds.
 * How fast they are served is measured by `npm run bench:slow-provider` (p50, p99, max), not here: on a slower
 * machine 160 requests at once take longer, whatever the provider does.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pool } from "@/db/client";
import { startApp, type RunningApp } from "../support/app-server";
import { HttpClient } from "../support/http";
import { levels, makeProduct } from "../support/fixtures";
import { CARDS, pay, shopperWithLines, startedCheckout } from "../api/shop-support";

const STALL_MS = 3_000;
const PAYMENTS = 24;
const SHOPPERS = 40;

let app: RunningApp;

beforeAll(async () => {
  app = await startApp({ PAYMENT_TEST_STALL_MS: String(STALL_MS) });
});

afterAll(async () => {
  await app?.stop();
  await pool.end();
});

const p99 = (values: number[]) => [...values].sort((a, b) => a - b)[Math.ceil(values.length * 0.99) - 1]!;

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T; endedAt: number }> {
  const started = performance.now();
  const value = await work();
  const endedAt = performance.now();
  return { ms: endedAt - started, value, endedAt };
}

describe("24 payments waiting on a 3 s provider", () => {
  it("other shoppers browse, add to cart and start checkout, all answered (no 5xx) before any payment is; all 24 payments succeed", async () => {
    const paidProduct = await makeProduct(PAYMENTS, 2500);
    const otherProduct = await makeProduct(SHOPPERS, 900);
    const payers = await Promise.all(Array.from({ length: PAYMENTS }, () => shopperWithLines(app, [{ productId: paidProduct.id, quantity: 1 }])));
    const checkouts = await Promise.all(payers.map((client) => startedCheckout(client)));

    const payments = Promise.all(payers.map((client, i) => timed(() => pay(client, checkouts[i]!.id, CARDS.slow))));
    // Let every payment reach the provider before the other shoppers arrive.
    await new Promise((resolve) => setTimeout(resolve, 500));

    const statuses: number[] = [];
    const latencies: number[] = [];
    const track = async (request: () => Promise<{ status: number }>) => {
      const { ms, value } = await timed(request);
      latencies.push(ms);
      statuses.push(value.status);
      return value;
    };
    const shopperJourneys = Array.from({ length: SHOPPERS }, async () => {
      const shopper = new HttpClient(app.baseUrl);
      await track(() => shopper.get("/api/products"));
      await track(() => shopper.post("/api/cart/lines", { productId: otherProduct.id, quantity: 1 }));
      await track(() => shopper.post("/api/checkout", { email: "browser@example.test" }));
      await track(() => shopper.get("/api/health"));
    });
    const journeysTook = await timed(() => Promise.all(shopperJourneys));
    const paid = await payments;

    console.log(
      `Slow provider (${STALL_MS} ms, ${PAYMENTS} payments in flight): ${latencies.length} other requests, ` +
        `p99 ${Math.round(p99(latencies))} ms, max ${Math.round(Math.max(...latencies))} ms, all journeys done in ` +
        `${Math.round(journeysTook.ms)} ms; payments took ${Math.round(Math.min(...paid.map((p) => p.ms)))}–` +
        `${Math.round(Math.max(...paid.map((p) => p.ms)))} ms`,
    );
    expect(statuses.filter((s) => s >= 500)).toEqual([]);
    expect(statuses.sort()).toEqual([...Array(SHOPPERS).fill(200), ...Array(SHOPPERS).fill(200), ...Array(SHOPPERS).fill(200), ...Array(SHOPPERS).fill(201)].sort());
    // The shoppers were served while the payments were still with the provider: no request of theirs waited for a
    // payment to come back (a connection or a lock held across the provider call would make them wait for one).
    expect(journeysTook.endedAt).toBeLessThan(Math.min(...paid.map((p) => p.endedAt)));
    expect(journeysTook.ms).toBeLessThan(STALL_MS);
    expect(paid.map((p) => p.value.status)).toEqual(Array(PAYMENTS).fill(200));
    expect(await levels(paidProduct.id)).toEqual({ on_hand: PAYMENTS, reserved: 0, allocated: PAYMENTS });
    expect(await levels(otherProduct.id)).toEqual({ on_hand: SHOPPERS, reserved: SHOPPERS, allocated: 0 });
  }, 120_000);
});
