/**
 * The back-in-stock sweep on real parallel connections: however many sweeps run at once, the oldest waiting
 * shoppers are told, one email each, never more than the units that came back.
 */
import { sql } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { db, pool } from "@/db/client";
import { notifyBackInStock } from "@/lib/catalog/back-in-stock";
import { adjustStock } from "@/lib/inventory";
import { makeProduct } from "../support/fixtures";

afterAll(async () => {
  await pool.end();
});

async function waitingFor(productId: string, emails: string[]) {
  // One statement per shopper, in order, so created_at (and id) give the queue's order.
  for (const email of emails) {
    await db.execute(sql`insert into back_in_stock_requests (product_id, email) values (${productId}, ${email})`);
  }
}

describe("notifyBackInStock", () => {
  it("tells the oldest waiting shoppers, no more than the units back, even with sweeps racing", async () => {
    const product = await makeProduct(0);
    const queue = ["a", "b", "c", "d", "e"].map((x) => `${x}-${product.id.slice(0, 6)}@example.test`);
    await waitingFor(product.id, queue);
    expect(await notifyBackInStock()).toBe(0);

    await adjustStock({ productId: product.id, delta: 3, reason: "delivery", actorId: null });
    const told = await Promise.all([1, 2, 3, 4].map(() => notifyBackInStock()));
    expect(told.reduce((a, b) => a + b, 0)).toBe(3);

    const emails = await db.execute<{ recipient: string }>(sql`
      select recipient from email_outbox where kind = 'back_in_stock' and recipient like ${`%-${product.id.slice(0, 6)}@example.test`}
      order by recipient`);
    expect(emails.map((e) => e.recipient)).toEqual(queue.slice(0, 3));
    const [waiting] = await db.execute<{ n: number }>(sql`
      select count(*)::int as n from back_in_stock_requests where product_id = ${product.id} and notified_at is null`);
    expect(waiting!.n).toBe(2);
  });

  it("skips an archived product and one that is still sold out", async () => {
    const archived = await makeProduct(2);
    const soldOut = await makeProduct(0);
    await waitingFor(archived.id, ["x@example.test"]);
    await waitingFor(soldOut.id, ["y@example.test"]);
    await db.execute(sql`update products set archived_at = now() where id = ${archived.id}`);
    expect(await notifyBackInStock()).toBe(0);
  });
});
