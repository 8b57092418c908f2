/**
 * `npm run reconcile` on a live database: exit 0 when every level equals the ledger and every invariant holds,
 * 1 with a report naming the problem when anything drifted, 2 when it cannot check at all.
 */
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApp, type RunningApp } from "../support/app-server";
import { runReconcileCli } from "./support";
import { seedProducts, type SeededProduct } from "../support/products";
import { HttpClient } from "../support/http";

const url = process.env.DATABASE_URL!;
const sql = postgres(url, { max: 2, onnotice: () => {} });
let app: RunningApp;
let products: SeededProduct[];
let activeCheckout: string;
let paidCheckout: string;

beforeAll(async () => {
  app = await startApp();
  products = await seedProducts(url, [
    { slug: "reconcile-a", priceCents: 1000, onHand: 10 },
    { slug: "reconcile-b", priceCents: 2000, onHand: 4 },
  ]);
  // A shop in business: a paid order, a cancelled checkout and one still holding stock.
  const shopper = new HttpClient(app.baseUrl);
  await shopper.send("PUT", `/api/cart/lines/${products[0]!.id}`, { quantity: 2 });
  const paid = await shopper.send("POST", "/api/checkout", { email: "reconcile@example.test" });
  paidCheckout = paid.body.checkout.id;
  expect((await shopper.send("POST", `/api/checkout/${paidCheckout}/pay`, { cardNumber: "4242424242424242" }, { "Idempotency-Key": "reconcile-1" })).status).toBe(200);
  await shopper.send("PUT", `/api/cart/lines/${products[1]!.id}`, { quantity: 3 });
  const cancelled = await shopper.send("POST", "/api/checkout", { email: "reconcile@example.test" });
  expect((await shopper.send("POST", `/api/checkout/${cancelled.body.checkout.id}/cancel`)).status).toBe(200);
  const active = await shopper.send("POST", "/api/checkout", { email: "reconcile@example.test" });
  expect(active.status).toBe(201);
  activeCheckout = active.body.checkout.id;
});

afterAll(async () => {
  await app?.stop();
  await sql.end();
});

describe("npm run reconcile", () => {
  it("exits 0 on a consistent shop", async () => {
    const { code, output } = await runReconcileCli(url);
    expect(output).toMatch(/OK: every level equals the ledger/);
    expect(output).not.toContain(":stockhold@"); // the password is masked
    expect(code, output).toBe(0);
  });

  it("exits 1 and names the problem when a level drifts from the ledger", async () => {
    const product = products[1]!;
    await sql`update stock_levels set on_hand = on_hand + 5 where product_id = ${product.id}`;
    try {
      const { code, output } = await runReconcileCli(url);
      expect(code, output).toBe(1);
      expect(output).toMatch(/DRIFT/);
      expect(output).toContain(product.id);
      expect(output).toMatch(/on hand 9 but ledger says 4/);
    } finally {
      await sql`update stock_levels set on_hand = on_hand - 5 where product_id = ${product.id}`;
    }
    expect((await runReconcileCli(url)).code).toBe(0);
  });

  it("exits 1 for records that disagree: a hold left active on an ended checkout, an order of an open checkout", async () => {
    await sql`update checkouts set status = 'cancelled', ended_by = 'shopper' where id = ${activeCheckout}`;
    await sql`update checkouts set status = 'active', ended_by = null where id = ${paidCheckout}`;
    try {
      const { code, output } = await runReconcileCli(url);
      expect(code, output).toBe(1);
      expect(output).toMatch(/\[active holds belong to live checkouts\].*active hold on a checkout that is cancelled/);
      expect(output).toMatch(/\[a completed checkout has exactly one order, and only it\].*order of a checkout that is active/);
    } finally {
      // One active checkout per cart: end the wrongly reopened one first.
      await sql`update checkouts set status = 'completed', ended_by = 'payment' where id = ${paidCheckout}`;
      await sql`update checkouts set status = 'active', ended_by = null where id = ${activeCheckout}`;
    }
    expect((await runReconcileCli(url)).code).toBe(0);
  });

  it("exits 2 when it cannot reach the database", async () => {
    const { code, output } = await runReconcileCli("postgres://nobody:secret@127.0.0.1:1/nothing");
    expect(code, output).toBe(2);
    expect(output).toMatch(/reconcile could not run/);
    expect(output).not.toContain("secret");
  });
});
