/**
 * Who may use the admin API and pages. The rules (see lib/admin.ts):
 * - an admin session, or `Authorization: Bearer <ADMIN_API_TOKEN>`, passes;
 * - no credentials at all is 401 `unauthenticated`;
 * - a wrong bearer token is 403 `forbidden` (credentials were presented; they just do not grant access),
 *   and so is any bearer token while ADMIN_API_TOKEN is unset;
 * - a signed-in shopper is 403 `forbidden`.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pool } from "@/db/client";
import { startApp, type RunningApp } from "../support/app-server";
import { makeProduct } from "../support/fixtures";
import { ADMIN_TOKEN_HEADERS, WRONG_TOKEN_HEADERS, makeAccount } from "./admin-helpers";
import { HttpClient, signedInClient } from "../support/http";

const UNKNOWN_ID = "00000000-0000-4000-8000-000000000000";

/** Every admin endpoint, with a body that would be valid for it. */
const endpoints: { method: "GET" | "POST"; path: string; json?: unknown }[] = [
  { method: "GET", path: "/api/admin/stock" },
  { method: "POST", path: "/api/admin/products", json: { name: "Refused product", priceCents: 100, onHand: 1 } },
  { method: "POST", path: `/api/admin/stock/${UNKNOWN_ID}/adjust`, json: { delta: 1, reason: "restock" } },
  { method: "GET", path: "/api/admin/reservations?status=active" },
  { method: "POST", path: `/api/admin/reservations/${UNKNOWN_ID}/release` },
  { method: "GET", path: "/api/admin/orders" },
  { method: "POST", path: `/api/admin/orders/${UNKNOWN_ID}/fulfil` },
  { method: "GET", path: "/api/admin/movements" },
];

let app: RunningApp;
let anonymous: HttpClient;
let shopperSession: HttpClient;
let adminSession: HttpClient;

beforeAll(async () => {
  app = await startApp();
  anonymous = new HttpClient(app.baseUrl);
  const [admin, shopper] = await Promise.all([makeAccount("admin"), makeAccount("shopper")]);
  [adminSession, shopperSession] = await Promise.all([signedInClient(app.baseUrl, admin), signedInClient(app.baseUrl, shopper)]);
});

afterAll(async () => {
  await app?.stop();
  await pool.end();
});

const call = (client: HttpClient, endpoint: (typeof endpoints)[number], headers?: Record<string, string>) =>
  client.request(endpoint.method, endpoint.path, {
    headers,
    json: endpoint.method === "POST" ? (endpoint.json ?? {}) : undefined,
  });

describe("admin API refusals", () => {
  it.each(endpoints)("$method $path: 401 without credentials", async (endpoint) => {
    const response = await call(anonymous, endpoint);
    expect(response.status).toBe(401);
    expect(response.body.error.code).toBe("unauthenticated");
  });

  it.each(endpoints)("$method $path: 403 with a wrong bearer token", async (endpoint) => {
    const response = await call(anonymous, endpoint, WRONG_TOKEN_HEADERS);
    expect(response.status).toBe(403);
    expect(response.body.error.code).toBe("forbidden");
  });

  it.each(endpoints)("$method $path: 403 for a signed-in shopper", async (endpoint) => {
    const response = await call(shopperSession, endpoint);
    expect(response.status).toBe(403);
    expect(response.body.error.code).toBe("forbidden");
  });

  it("a wrong token is refused even alongside an admin session: the bearer header decides", async () => {
    const response = await adminSession.get("/api/admin/stock", WRONG_TOKEN_HEADERS);
    expect(response.status).toBe(403);
  });

  it("an Authorization header of another scheme counts as no credentials", async () => {
    const response = await anonymous.get("/api/admin/stock", { authorization: "Basic YWRtaW46YWRtaW4=" });
    expect(response.status).toBe(401);
  });

  it("refusals change nothing", async () => {
    const product = await makeProduct(5);
    const attempts = [
      anonymous.post(`/api/admin/stock/${product.id}/adjust`, { delta: -5, reason: "theft" }),
      anonymous.post(`/api/admin/stock/${product.id}/adjust`, { delta: -5, reason: "theft" }, WRONG_TOKEN_HEADERS),
      shopperSession.post(`/api/admin/stock/${product.id}/adjust`, { delta: -5, reason: "theft" }),
    ];
    expect((await Promise.all(attempts)).map((r) => r.status)).toEqual([401, 403, 403]);
    const stock = await anonymous.get("/api/admin/stock", ADMIN_TOKEN_HEADERS);
    expect(stock.body.products.find((p: { id: string }) => p.id === product.id)).toMatchObject({ onHand: 5, available: 5 });
  });
});

describe("admin API access", () => {
  it("an admin session signed in through Auth.js credentials may use it", async () => {
    const response = await adminSession.get("/api/admin/stock");
    expect(response.status).toBe(200);
    expect(Array.isArray(response.body.products)).toBe(true);
  });

  it("the admin API token may use it", async () => {
    const response = await anonymous.get("/api/admin/stock", ADMIN_TOKEN_HEADERS);
    expect(response.status).toBe(200);
  });

  it("an admin session's changes are recorded in the ledger under the admin", async () => {
    const product = await makeProduct(2);
    const response = await adminSession.post(`/api/admin/stock/${product.id}/adjust`, { delta: 3, reason: "delivery" });
    expect(response.status).toBe(200);
    const ledger = await adminSession.get(`/api/admin/movements?productId=${product.id}`);
    expect(ledger.body.movements[0]).toMatchObject({ kind: "receive", onHandDelta: 3, reason: "delivery" });
    expect(ledger.body.movements[0].actor.kind).toBe("admin");
    expect(ledger.body.movements[0].causedBy).toMatch(/^admin /);
  });
});

describe("admin pages", () => {
  it("send a visitor to sign in, and back afterwards", async () => {
    const response = await anonymous.get("/admin/holds");
    expect([302, 303, 307, 308]).toContain(response.status);
    const location = new URL(response.headers.get("location")!, app.baseUrl);
    expect(location.pathname).toBe("/signin");
    expect(location.searchParams.get("callbackUrl")).toMatch(/\/admin\/holds$/);
  });

  it("answer a signed-in shopper with 403", async () => {
    const response = await shopperSession.get("/admin");
    expect(response.status).toBe(403);
    expect(response.text).toContain("Admins only");
  });

  it("show an admin the stock dashboard", async () => {
    const product = await makeProduct(2);
    const response = await adminSession.get("/admin");
    expect(response.status).toBe(200);
    expect(response.text).toContain("<h1>Stock</h1>");
    expect(response.text).toContain(product.name);
  });

  it.each(["/admin/holds", "/admin/orders", "/admin/products", "/admin/ledger"])("show an admin %s", async (path) => {
    const response = await adminSession.get(path);
    expect(response.status).toBe(200);
  });
});

describe("without ADMIN_API_TOKEN", () => {
  let bare: RunningApp;

  beforeAll(async () => {
    bare = await startApp({ ADMIN_API_TOKEN: "" });
  });

  afterAll(async () => {
    await bare?.stop();
  });

  it("no bearer token is accepted, not even an empty one", async () => {
    const client = new HttpClient(bare.baseUrl);
    expect((await client.get("/api/admin/stock", ADMIN_TOKEN_HEADERS)).status).toBe(403);
    expect((await client.get("/api/admin/stock", { authorization: "Bearer " })).status).toBe(401);
    expect((await client.get("/api/admin/stock")).status).toBe(401);
  });
});
