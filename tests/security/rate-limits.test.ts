/**
 * Abuse limits, kept in PostgreSQL so they hold across app servers, answered with 429 and Retry-After and set
 * by the env vars of the contract (0 turns one off): checkout starts per shopper, API requests per address.
 * And the per-line quantity cap, so a bot cannot hold a product's whole stock in one line.
 */
import { randomUUID } from "node:crypto";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApp, type RunningApp } from "../support/app-server";
import { awayFromWindowEdge } from "../faults/support";
import { seedProducts, type SeededProduct } from "../support/products";
import { HttpClient, type Answer } from "../support/http";
import { sleep, until } from "../support/wait";

const url = process.env.DATABASE_URL!;
const sql = postgres(url, { max: 2, onnotice: () => {} });
const CHECKOUTS_PER_MINUTE = 3;
const REQUESTS_PER_IP = 20;
const MAX_PER_LINE = 50;
/** Two app servers on one database, as behind a load balancer. */
let appA: RunningApp;
let appB: RunningApp;
let unlimited: RunningApp;
let product: SeededProduct;

beforeAll(async () => {
  // Behind one load balancer, as a shop with two app servers is: its X-Forwarded-For entry, which the tests
  // write, is the client's address (lib/client-address.ts).
  const limits = {
    RATE_LIMIT_CHECKOUTS_PER_MINUTE: String(CHECKOUTS_PER_MINUTE),
    RATE_LIMIT_REQUESTS_PER_IP_PER_MINUTE: String(REQUESTS_PER_IP),
    TRUSTED_PROXY_HOPS: "1",
  };
  [appA, appB, unlimited] = await Promise.all([startApp(limits), startApp(limits), startApp({})]);
  [product] = (await seedProducts(url, [{ slug: `limits-${randomUUID().slice(0, 8)}`, priceCents: 300, onHand: 1_000 }])) as [SeededProduct];
});

afterAll(async () => {
  await Promise.all([appA?.stop(), appB?.stop(), unlimited?.stop()]);
  await sql.end();
});

/** A fresh address for each test, so one test's requests never count against another's. */
const freshIp = () => `10.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}`;

