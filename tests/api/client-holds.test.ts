/**
 * What one client address may hold over HTTP, however many shoppers (cookies) it makes up: a bot that sends no
 * cookies is a new shopper on every request, so the per-shopper limits mean nothing to it. Units of one product
 * per address per hour and new checkouts per address per hour are bounded, counted in the database, so the
 * bound holds across app servers; a family behind one router never meets it. The apps stand behind one trusted
 * proxy (TRUSTED_PROXY_HOPS=1), whose X-Forwarded-For entry the tests write.
 */
import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db, pool } from "@/db/client";
import { reconcileStock } from "@/lib/inventory";
import { startApp, type RunningApp } from "../support/app-server";
import { levels, makeProduct } from "../support/fixtures";
import { HttpClient, type Answer } from "../support/http";
import { callAction, serverActions } from "../faults/support";
import { sleep } from "../support/wait";

// The shop's defaults (RATE_LIMIT_UNITS_PER_IP_PER_PRODUCT_PER_HOUR: twice MAX_QUANTITY_PER_LINE).
const CHECKOUTS_PER_HOUR = 30;
const UNITS_PER_PRODUCT = 100;
const MAX_PER_LINE = 50;
let a: RunningApp;
let b: RunningApp;

beforeAll(async () => {
  const settings = {
    TRUSTED_PROXY_HOPS: "1",
    RATE_LIMIT_CHECKOUTS_PER_IP_PER_HOUR: String(CHECKOUTS_PER_HOUR),
    RATE_LIMIT_UNITS_PER_IP_PER_PRODUCT_PER_HOUR: String(UNITS_PER_PRODUCT),
  };
  [a, b] = await Promise.all([startApp(settings), startApp(settings)]);
});

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await pool.end();
});

/** The bounds count by the hour: a test that needs `seconds` does not straddle the hour's end. */
async function awayFromHourEdge(seconds = 45): Promise<void> {
  const [row] = await db.execute<{ left: number }>(sql`select (3600 - extract(epoch from clock_timestamp())::numeric % 3600)::float8 as left`);
  if (row!.left < seconds) await sleep(row!.left * 1000 + 500);
}

let nextAddress = 1;
/** A client address of its own for each test (as the proxy in front writes it). */
const freshAddress = () => `198.51.100.${nextAddress++}`;

/** A visitor without cookies from `address`, on server a or b. */
const visitorFrom = (address: string, server: RunningApp) => new HttpClient(server.baseUrl, 15_000, { "x-forwarded-for": address });

async function startWith(client: HttpClient, productId: string, quantity: number, email: string): Promise<Answer> {
  expect((await client.put(`/api/cart/lines/${productId}`, { quantity })).status).toBe(200);
  return client.post("/api/checkout", { email });
}

function expectRefusedFromNetwork(answer: Answer, message: RegExp): void {
  expect({ status: answer.status, code: answer.body?.error?.code }).toEqual({ status: 429, code: "rate_limited" });
  expect(answer.body.error.message).toMatch(message);
  const retryAfter = Number(answer.headers.get("retry-after"));
  expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 3600, `Retry-After ${retryAfter}`).toBe(true);
}

