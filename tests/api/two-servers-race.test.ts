/**
 * The README's "many app servers behind a load balancer stay correct": two `next start` processes on one
 * database, 40 shoppers racing over HTTP for the last 30 units (20 on each server, so both must win some), each shopper's requests spread over both servers.
 * Exactly 30 holds, 10 refusals that say nothing is left, and paying for the 30 sells exactly 30.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pool } from "@/db/client";
import { reconcileStock } from "@/lib/inventory";
import { startApp, type RunningApp } from "../support/app-server";
import { levels, makeProduct, sellUnits } from "../support/fixtures";
import { HttpClient } from "../support/http";

const SHOPPERS = 40;
// More units than one server's 20 shoppers could take: both servers must win some on the same stock row.
const LEFT = 30;
const SOLD = 3;
let servers: RunningApp[] = [];

beforeAll(async () => {
  servers = await Promise.all([startApp(), startApp()]);
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  await pool.end();
});

describe("two app servers, one database", () => {
  it(`${SHOPPERS} shoppers over HTTP race for the last ${LEFT} units: exactly ${LEFT} hold, the rest are told 0 are left`, async () => {
    const product = await makeProduct(LEFT + SOLD, 1500);
    await sellUnits(product.id, SOLD);
    const [a, b] = servers as [RunningApp, RunningApp];
    // Shopper i fills the cart on one server and starts checkout on the other: the identity cookie works on both.
    const shoppers = Array.from({ length: SHOPPERS }, (_, i) => new HttpClient(i % 2 === 0 ? a.baseUrl : b.baseUrl));
    for (const shopper of shoppers) {
      expect((await shopper.post("/api/cart/lines", { productId: product.id, quantity: 1 })).status).toBe(200);
    }
    shoppers.forEach((shopper, i) => (shopper.baseUrl = i % 2 === 0 ? b.baseUrl : a.baseUrl));

    const answers = await Promise.all(shoppers.map((s, i) => s.post("/api/checkout", { email: `race-${i}@example.test` })));

    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(LEFT);
    expect(statuses.filter((s) => s === 409)).toHaveLength(SHOPPERS - LEFT);
    for (const refused of answers.filter((r) => r.status === 409)) {
      expect(refused.body.error).toMatchObject({
        code: "insufficient_stock",
        lines: [{ productId: product.id, variantId: product.variantId, sku: product.slug.toUpperCase(), requested: 1, available: 0 }],
      });
    }
    expect(await levels(product.id)).toEqual({ on_hand: LEFT + SOLD, reserved: LEFT, allocated: SOLD });
    const byServer = [a, b].map((server) =>
      answers.filter((r, i) => r.status === 201 && shoppers[i]!.baseUrl === server.baseUrl).length,
    );
    console.log(`Two servers: holds granted ${byServer.join(" + ")}; refusals ${SHOPPERS - LEFT}`);
    expect(byServer[0]! + byServer[1]!).toBe(LEFT);
    expect(Math.min(...byServer)).toBeGreaterThanOrEqual(LEFT - SHOPPERS / 2);

    // The winners pay, each on the server it did not start on: exactly the last units are sold, once.
    const winners = shoppers.flatMap((s, i) => (answers[i]!.status === 201 ? [{ s, checkout: answers[i]!.body.checkout.id as string }] : []));
    winners.forEach(({ s }) => (s.baseUrl = s.baseUrl === a.baseUrl ? b.baseUrl : a.baseUrl));
    const paid = await Promise.all(
      winners.map(({ s, checkout }) =>
        s.post(`/api/checkout/${checkout}/pay`, { cardNumber: "4242424242424242" }, { "Idempotency-Key": randomUUID() }),
      ),
    );
    expect(paid.map((p) => p.status)).toEqual(Array(LEFT).fill(200));
    expect(await levels(product.id)).toEqual({ on_hand: LEFT + SOLD, reserved: 0, allocated: LEFT + SOLD });
    // A refused shopper trying again on either server is still refused: nothing is left.
    const loser = shoppers.find((_, i) => answers[i]!.status === 409)!;
    for (const server of [a, b]) {
      loser.baseUrl = server.baseUrl;
      expect((await loser.post("/api/checkout", { email: "again@example.test" })).status).toBe(409);
    }
    expect(await reconcileStock()).toMatchObject({ ok: true, problems: [] });
  });
});
