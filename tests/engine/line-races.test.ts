/**
 * The line under races, on real parallel connections: units freed while new shoppers start checkout and others
 * join, all at once; sweeps racing on lapsed holds; a waiting shopper over a product's limit per customer (the app
 * killed between freeing and offering: tests/faults/line-app-killed.test.ts). No unit is ever handed twice, none goes to a start from outside the line while tickets wait,
 * and the line's order is kept.
 */
import { vi } from "vitest";

vi.hoisted(() => {
  process.env.RATE_LIMIT_CHECKOUTS_PER_MINUTE = "0";
  process.env.DATABASE_POOL_SIZE = "40";
});

import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { db } from "@/db/client";
import { cancelCheckout, getTicket, joinTheLine, startCheckout, type TicketView } from "@/lib/checkout";
import { holdCarts, reconcileStock, sweepLine } from "@/lib/inventory";
import { TEST_CARDS } from "@/lib/payments";
import { separateDatabasesForFile } from "../support/db";
import { levels, makeProduct, payInFull, shoppersWithCarts, shopperWithCart, timeTravelHolds } from "../support/fixtures";

const CONNECTIONS = 60;
const connections = separateDatabasesForFile(CONNECTIONS);

async function expectBalanced(productId: string) {
  expect((await reconcileStock()).problems).toEqual([]);
  // Every unit is held or sold once: the row's counts equal the live holds and allocations behind them.
  const [row] = await db.execute<{ held: number; reserved: number }>(sql`
    select (select coalesce(sum(quantity), 0)::int from reservations where product_id = ${productId} and status = 'active') as held,
           (select reserved from stock_levels where product_id = ${productId}) as reserved`);
  expect(row!.held).toBe(row!.reserved);
}

/** Shoppers holding every unit of a new product, one unit each. */
async function holdersOfEveryUnit(units: number) {
  const product = await makeProduct(units);
  const holders = await shoppersWithCarts(Array.from({ length: units }, () => [{ productId: product.id, quantity: 1 }]));
  const held = await Promise.all(holders.map((h, i) => holdCarts(connections.dbs[i % CONNECTIONS]!, [{ cartId: h.cartId, shopperId: h.id, email: h.email }])));
  const checkouts = held.map(([o]) => (o!.outcome === "held" ? o!.checkoutId : null));
  expect(checkouts.every(Boolean)).toBe(true);
  return { product, holders, checkouts: checkouts as string[] };
}

/** Shoppers who join the line one after another (so their order is known), each wanting one unit. */
async function lineOf(productId: string, count: number) {
  const shoppers = await shoppersWithCarts(Array.from({ length: count }, () => [{ productId, quantity: 1 }]));
  const tickets: TicketView[] = [];
  for (const s of shoppers) tickets.push((await joinTheLine({ ...s, email: null }, { email: s.email })).ticket);
  return shoppers.map((s, i) => ({ shopper: s, ticket: tickets[i]! }));
}

describe("freed units, new starts and joins at the same moment", () => {
  it("hands every freed unit to the oldest tickets, once, and none to a start from outside the line", async () => {
    const UNITS = 12;
    const { product, holders, checkouts } = await holdersOfEveryUnit(UNITS);
    const waiting = await lineOf(product.id, 8);
    const outsiders = await shoppersWithCarts(Array.from({ length: 20 }, () => [{ productId: product.id, quantity: 1 }]));
    const joiners = await shoppersWithCarts(Array.from({ length: 10 }, () => [{ productId: product.id, quantity: 1 }]));
    const CANCELLED = 6;

    const [cancels, starts, joins] = await Promise.all([
      Promise.all(holders.slice(0, CANCELLED).map((h, i) => cancelCheckout(checkouts[i]!, h.id))),
      Promise.all(outsiders.map((o, i) => holdCarts(connections.dbs[(i + 20) % CONNECTIONS]!, [{ cartId: o.cartId, shopperId: o.id, email: o.email }]))),
      Promise.all(joiners.map((j) => joinTheLine({ ...j, email: null }, { email: j.email }).then(({ ticket }) => ticket))),
    ]);
    expect(cancels.every((c) => c.status === "cancelled")).toBe(true);
    // No start from outside the line held anything: the line was waiting all along.
    expect(starts.map(([o]) => o!.outcome).filter((o) => o === "held")).toEqual([]);
    // The six freed units went to the six oldest tickets: all of the first line's first six, none later.
    const states = await Promise.all(waiting.map((w) => getTicket(w.shopper.id, w.ticket.id)));
    expect(states.map((t) => t.status)).toEqual([...Array(CANCELLED).fill("offered"), "waiting", "waiting"]);
    const joined = await Promise.all(joiners.map((j, i) => getTicket(j.id, joins[i]!.id)));
    expect(joined.every((t) => t.status === "waiting")).toBe(true);
    // Positions after them are 1, 2, … in join order.
    const stillWaiting = [...states.slice(CANCELLED), ...joined].filter((t) => t.status === "waiting").sort((a, b) => a.position! - b.position!);
    expect(stillWaiting.map((t) => t.position)).toEqual(stillWaiting.map((_, i) => i + 1));
    // Each offer holds exactly one unit, in its own checkout; nothing handed twice.
    const offers = states.filter((t) => t.status === "offered").map((t) => t.checkoutId!);
    expect(new Set(offers).size).toBe(CANCELLED);
    expect(await levels(product.id)).toMatchObject({ on_hand: UNITS, reserved: UNITS });
    await expectBalanced(product.id);
  });

  it("keeps the line's order when two holds lapse while two sweeps run on two servers", async () => {
    const { product, checkouts } = await holdersOfEveryUnit(3);
    const waiting = await lineOf(product.id, 4);
    await timeTravelHolds(checkouts.slice(0, 2));
    const swept = await Promise.all([sweepLine(), sweepLine(), sweepLine()]);
    expect(swept.reduce((n, s) => n + s.offered, 0)).toBe(2);
    const states = await Promise.all(waiting.map((w) => getTicket(w.shopper.id, w.ticket.id)));
    expect(states.map((t) => t.status)).toEqual(["offered", "offered", "waiting", "waiting"]);
    await expectBalanced(product.id);
  });
});

