/** Helpers for the shopper Store API tests: one HttpClient is one shopper (it keeps its cookies). */
import { randomUUID } from "node:crypto";
import { expect } from "vitest";
import { type RunningApp } from "../support/app-server";
import { HttpClient } from "../support/http";

export const CARDS = {
  pays: "4242424242424242",
  declined: "4000000000000002",
  insufficientFunds: "4000000000009995",
  slow: "4000000000000077",
  asyncPays: "4000000000003220",
  asyncDeclined: "4000000000003238",
} as const;

export interface CheckoutBody {
  id: string;
  status: "active" | "paying" | "completed" | "cancelled" | "failed" | "expired";
  endedBy?: "shopper" | "shop" | "payment" | "timeout";
  lines: { productId: string; quantity: number }[];
  totalCents: number;
  expiresAt: string;
  serverTime: string;
  orderId?: string;
}

/** A new shopper whose cart holds these lines, added over the API (which makes their guest identity). */
export async function shopperWithLines(app: RunningApp, lines: { productId: string; quantity: number }[]) {
  const client = new HttpClient(app.baseUrl);
  for (const line of lines) {
    const added = await client.post("/api/cart/lines", line);
    expect(added.status, added.text).toBe(200);
  }
  return client;
}

/** Starts checkout for this shopper (as a guest with an email) and returns the checkout. */
export async function startedCheckout(client: HttpClient, email = `guest-${randomUUID().slice(0, 8)}@example.test`) {
  const started = await client.post<{ checkout: CheckoutBody }>("/api/checkout", { email });
  expect(started.status, started.text).toBe(201);
  return started.body.checkout;
}

export function pay(client: HttpClient, checkoutId: string, cardNumber: string, key: string = randomUUID()) {
  return client.post(`/api/checkout/${checkoutId}/pay`, { cardNumber }, { "Idempotency-Key": key });
}

/** Every error answer has the contract's shape and never leaks internals. */
export function expectError(result: { status: number; body: unknown; text: string }, status: number, code: string) {
  expect(result.status, result.text).toBe(status);
  expect(result.body).toMatchObject({ error: { code, message: expect.any(String) } });
  expect(result.text).not.toMatch(/\bat \S+ \(|select |insert |update |postgres/i);
}
