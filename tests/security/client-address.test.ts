/**
 * Whose address a per-address limit counts. X-Forwarded-For is written by the client, so by default
 * (TRUSTED_PROXY_HOPS=0) the shop counts the connection's own address and a made-up header per request changes
 * nothing: not for the API limit, sign-in attempts, order lookups or back-in-stock requests. Behind N trusted
 * proxies (TRUSTED_PROXY_HOPS=N) the client is the entry N places from the right; whatever the client wrote left
 * of it changes nothing either.
 */
import { randomUUID } from "node:crypto";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pool } from "@/db/client";
import { startApp, type RunningApp } from "../support/app-server";
import { awayFromWindowEdge } from "../faults/support";
import { makeProduct } from "../support/fixtures";
import { HttpClient, signIn, type Answer } from "../support/http";

const url = process.env.DATABASE_URL!;
const sql = postgres(url, { max: 2, onnotice: () => {} });
const API_LIMIT = 5;
const SIGNIN_LIMIT = 3;
const LOOKUP_LIMIT = 3;
/** lib/back-in-stock.ts: back-in-stock requests per address per minute. */
const NOTIFY_LIMIT = 20;

afterAll(async () => {
  await sql.end();
  await pool.end();
});

let made = 0;
/** A different made-up address every time. */
const madeUp = () => `10.${++made % 250}.${Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}`;

function expectRateLimited(answer: Answer): void {
  expect({ status: answer.status, code: answer.body?.error?.code }).toEqual({ status: 429, code: "rate_limited" });
  expect(Number(answer.headers.get("retry-after"))).toBeGreaterThan(0);
}