describe("many lines at once", () => {
  it("hands a unit on to its own line however long another variant's line is", async () => {
    const soldOut = await makeProduct(0);
    const { product, checkouts } = await holdersOfEveryUnit(1);
    // A long line for another product, joined earlier (written directly: 210 waiting tickets).
    const longLine = await shoppersWithCarts(Array.from({ length: 210 }, () => [{ productId: soldOut.id, quantity: 1 }]));
    const ids = sql.join(
      longLine.map((s) => sql`${s.id}::uuid`),
      sql`, `,
    );
    await db.execute(sql`
      with t as (insert into queue_tickets (shopper_id) select unnest(array[${ids}]) returning id, seq)
      insert into queue_ticket_lines (ticket_id, seq, product_id, variant_id, quantity)
      select t.id, t.seq, v.product_id, v.id, 1 from t, product_variants v where v.product_id = ${soldOut.id}`);
    const [waiter] = await lineOf(product.id, 1);
    await timeTravelHolds(checkouts[0]!);
    expect(await sweepLine()).toMatchObject({ expired: 1, offered: 1 });
    expect(await getTicket(waiter!.shopper.id, waiter!.ticket.id)).toMatchObject({ status: "offered" });
    await expectBalanced(product.id);
  });
});

describe("limits while waiting", () => {
  it("passes over a waiting shopper who is over the limit per customer, who keeps their place", async () => {
    const product = await makeProduct(3);
    // The first in line already bought one, as another guest under the same email.
    const earlier = await shopperWithCart([{ productId: product.id, quantity: 1 }]);
    const bought = await startCheckout({ ...earlier, email: null }, { email: "keen@example.test" });
    await payInFull({ checkoutId: bought.checkout.id, shopperId: earlier.id, cardNumber: TEST_CARDS.succeeds, idempotencyKey: `keen-${earlier.id}` });
    const holders = await shoppersWithCarts([[{ productId: product.id, quantity: 1 }], [{ productId: product.id, quantity: 1 }]]);
    const held = await Promise.all(holders.map((h) => holdCarts(db, [{ cartId: h.cartId, shopperId: h.id, email: h.email }])));
    const [keen, next] = await shoppersWithCarts([[{ productId: product.id, quantity: 1 }], [{ productId: product.id, quantity: 1 }]]);
    const keenTicket = (await joinTheLine({ ...keen!, email: null }, { email: "keen@example.test" })).ticket;
    const nextTicket = (await joinTheLine({ ...next!, email: null }, { email: next!.email })).ticket;
    // The shop limits the product while they wait.
    await db.execute(sql`update products set limit_per_customer = 1 where id = ${product.id}`);

    const [first] = held[0]!;
    await cancelCheckout(first!.outcome === "held" ? first!.checkoutId : "", holders[0]!.id);
    expect(await getTicket(keen!.id, keenTicket.id)).toMatchObject({ status: "waiting", position: 1 });
    const offer = await getTicket(next!.id, nextTicket.id);
    expect(offer.status).toBe("offered");
    const paid = await payInFull({ checkoutId: offer.checkoutId!, shopperId: next!.id, cardNumber: TEST_CARDS.succeeds, idempotencyKey: `next-${next!.id}` });
    expect(paid.status).toBe("paid");
    await expectBalanced(product.id);
  });
});
