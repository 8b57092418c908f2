/**
 * The expiry cron: only a caller with `Authorization: Bearer <CRON_SECRET>` may run it (nobody while the secret
 * is unset); it releases every hold whose time is up and says how many. Also the in-process sweep.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { db } from "@/db/client";
import { getCheckout } from "@/lib/checkout";
import { reconcileStock } from "@/lib/inventory";
import { appForFile } from "../support/app-for-file";
import { TEST_CRON_SECRET, startApp, type RunningApp } from "../support/app-server";
import { HttpClient } from "../support/http";
import { levels, makeProduct, timeTravelHolds } from "../support/fixtures";
import { guestHolding } from "./admin-helpers";

const PATH = "/api/cron/expire-reservations";
const RIGHT = { authorization: `Bearer ${TEST_CRON_SECRET}` };

const app = appForFile();
let client: HttpClient;

beforeAll(() => {
  client = new HttpClient(app.baseUrl);
});

describe("cron refusals", () => {
  it.each([
    ["no Authorization header", {}],
    ["a wrong secret", { authorization: "Bearer wrong-secret" }],
    ["the secret with another scheme", { authorization: `Basic ${TEST_CRON_SECRET}` }],
    ["the secret without a scheme", { authorization: TEST_CRON_SECRET }],
    ["a prefix of the secret", { authorization: `Bearer ${TEST_CRON_SECRET.slice(0, -1)}` }],
  ])("401 with %s, for GET and POST, expiring nothing", async (_, headers: Record<string, string>) => {
    const product = await makeProduct(2);
    const { checkout } = await guestHolding(product.id, 2);
    await timeTravelHolds(checkout.id);
    for (const method of ["GET", "POST"]) {
      const response = await client.request(method, PATH, { headers });
      expect(response.status).toBe(401);
      expect(response.body.error.code).toBe("unauthenticated");
    }
    expect(await levels(product.id)).toMatchObject({ reserved: 2 });
  });
});

describe("cron run", () => {
  it("expires exactly the holds whose time is up and answers { expired: n }, by GET and by POST", async () => {
    const product = await makeProduct(10);
    const lapsed = await Promise.all([guestHolding(product.id, 1), guestHolding(product.id, 2), guestHolding(product.id, 1)]);
    const live = await guestHolding(product.id, 3);
    // Other files' holds cannot be here (each file has its own database), but the lapsed holds the refusal tests
    // above left can: sweep those first (exactly as many as the database has), so the count below is of these.
    const [leftovers] = await db.execute<{ count: number }>(
      sql`select count(*)::int as count from reservations where status = 'active' and expires_at <= now()`,
    );
    expect((await client.request("POST", PATH, { headers: RIGHT })).body).toEqual({ expired: leftovers!.count, paymentsSettled: 0, notified: 0, emails: { sent: 0, retrying: 0, failed: 0, kept: 0 } });
    await timeTravelHolds(lapsed.map((l) => l.checkout.id));
    const first = await client.request("GET", PATH, { headers: RIGHT });
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ expired: 3, paymentsSettled: 0, notified: 0, emails: { sent: 0, retrying: 0, failed: 0, kept: 0 } });

    const other = await makeProduct(4);
    const more = await Promise.all([guestHolding(other.id, 1), guestHolding(other.id, 1)]);
    await timeTravelHolds(more.map((m) => m.checkout.id));
    const second = await client.request("POST", PATH, { headers: RIGHT });
    expect(second.status).toBe(200);
    expect(second.body).toEqual({ expired: 2, paymentsSettled: 0, notified: 0, emails: { sent: 0, retrying: 0, failed: 0, kept: 0 } });

    const third = await client.request("GET", PATH, { headers: RIGHT });
    expect(third.body).toEqual({ expired: 0, paymentsSettled: 0, notified: 0, emails: { sent: 0, retrying: 0, failed: 0, kept: 0 } });

    expect(await levels(product.id)).toMatchObject({ on_hand: 10, reserved: 3 });
    expect(await levels(other.id)).toMatchObject({ on_hand: 4, reserved: 0 });
    expect((await getCheckout(live.checkout.id, live.shopper.id)).status).toBe("active");
    for (const { checkout, shopper } of [...lapsed, ...more]) {
      expect((await getCheckout(checkout.id, shopper.id)).status).toBe("expired");
    }
    expect((await reconcileStock()).problems).toEqual([]);
  });

  it("is safe to run concurrently: every stale hold is expired exactly once", async () => {
    const product = await makeProduct(20);
    const lapsed = await Promise.all(Array.from({ length: 8 }, () => guestHolding(product.id, 1)));
    await timeTravelHolds(lapsed.map((l) => l.checkout.id));
    const runs = await Promise.all(Array.from({ length: 4 }, () => client.request("POST", PATH, { headers: RIGHT })));
    expect(runs.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(runs.reduce((total, r) => total + r.body.expired, 0)).toBe(8);
    expect(await levels(product.id)).toMatchObject({ reserved: 0 });
    expect((await reconcileStock()).problems).toEqual([]);
  });
});

describe("with CRON_SECRET unset", () => {
  let bare: RunningApp;

  beforeAll(async () => {
    bare = await startApp({ CRON_SECRET: "" });
  });

  afterAll(async () => {
    await bare?.stop();
  });

  it("refuses everyone, whatever they send", async () => {
    const product = await makeProduct(1);
    const { checkout } = await guestHolding(product.id, 1);
    await timeTravelHolds(checkout.id);
    const anyone = new HttpClient(bare.baseUrl);
    for (const headers of [{}, RIGHT, { authorization: "Bearer " }, { authorization: "Bearer undefined" }]) {
      for (const method of ["GET", "POST"]) {
        expect((await anyone.request(method, PATH, { headers })).status).toBe(401);
      }
    }
    expect(await levels(product.id)).toMatchObject({ reserved: 1 });
  });
});

describe("the in-process sweep (instrumentation.ts)", () => {
  let sweeping: RunningApp;

  beforeAll(async () => {
    sweeping = await startApp({ EXPIRY_SWEEP_SECONDS: "1" });
  });

  afterAll(async () => {
    await sweeping?.stop();
  });

  it("releases holds whose time is up without anyone calling the cron", async () => {
    const product = await makeProduct(3);
    const { checkout, shopper } = await guestHolding(product.id, 3);
    await timeTravelHolds(checkout.id);
    const deadline = Date.now() + 15_000;
    // The sweep logs once its work is committed and the app's output has reached this process: wait for both.
    const swept = /expiry sweep: released \d+ holds? whose time was up/;
    while (((await levels(product.id)).reserved > 0 || !swept.test(sweeping.logs.join(""))) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(await levels(product.id)).toMatchObject({ on_hand: 3, reserved: 0 });
    expect((await getCheckout(checkout.id, shopper.id)).status).toBe("expired");
    expect(sweeping.logs.join("")).toMatch(/expiry sweep: released \d+ holds? whose time was up/);
  });
});