function expectRateLimited(answer: Answer): void {
  expect({ status: answer.status, code: answer.body?.error?.code }).toEqual({ status: 429, code: "rate_limited" });
  const retryAfter = Number(answer.headers?.get("retry-after"));
  expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`).toBe(true);
}

describe("checkout starts per shopper", () => {
  it(`allows ${CHECKOUTS_PER_MINUTE} a minute, then answers 429 with Retry-After; other shoppers go on`, async () => {
    await awayFromWindowEdge(sql);
    const bot = new HttpClient(appA.baseUrl, 15_000, { "x-forwarded-for": freshIp() });
    expect((await bot.send("PUT", `/api/cart/lines/${product.id}`, { quantity: 1 })).status).toBe(200);
    const statuses: number[] = [];
    for (let i = 0; i < CHECKOUTS_PER_MINUTE; i += 1) {
      const started = await bot.send("POST", "/api/checkout", { email: "bot@example.test" });
      statuses.push(started.status);
      // Cancel, so the next start really is a new hold.
      expect((await bot.send("POST", `/api/checkout/${started.body.checkout.id}/cancel`, {})).status).toBe(200);
    }
    expect(statuses).toEqual(Array(CHECKOUTS_PER_MINUTE).fill(201));
    // The limit holds on the other app server too: the count is in the database.
    bot.baseUrl = appB.baseUrl;
    expectRateLimited(await bot.send("POST", "/api/checkout", { email: "bot@example.test" }));
    const [held] = await sql<{ active: number; all: number }[]>`
      select count(*) filter (where status = 'active')::int as active, count(*)::int as all
      from checkouts where email = 'bot@example.test'`;
    expect(held).toEqual({ active: 0, all: CHECKOUTS_PER_MINUTE });

    const human = new HttpClient(appA.baseUrl, 15_000, { "x-forwarded-for": freshIp() });
    expect((await human.send("PUT", `/api/cart/lines/${product.id}`, { quantity: 1 })).status).toBe(200);
    expect((await human.send("POST", "/api/checkout", { email: "human@example.test" })).status).toBe(201);
  });
});

describe("API requests per address", () => {
  it(`allows ${REQUESTS_PER_IP} a minute from one address, then 429, and shares the count with other app servers within a second`, async () => {
    await awayFromWindowEdge(sql);
    const ip = freshIp();
    const statuses: number[] = [];
    // One server counts exactly, in memory: no database write per request. What the client wrote left of the
    // load balancer's entry is ignored.
    for (let i = 0; i < REQUESTS_PER_IP; i += 1) {
      const answer = await new HttpClient(appA.baseUrl).send("GET", "/api/products", undefined, { "x-forwarded-for": `${freshIp()}, ${ip}` });
      statuses.push(answer.status);
    }
    expect(statuses).toEqual(Array(REQUESTS_PER_IP).fill(200));
    expectRateLimited(await new HttpClient(appA.baseUrl).send("GET", "/api/products", undefined, { "x-forwarded-for": ip }));

    // Every server adds its counts to the shared row about once a second and learns the total from it: another
    // server lets through at most what it saw before its first flush, then refuses too.
    const sharedHits = async () =>
      (await sql<{ hits: number }[]>`select sum(hits)::int as hits from rate_limits where bucket = ${"ip:" + ip}`)[0]!.hits;
    const flushTook = await until("server A's counts in the shared row", async () => (await sharedHits()) >= REQUESTS_PER_IP + 1, 5_000);
    expect(flushTook, "a server adds its counts about once a second").toBeLessThan(2_500);
    expect(await sharedHits()).toBe(REQUESTS_PER_IP + 1);
    expect((await new HttpClient(appB.baseUrl).send("GET", "/api/products", undefined, { "x-forwarded-for": ip })).status).toBe(200);
    // Server B learns the total from its own flush's answer (a moment after the row shows its count).
    await until("server B's count in the shared row", async () => (await sharedHits()) >= REQUESTS_PER_IP + 2, 5_000);
    await sleep(200);
    expectRateLimited(await new HttpClient(appB.baseUrl).send("POST", "/api/cart/lines", { productId: product.id, quantity: 1 }, { "x-forwarded-for": ip }));

    // Other addresses are not affected, on either server.
    expect((await new HttpClient(appA.baseUrl).send("GET", "/api/products", undefined, { "x-forwarded-for": freshIp() })).status).toBe(200);
    expect((await new HttpClient(appB.baseUrl).send("GET", "/api/products", undefined, { "x-forwarded-for": freshIp() })).status).toBe(200);
    await until("server B's refused request in the shared row", async () => (await sharedHits()) >= REQUESTS_PER_IP + 3, 5_000);
    await sleep(200);
    expect(await sharedHits()).toBe(REQUESTS_PER_IP + 3);
  });

  it("is off when set to 0", async () => {
    const ip = freshIp();
    const statuses = new Set<number>();
    for (let i = 0; i < REQUESTS_PER_IP * 2; i += 1) {
      statuses.add((await new HttpClient(unlimited.baseUrl).send("GET", "/api/products", undefined, { "x-forwarded-for": ip })).status);
    }
    expect([...statuses]).toEqual([200]);
  });
});

describe("quantity per line", () => {
  it(`caps a cart line at ${MAX_PER_LINE}, however it is reached`, async () => {
    const bot = new HttpClient(unlimited.baseUrl);
    const tooMany = await bot.send("POST", "/api/cart/lines", { productId: product.id, quantity: MAX_PER_LINE + 1 });
    expect(tooMany.status).toBe(400);
    expect((await bot.send("PUT", `/api/cart/lines/${product.id}`, { quantity: MAX_PER_LINE + 1 })).status).toBe(400);
    expect((await bot.send("PUT", `/api/cart/lines/${product.id}`, { quantity: MAX_PER_LINE - 1 })).status).toBe(200);
    // Adding to a line may not push it past the cap either.
    const over = await bot.send("POST", "/api/cart/lines", { productId: product.id, quantity: 2 });
    expect(over.status).toBe(400);
    expect(over.body.error.code).toBe("quantity_limit");
    const cart = await bot.send("GET", "/api/cart");
    expect(cart.body.cart.lines.map((l: { quantity: number }) => l.quantity)).toEqual([MAX_PER_LINE - 1]);
    const started = await bot.send("POST", "/api/checkout", { email: "cap@example.test" });
    expect(started.status).toBe(201);
    expect(started.body.checkout.lines.map((l: { quantity: number }) => l.quantity)).toEqual([MAX_PER_LINE - 1]);
    const [biggest] = await sql<{ max: number }[]>`select max(quantity)::int as max from reservations`;
    expect(biggest!.max).toBe(MAX_PER_LINE - 1);
  });
});
