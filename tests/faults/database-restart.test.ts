/**
 * PostgreSQL stops and restarts under a steady load of checkouts, payments and cancels over HTTP.
 * While it is down every request gets a clear 503 (health too), nothing hangs, the app recovers by itself,
 * and afterwards the database agrees with everything the clients were told: no hold or order lost or doubled,
 * every level equal to the ledger (`npm run reconcile`).
 */
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApp, type RunningApp } from "../support/app-server";
import { OwnPostgres, runReconcileCli } from "./support";
import { seedProducts, type SeededProduct } from "../support/products";
import { HttpClient, type Answer } from "../support/http";
import { sleep } from "../support/wait";

const WARM_UP_MS = 3_000;
const OUTAGE_MS = 4_000;
const AFTER_MS = 4_000;
const SHOPPERS = 8;
/** A request that cannot be answered definitively within this long is a failure (a hang or a lasting outage). */
const GIVE_UP_MS = 45_000;

let pg: OwnPostgres;
let app: RunningApp;
let products: SeededProduct[];

beforeAll(async () => {
  pg = await OwnPostgres.create();
  products = await seedProducts(pg.url, [
    { slug: "restart-plenty-a", priceCents: 1200, onHand: 100_000 },
    { slug: "restart-plenty-b", priceCents: 700, onHand: 100_000 },
    { slug: "restart-plenty-c", priceCents: 2500, onHand: 100_000 },
    // Sells out during the run, so shortages (409) happen around the outage too.
    { slug: "restart-scarce", priceCents: 9900, onHand: 25 },
  ]);
  // The in-process sweep settles payments whose answer the outage swallowed (202 "confirming").
  app = await startApp({ DATABASE_URL: pg.url, EXPIRY_SWEEP_SECONDS: "1", PAYMENT_RECOVERY_AFTER_SECONDS: "1" });
});

afterAll(async () => {
  await app?.stop();
  await pg?.destroy();
});

interface Logged {
  at: number;
  op: string;
  status: number;
  code?: string;
  retryAfter?: string | null;
  error?: string;
  ms: number;
}

interface ToldCheckout {
  shopper: number;
  status: "active" | "completed" | "cancelled" | "failed";
  lines: Map<string, number>;
}