describe("by default (TRUSTED_PROXY_HOPS=0): the connection's address, the header ignored", () => {
  let api: RunningApp;
  let app: RunningApp;
  beforeAll(async () => {
    [api, app] = await Promise.all([
      startApp({ RATE_LIMIT_REQUESTS_PER_IP_PER_MINUTE: String(API_LIMIT) }),
      startApp({ RATE_LIMIT_SIGNINS_PER_IP_PER_MINUTE: String(SIGNIN_LIMIT), RATE_LIMIT_ORDER_LOOKUPS_PER_MINUTE: String(LOOKUP_LIMIT) }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([api?.stop(), app?.stop()]);
  });

  it("a fresh X-Forwarded-For (or X-Real-IP) per request does not beat the API limit", async () => {
    await awayFromWindowEdge(sql);
    // The test's own requests all come from 127.0.0.1, and startApp's readiness checks (as many as a slow start
    // took) counted there too: the limit is met within API_LIMIT + 1 requests, however each is dressed.
    const statuses: number[] = [];
    for (let i = 0; i <= API_LIMIT; i += 1) {
      statuses.push((await new HttpClient(api.baseUrl).get("/api/products", { "x-forwarded-for": madeUp() })).status);
    }
    expect(statuses.at(-1)).toBe(429);
    expect(statuses.slice(statuses.indexOf(429))).toEqual(Array(statuses.length - statuses.indexOf(429)).fill(429));
    expectRateLimited(await new HttpClient(api.baseUrl).get("/api/products", { "x-forwarded-for": madeUp() }));
    expectRateLimited(await new HttpClient(api.baseUrl).get("/api/products", { "x-forwarded-for": `${madeUp()}, ${madeUp()}` }));
    expectRateLimited(await new HttpClient(api.baseUrl).get("/api/products", { "x-real-ip": madeUp() }));
  });

  it("nor the sign-in limit per address", async () => {
    await awayFromWindowEdge(sql);
    const attempt = () =>
      signIn(new HttpClient(app.baseUrl), { email: `nobody-${randomUUID().slice(0, 8)}@example.test`, password: "guess" }, { "x-forwarded-for": madeUp() });
    for (let i = 0; i < SIGNIN_LIMIT; i += 1) {
      const refused = await attempt();
      expect({ status: refused.status, location: refused.headers.get("location") }).toMatchObject({
        status: 302,
        location: expect.stringMatching(/error=CredentialsSignin&code=credentials/),
      });
    }
    expectRateLimited(await attempt());
  });

  it("nor the order-lookup limit per address", async () => {
    await awayFromWindowEdge(sql);
    const lookup = () =>
      new HttpClient(app.baseUrl).post(
        "/api/orders/lookup",
        { email: `someone-${randomUUID().slice(0, 8)}@example.test`, orderNumber: "0badc0de" },
        { "x-forwarded-for": madeUp() },
      );
    for (let i = 0; i < LOOKUP_LIMIT; i += 1) expect((await lookup()).status).toBe(404);
    expectRateLimited(await lookup());
  });

  it("nor the back-in-stock limit per address", async () => {
    await awayFromWindowEdge(sql);
    const product = await makeProduct(0);
    const notify = (i: number) =>
      new HttpClient(app.baseUrl).post(`/api/products/${product.slug}/notify`, { email: `list-${i}@example.test` }, { "x-forwarded-for": madeUp() });
    for (let i = 0; i < NOTIFY_LIMIT; i += 1) expect((await notify(i)).status).toBe(201);
    expectRateLimited(await notify(NOTIFY_LIMIT));
  });
});

describe("behind one trusted proxy (TRUSTED_PROXY_HOPS=1): the proxy's entry, the rightmost", () => {
  let proxied: RunningApp;
  beforeAll(async () => {
    proxied = await startApp({
      TRUSTED_PROXY_HOPS: "1",
      RATE_LIMIT_REQUESTS_PER_IP_PER_MINUTE: String(API_LIMIT),
      RATE_LIMIT_SIGNINS_PER_IP_PER_MINUTE: String(SIGNIN_LIMIT),
    });
  });
  afterAll(async () => {
    await proxied?.stop();
  });

  it("counts the address the proxy appended, whatever the client wrote before it; other clients go on", async () => {
    await awayFromWindowEdge(sql);
    const client = "203.0.113.50";
    const statuses: number[] = [];
    for (let i = 0; i < API_LIMIT; i += 1) {
      // What a client sends, then what the proxy appends.
      const forwarded = i % 2 === 0 ? `${madeUp()}, ${client}` : client;
      statuses.push((await new HttpClient(proxied.baseUrl).get("/api/products", { "x-forwarded-for": forwarded })).status);
    }
    expect(statuses).toEqual(Array(API_LIMIT).fill(200));
    expectRateLimited(await new HttpClient(proxied.baseUrl).get("/api/products", { "x-forwarded-for": `${madeUp()}, ${client}` }));
    // Another client behind the same proxy goes on. (A request without the header counts as the connection's
    // address, 127.0.0.1 here, which startApp's readiness checks have used up: lib/client-address.test.ts.)
    expect((await new HttpClient(proxied.baseUrl).get("/api/products", { "x-forwarded-for": "203.0.113.51" })).status).toBe(200);
  });

  it("sign-in (through the proxy.ts pass as well) counts the same address", async () => {
    await awayFromWindowEdge(sql);
    const client = "203.0.113.60";
    const attempt = () =>
      signIn(
        new HttpClient(proxied.baseUrl),
        { email: `nobody-${randomUUID().slice(0, 8)}@example.test`, password: "guess" },
        { "x-forwarded-for": `${madeUp()}, ${client}` },
      );
    for (let i = 0; i < SIGNIN_LIMIT; i += 1) expect((await attempt()).status).toBe(302);
    expectRateLimited(await attempt());
    const other = await signIn(
      new HttpClient(proxied.baseUrl),
      { email: `nobody-${randomUUID().slice(0, 8)}@example.test`, password: "guess" },
      { "x-forwarded-for": "203.0.113.61" },
    );
    expect(other.status).toBe(302);
  });
});
