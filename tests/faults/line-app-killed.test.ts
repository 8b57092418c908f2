/**
 * The app is killed (SIGKILL) between freeing a unit and offering it to the next in line. Freeing and offering are
 * one transaction, so the kill undoes both: the holder still holds the unit and the ticket still waits. When the
 * unit is freed again (after a restart the holder cancels again, or the hold lapses), it is freed and offered
 * together, once.
 */
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApp, type RunningApp } from "../support/app-server";
import { HttpClient } from "../support/http";
import { seedProducts, type SeededProduct } from "../support/products";
import { until } from "../support/wait";
import { runReconcileCli } from "./support";

const url = process.env.DATABASE_URL!;
const sql = postgres(url, { max: 2, onnotice: () => {} });
let app: RunningApp | undefined;
let product: SeededProduct;

beforeAll(async () => {
  [product] = (await seedProducts(url, [{ slug: "last-lantern", priceCents: 6400, onHand: 1 }])) as [SeededProduct];
});

afterAll(async () => {
  await app?.stop();
  await sql`drop trigger if exists line_fault_stall on queue_tickets`;
  await sql.end();
});

describe("app killed between freeing a unit and offering it", () => {
  it("frees nothing and offers nothing; the next freeing does both, once", async () => {
    app = await startApp();
    const holder = new HttpClient(app.baseUrl);
    const waiter = new HttpClient(app.baseUrl);
    for (const shopper of [holder, waiter]) expect((await shopper.send("PUT", `/api/cart/lines/${product.id}`, { quantity: 1 })).status).toBe(200);
    const held = await holder.send("POST", "/api/checkout", { email: "holder@example.test" });
    expect(held.status).toBe(201);
    const checkoutId: string = held.body.checkout.id;
    const refused = await waiter.send("POST", "/api/checkout", { email: "waiter@example.test" });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: "insufficient_stock", held: 1, line: { canJoin: true, waiting: false } });
    const joined = await waiter.send("POST", "/api/queue", { email: "waiter@example.test" });
    expect(joined.status).toBe(201);
    const ticketId: string = joined.body.ticket.id;

    // The offer's write stalls, so that the app can be killed after the unit was freed and before the commit.
    await sql`create or replace function line_fault_stall() returns trigger language plpgsql as $$
      begin if new.status = 'offered' then perform pg_sleep(4); end if; return new; end $$`;
    await sql`create trigger line_fault_stall before update on queue_tickets for each row execute function line_fault_stall()`;
    const cancelling = holder.send("POST", `/api/checkout/${checkoutId}/cancel`);
    await until("the offer to be under way", async () => {
      const [row] = await sql<{ n: number }[]>`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event = 'PgSleep'`;
      return row!.n === 1;
    });
    await app.kill();
    expect((await cancelling).status, "the killed app gives no answer").toBe(0);
    // PostgreSQL rolls the transaction back once it finds its client gone.
    await until("the killed transaction to end", async () => {
      const [row] = await sql<{ n: number }[]>`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event = 'PgSleep'`;
      return row!.n === 0;
    });
    await sql`drop trigger line_fault_stall on queue_tickets`;

    const [midway] = await sql<{ reserved: number; checkout: string; ticket: string }[]>`
      select (select reserved from stock_levels where product_id = ${product.id}) as reserved,
             (select status from checkouts where id = ${checkoutId}) as checkout,
             (select status from queue_tickets where id = ${ticketId}) as ticket`;
    expect(midway).toEqual({ reserved: 1, checkout: "active", ticket: "waiting" });

    app = await startApp();
    holder.baseUrl = app.baseUrl;
    waiter.baseUrl = app.baseUrl;
    expect((await holder.send("POST", `/api/checkout/${checkoutId}/cancel`)).status).toBe(200);
    const ticket = await waiter.send("GET", `/api/queue/${ticketId}`);
    expect(ticket.body.ticket).toMatchObject({ status: "offered", checkoutId: expect.any(String) });
    const offers = await sql`select id from checkouts where cart_id = (select cart_id from checkouts where id = ${ticket.body.ticket.checkoutId})`;
    expect(offers).toHaveLength(1);
    const paid = await waiter.send("POST", `/api/checkout/${ticket.body.ticket.checkoutId}/pay`, { cardNumber: "4242424242424242" }, { "Idempotency-Key": `line-${ticketId}` });
    expect(paid.status, JSON.stringify(paid.body)).toBe(200);
    const reconcile = await runReconcileCli(url);
    expect(reconcile.code, reconcile.output).toBe(0);
  }, 90_000);
});