describe("PostgreSQL stopped and restarted under load", () => {
  it("answers 503 while it is down, recovers by itself, and loses or doubles nothing", async () => {
    const t0 = performance.now();
    const now = () => performance.now() - t0;
    const log: Logged[] = [];
    const violations: string[] = [];
    const toldCheckouts = new Map<string, ToldCheckout>();
    const toldOrders = new Map<string, { checkoutId: string; totalCents: number; lines: Map<string, number>; at: number }>();
    let downAt = Infinity;
    let upAt = Infinity;
    let loadEndsAt = Infinity;

    const record = (op: string, answer: Answer, startedAt: number) => {
      const entry: Logged = {
        at: startedAt,
        op,
        status: answer.status,
        code: answer.body?.error?.code,
        retryAfter: answer.headers?.get("retry-after"),
        error: answer.error,
        ms: answer.ms,
      };
      log.push(entry);
      if (answer.status === 0) violations.push(`${op}: no answer (${answer.error}) after ${Math.round(answer.ms)} ms`);
      else if (answer.status === 503) {
        if (entry.code !== "database_unavailable") violations.push(`${op}: 503 with code ${entry.code}`);
        if (!entry.retryAfter) violations.push(`${op}: 503 without Retry-After`);
      } else if (answer.status >= 500) violations.push(`${op}: ${answer.status} ${JSON.stringify(answer.body)}`);
    };

    /** Sends until the answer is definitive (not a 503 or a missing answer), like a well-behaved client. */
    const definitive = async (op: string, send: () => Promise<Answer>): Promise<Answer> => {
      const deadline = performance.now() + GIVE_UP_MS;
      for (;;) {
        const startedAt = now();
        const answer = await send();
        record(op, answer, startedAt);
        if (answer.status !== 0 && answer.status < 500) return answer;
        if (performance.now() > deadline) throw new Error(`${op} got no definitive answer within ${GIVE_UP_MS} ms`);
        await sleep(100 + Math.random() * 150);
      }
    };

    const pick = <T,>(items: T[]) => items[Math.floor(Math.random() * items.length)]!;

    const told = (id: string, shopper: number, status: ToldCheckout["status"], body?: { checkout?: { lines?: { productId: string; quantity: number }[] } }) => {
      const known = toldCheckouts.get(id);
      const lines = body?.checkout?.lines
        ? new Map(body.checkout.lines.map((l) => [l.productId, l.quantity]))
        : (known?.lines ?? new Map<string, number>());
      toldCheckouts.set(id, { shopper, status, lines });
    };

    async function startCheckout(shopper: HttpClient, index: number): Promise<string | null> {
      const answer = await definitive("start checkout", () =>
        shopper.send("POST", "/api/checkout", { email: `restart-${index}@example.test` }),
      );
      if (answer.status === 201 || answer.status === 200) {
        told(answer.body.checkout.id, index, "active", answer.body);
        return answer.body.checkout.id as string;
      }
      if (answer.status === 409 && answer.body?.error?.code === "insufficient_stock") {
        // Sold out: take the short lines out of the cart and carry on.
        for (const line of answer.body.error.lines as { productId: string }[]) {
          await definitive("remove sold-out line", () => shopper.send("PUT", `/api/cart/lines/${line.productId}`, { quantity: 0 }));
        }
        return null;
      }
      if (answer.status === 400 && answer.body?.error?.code === "empty_cart") return null;
      violations.push(`start checkout: unexpected ${answer.status} ${JSON.stringify(answer.body)}`);
      return null;
    }

    async function shopperLoop(index: number): Promise<void> {
      const shopper = new HttpClient(app.baseUrl);
      for (let iteration = 0; now() < loadEndsAt && iteration < 400; iteration += 1) {
        const product = pick(products);
        const quantity = 1 + Math.floor(Math.random() * 2);
        const put = await definitive("set cart line", () =>
          shopper.send("PUT", `/api/cart/lines/${product.id}`, { quantity }),
        );
        if (put.status !== 200) violations.push(`set cart line: ${put.status} ${JSON.stringify(put.body)}`);

        const checkoutId = await startCheckout(shopper, index);
        if (!checkoutId) continue;

        const roll = Math.random();
        if (roll < 0.65) {
          const card = roll < 0.55 ? "4242424242424242" : "4000000000000002";
          const key = `restart-${index}-${iteration}-${Math.random().toString(36).slice(2)}`;
          const paid = await definitive("pay", () =>
            shopper.send("POST", `/api/checkout/${checkoutId}/pay`, { cardNumber: card }, { "Idempotency-Key": key }),
          );
          if (paid.status === 200) {
            const order = paid.body.order;
            const lines = toldCheckouts.get(checkoutId)!.lines;
            toldOrders.set(order.id, { checkoutId, totalCents: order.totalCents, lines, at: now() });
            told(checkoutId, index, "completed");
            // The same key again is the same order, whatever happened in between.
            const again = await definitive("pay again", () =>
              shopper.send("POST", `/api/checkout/${checkoutId}/pay`, { cardNumber: card }, { "Idempotency-Key": key }),
            );
            if (again.body?.order?.id !== order.id) violations.push(`pay replay gave ${JSON.stringify(again.body)}`);
          } else if (paid.status === 402) {
            told(checkoutId, index, "failed");
          } else if (paid.status === 202) {
            // The provider's answer was lost in the outage: like the checkout page, wait for the sweep to settle it.
            const deadline = performance.now() + GIVE_UP_MS;
            let checkout = paid.body.checkout;
            while (checkout.status === "paying" && performance.now() < deadline) {
              await sleep(250);
              const read = await definitive("read checkout", () => shopper.send("GET", `/api/checkout/${checkoutId}`));
              checkout = read.body.checkout;
            }
            if (checkout.status === "completed") {
              toldOrders.set(checkout.orderId, { checkoutId, totalCents: checkout.totalCents, lines: toldCheckouts.get(checkoutId)!.lines, at: now() });
              told(checkoutId, index, "completed");
            } else if (checkout.status === "failed") {
              told(checkoutId, index, "failed");
            } else {
              violations.push(`pay: still ${checkout.status} after ${GIVE_UP_MS} ms`);
            }
          } else {
            violations.push(`pay: unexpected ${paid.status} ${JSON.stringify(paid.body)}`);
          }
        } else {
          const cancelled = await definitive("cancel", () => shopper.send("POST", `/api/checkout/${checkoutId}/cancel`));
          if (cancelled.status === 200 && cancelled.body.checkout.status === "cancelled") told(checkoutId, index, "cancelled");
          else violations.push(`cancel: unexpected ${cancelled.status} ${JSON.stringify(cancelled.body)}`);
        }
      }
      // Leave one checkout holding stock, to prove that holds survive the restart too.
      await definitive("set cart line", () => shopper.send("PUT", `/api/cart/lines/${products[0]!.id}`, { quantity: 1 }));
      await startCheckout(shopper, index);
    }

    // Health, polled throughout.
    const health: { at: number; ms: number; status: number; code?: string }[] = [];
    let polling = true;
    const poller = (async () => {
      const client = new HttpClient(app.baseUrl, 10_000);
      while (polling) {
        const at = now();
        const answer = await client.send("GET", "/api/health");
        health.push({ at, ms: answer.ms, status: answer.status, code: answer.body?.error?.code });
        await sleep(100);
      }
    })();

    loadEndsAt = Infinity;
    const shoppers = Array.from({ length: SHOPPERS }, (_, i) => shopperLoop(i));

    await sleep(WARM_UP_MS);
    downAt = now();
    await pg.stop();
    const stoppedAt = now();
    await sleep(OUTAGE_MS);
    const restartAt = now();
    await pg.start();
    upAt = now();
    loadEndsAt = upAt + AFTER_MS;
    await Promise.all(shoppers);
    polling = false;
    await poller;

    // ---- What happened while it was down.
    const during = log.filter((e) => e.at >= downAt && e.at <= upAt);
    const statusCounts = (entries: Logged[]) =>
      entries.reduce<Record<string, number>>((acc, e) => ((acc[String(e.status)] = (acc[String(e.status)] ?? 0) + 1), acc), {});
    const healthDuring = health.filter((h) => h.at >= stoppedAt && h.at <= upAt);
    // Answered entirely while PostgreSQL was fully down: these must all be clear 503s.
    const fullyDown = (e: { at: number; ms: number }) => e.at >= stoppedAt && e.at + e.ms <= restartAt;
    const firstHealthyAfter = health.find((h) => h.at >= upAt && h.status === 200);
    const firstLoadSuccessAfter = log.find((e) => e.at >= upAt && e.status >= 200 && e.status < 300);
    const slowest = Math.max(...log.map((e) => e.ms));

    // ---- What the database says.
    const sql = postgres(pg.url, { max: 1, onnotice: () => {} });
    const checkouts = await sql<{ id: string; status: string; shopper_id: string }[]>`select id, status, shopper_id from checkouts`;
    const reservations = await sql<{ checkout_id: string; product_id: string; quantity: number; status: string }[]>`
      select checkout_id, product_id, quantity, status from reservations`;
    const orders = await sql<{ id: string; checkout_id: string; total_cents: number; status: string }[]>`
      select id, checkout_id, total_cents, status from orders`;
    const levels = await sql<{ product_id: string; on_hand: number; reserved: number; allocated: number }[]>`
      select product_id, on_hand, reserved, allocated from stock_levels`;
    await sql.end();
    const reconcile = await runReconcileCli(pg.url);

    console.log(
      [
        "PostgreSQL restart under load:",
        `  requests: ${log.length} load + ${health.length} health; ${toldCheckouts.size} checkouts and ${toldOrders.size} orders told to clients`,
        `  outage: PostgreSQL down ${Math.round(upAt - downAt)} ms (stop took ${Math.round(stoppedAt - downAt)} ms)`,
        `  load requests during the outage: ${during.length} ${JSON.stringify(statusCounts(during))}`,
        `  health checks during the outage: ${healthDuring.length} ${JSON.stringify(statusCounts(healthDuring as Logged[]))}`,
        `  answered while fully down: ${log.filter(fullyDown).length} load ${JSON.stringify(statusCounts(log.filter(fullyDown)))}, ` +
          `${health.filter(fullyDown).length} health ${JSON.stringify(statusCounts(health.filter(fullyDown) as Logged[]))}`,
        `  recovery after restart: health 200 after ${firstHealthyAfter ? Math.round(firstHealthyAfter.at - upAt) : "never"} ms, ` +
          `first successful shopper request after ${firstLoadSuccessAfter ? Math.round(firstLoadSuccessAfter.at - upAt) : "never"} ms`,
        `  slowest answer: ${Math.round(slowest)} ms; violations: ${violations.length}`,
        `  reconcile (exit ${reconcile.code}): ${reconcile.output.trim().replace(/\n/g, "\n    ")}`,
      ].join("\n"),
    );

    // While it was down: clear 503s from the API and from health, and never a hang.
    expect(violations).toEqual([]);
    expect(during.length).toBeGreaterThan(0);
    expect(during.filter((e) => e.status === 503).length).toBeGreaterThan(0);
    expect(log.filter(fullyDown).length).toBeGreaterThan(0);
    expect(log.filter(fullyDown).filter((e) => e.status !== 503)).toEqual([]);
    expect(health.filter(fullyDown).length).toBeGreaterThan(0);
    expect(health.filter(fullyDown).filter((h) => h.status !== 503 || h.code !== "database_unavailable")).toEqual([]);
    expect(slowest).toBeLessThan(10_000);
    // Recovered by itself, quickly.
    expect(firstHealthyAfter).toBeDefined();
    expect(firstHealthyAfter!.at - upAt).toBeLessThan(5_000);
    expect(firstLoadSuccessAfter).toBeDefined();

    // Every checkout in the database was told to a client, with the state the client was last told.
    expect(new Set(checkouts.map((c) => c.id))).toEqual(new Set(toldCheckouts.keys()));
    for (const c of checkouts) expect(c.status, `checkout ${c.id}`).toBe(toldCheckouts.get(c.id)!.status);
    // Holds: the active ones are exactly what the clients hold.
    for (const [id, checkout] of toldCheckouts) {
      const rows = reservations.filter((r) => r.checkout_id === id);
      const expectedStatus = { active: "active", completed: "allocated", cancelled: "released", failed: "released" }[checkout.status];
      expect(checkout.lines.size, `lines of ${id}`).toBeGreaterThan(0);
      expect(new Map(rows.map((r) => [r.product_id, r.quantity])), `lines of ${id}`).toEqual(checkout.lines);
      expect(rows.map((r) => r.status), `holds of ${id}`).toEqual(rows.map(() => expectedStatus));
    }
    // Shoppers bought before the outage and again after the restart: the run proves recovery by paying.
    const ordersBefore = [...toldOrders.values()].filter((o) => o.at < downAt).length;
    const ordersAfter = [...toldOrders.values()].filter((o) => o.at > upAt).length;
    console.log(`  orders: ${ordersBefore} before the outage, ${ordersAfter} after the restart, ${toldOrders.size} in all`);
    expect(ordersBefore).toBeGreaterThan(0);
    expect(ordersAfter).toBeGreaterThan(0);
    // Orders: exactly those the clients were told, one per checkout.
    expect(new Set(orders.map((o) => o.id))).toEqual(new Set(toldOrders.keys()));
    for (const o of orders) {
      expect(o.checkout_id).toBe(toldOrders.get(o.id)!.checkoutId);
      expect(Number(o.total_cents)).toBe(toldOrders.get(o.id)!.totalCents);
    }
    // Levels: what is held and sold is what the clients hold and bought; nothing was oversold.
    for (const product of products) {
      const level = levels.find((l) => l.product_id === product.id)!;
      const sold = [...toldOrders.values()].reduce((sum, o) => sum + (o.lines.get(product.id) ?? 0), 0);
      const held = [...toldCheckouts.values()]
        .filter((c) => c.status === "active")
        .reduce((sum, c) => sum + (c.lines.get(product.id) ?? 0), 0);
      expect(level).toEqual({ product_id: product.id, on_hand: product.onHand, reserved: held, allocated: sold });
    }
    expect(reconcile.code, reconcile.output).toBe(0);
    expect(app.logs.join("")).not.toMatch(/unexpected error/);
  }, 180_000);
});