describe("per client address", () => {
  it("four cookie-less requests of 50 from one address cannot hold a product's 200 units; another address still gets units", async () => {
    await awayFromHourEdge();
    const product = await makeProduct(200);
    const bot = freshAddress();
    const answers: Answer[] = [];
    // Each request a new shopper (no cookies kept between them), on alternating app servers.
    for (let i = 0; i < 4; i += 1) {
      answers.push(await startWith(visitorFrom(bot, i % 2 === 0 ? a : b), product.id, MAX_PER_LINE, `bot-${i}@example.test`));
    }
    expect(answers.map((x) => x.status)).toEqual([201, 201, 429, 429]);
    for (const refused of answers.slice(2)) expectRefusedFromNetwork(refused, new RegExp(`Too many units of ${product.name} held from your network`));
    // A refused start holds nothing.
    expect(await levels(product.id)).toMatchObject({ on_hand: 200, reserved: UNITS_PER_PRODUCT });

    const shopper = visitorFrom(freshAddress(), b);
    const started = await startWith(shopper, product.id, 2, "real-shopper@example.test");
    expect(started.status).toBe(201);
    expect(started.body.checkout.lines).toMatchObject([{ productId: product.id, quantity: 2 }]);
    expect((await reconcileStock()).problems).toEqual([]);
  });

  it("a family behind one router, changing carts and clicking twice, is never refused", async () => {
    await awayFromHourEdge();
    const [tea, mugs] = await Promise.all([makeProduct(40), makeProduct(40)]);
    const home = freshAddress();
    const family = ["ann", "bo", "cy"].map((name, i) => ({ name, client: visitorFrom(home, i % 2 === 0 ? a : b) }));
    for (const { name, client } of family) {
      expect((await client.put(`/api/cart/lines/${mugs.id}`, { quantity: 2 })).status).toBe(200);
      expect((await startWith(client, tea.id, 3, `${name}@family.test`)).status).toBe(201);
      // Checkout again without a change: the same checkout.
      expect((await client.post("/api/checkout", { email: `${name}@family.test` })).status).toBe(200);
      // Back to the cart, one more, checkout again: a new hold, again and again.
      for (const quantity of [4, 5, 6]) {
        expect((await startWith(client, tea.id, quantity, `${name}@family.test`)).status).toBe(201);
      }
    }
    expect(await levels(tea.id)).toMatchObject({ reserved: 18 });
    expect(await levels(mugs.id)).toMatchObject({ reserved: 6 });
  });

  it(`at most ${CHECKOUTS_PER_HOUR} new checkouts an hour from one address, counted across app servers`, async () => {
    await awayFromHourEdge();
    const product = await makeProduct(1_000);
    const bot = freshAddress();
    const statuses: number[] = [];
    for (let i = 0; i < CHECKOUTS_PER_HOUR; i += 1) {
      statuses.push((await startWith(visitorFrom(bot, i % 2 === 0 ? a : b), product.id, 1, `many-${randomUUID().slice(0, 6)}@example.test`)).status);
    }
    expect(statuses).toEqual(Array(CHECKOUTS_PER_HOUR).fill(201));
    for (const server of [a, b]) {
      expectRefusedFromNetwork(await startWith(visitorFrom(bot, server), product.id, 1, "one-more@example.test"), /Too many checkouts started from your network/);
    }
    expect(await levels(product.id)).toMatchObject({ reserved: CHECKOUTS_PER_HOUR });
    // Another address is not affected.
    expect((await startWith(visitorFrom(freshAddress(), a), product.id, 1, "neighbour@example.test")).status).toBe(201);
  });

  it("the cart page's Checkout button (a server action) counts the same address", async () => {
    await awayFromHourEdge();
    const product = await makeProduct(200);
    const bot = freshAddress();
    const startCheckoutAction = serverActions().get("app/cart/actions.ts#startCheckoutAction")!;
    const states = [];
    for (let i = 0; i < 3; i += 1) {
      const visitor = visitorFrom(bot, i % 2 === 0 ? a : b);
      expect((await visitor.put(`/api/cart/lines/${product.id}`, { quantity: MAX_PER_LINE })).status).toBe(200);
      states.push((await callAction(visitor, "/cart", startCheckoutAction, { email: `form-bot-${i}@example.test` })).state);
    }
    // The first two are held (the action answers with a redirect to their checkout pages, no form state).
    expect(states.slice(0, 2)).toEqual([null, null]);
    expect(states[2]).toMatchObject({ ok: false, message: expect.stringMatching(new RegExp(`Too many units of ${product.name} held from your network`)) });
    // Another address through the same button still gets units (its address is not the bot's, nor the server's).
    const neighbour = visitorFrom(freshAddress(), b);
    expect((await neighbour.put(`/api/cart/lines/${product.id}`, { quantity: MAX_PER_LINE })).status).toBe(200);
    expect((await callAction(neighbour, "/cart", startCheckoutAction, { email: "form-neighbour@example.test" })).state).toBeNull();
    expect(await levels(product.id)).toMatchObject({ reserved: UNITS_PER_PRODUCT + MAX_PER_LINE });
  });
});
