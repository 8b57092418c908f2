/** Shared set-up for the admin API tests: accounts, sign-in through Auth.js, and holds and orders to act on. */
import { afterAll, beforeAll, expect } from "vitest";
import { pool } from "@/db/client";
import { startCheckout } from "@/lib/checkout";
import { createAccount, type Shopper } from "@/lib/shoppers";
import { HttpClient, TEST_ADMIN_TOKEN, startApp, type RunningApp } from "../support/app-server";
import { payInFull, shopperWithCart } from "../support/fixtures";

export const ADMIN_TOKEN_HEADERS = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };
export const WRONG_TOKEN_HEADERS = { authorization: "Bearer not-the-admin-token" };

/**
 * Starts the app for this test file and answers with a client that sends the admin API token; stops the app and
 * the pool after the file.
 */
export function adminApiForFile() {
  let app: RunningApp | undefined;
  let client: HttpClient | undefined;
  beforeAll(async () => {
    app = await startApp();
    client = new HttpClient(app.baseUrl);
  });
  afterAll(async () => {
    await app?.stop();
    await pool.end();
  });
  const ready = () => {
    if (!app || !client) throw new Error("the app is not started yet");
    return { app, client };
  };
  return {
    baseUrl: () => ready().app.baseUrl,
    get: (path: string) => ready().client.get(path, ADMIN_TOKEN_HEADERS),
    post: (path: string, json?: unknown) => ready().client.post(path, json, ADMIN_TOKEN_HEADERS),
    request: (method: string, path: string, options: { body?: string; headers?: Record<string, string> }) =>
      ready().client.request(method, path, { ...options, headers: { ...ADMIN_TOKEN_HEADERS, ...options.headers } }),
  };
}

let accounts = 0;

/** A new account of this kind with a known password. */
export async function makeAccount(kind: "admin" | "shopper"): Promise<Shopper & { password: string }> {
  accounts += 1;
  const password = `pw-${kind}-${accounts}-${Math.random().toString(36).slice(2)}`;
  const account = await createAccount({
    email: `${kind}-${accounts}-${Math.random().toString(36).slice(2, 8)}@example.test`,
    password,
    kind,
  });
  return { ...account, password };
}

/** Signs in the way a browser does: csrf token, then the credentials callback; the client keeps the cookie. */
export async function signIn(baseUrl: string, account: { email: string | null; password: string }): Promise<HttpClient> {
  const client = new HttpClient(baseUrl);
  const csrf = await client.get<{ csrfToken: string }>("/api/auth/csrf");
  expect(csrf.status).toBe(200);
  const form = new URLSearchParams({
    csrfToken: csrf.body.csrfToken,
    email: account.email ?? "",
    password: account.password,
    callbackUrl: `${baseUrl}/admin`,
  });
  const response = await client.request("POST", "/api/auth/callback/credentials", {
    body: form.toString(),
    headers: { "content-type": "application/x-www-form-urlencoded" },
  });
  expect(response.status).toBe(302);
  expect(response.headers.get("location") ?? "").not.toContain("error");
  expect(client.cookie("authjs.session-token")).toBeTruthy();
  return client;
}

/** A guest shopper holding `quantity` of the product in an active checkout. */
export async function guestHolding(productId: string, quantity: number) {
  const shopper = await shopperWithCart([{ productId, quantity }]);
  const { checkout } = await startCheckout(shopper, { email: shopper.email });
  return { shopper, checkout };
}

/** A paid order for `quantity` of the product. */
export async function paidOrder(productId: string, quantity: number) {
  const { shopper, checkout } = await guestHolding(productId, quantity);
  const order = await payInFull({
    checkoutId: checkout.id,
    shopperId: shopper.id,
    cardNumber: "4242424242424242",
    idempotencyKey: `order-${checkout.id}`,
  });
  return { shopper, checkout, order };
}
