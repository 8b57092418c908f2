/**
 * The line for contended stock: a shopper refused because others hold what the cart needs joins the line; units
 * freed on that variant (cancel, decline, lapse, restock) go to the oldest waiting tickets they complete, in the
 * transaction that frees them, and no one outside the line can take them meanwhile.
 */
import { vi } from "vitest";

vi.hoisted(() => {
  process.env.RATE_LIMIT_CHECKOUTS_PER_MINUTE = "0";
  process.env.RESERVATION_TTL_SECONDS = "900";
  process.env.RESERVATION_TTL_CONTENDED_SECONDS = "300";
  process.env.QUEUE_OFFER_SECONDS = "120";
});

import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { db } from "@/db/client";
import { setCartLineQuantity } from "@/lib/cart";
import { cancelCheckout, getCheckout, getTicket, InsufficientStockError, joinTheLine, leaveLine, recordCheckoutActivity, startCheckout } from "@/lib/checkout";
import { adjustStock, reconcileStock, sweepLine } from "@/lib/inventory";
import { TEST_CARDS } from "@/lib/payments";
import { separateDatabasesForFile } from "../support/db";
import { expectDomainError, levels, makeProduct, onlyVariantOf, payInFull, shopperWithCart, timeTravelHolds } from "../support/fixtures";

separateDatabasesForFile(4);

async function expectBalanced() {
  expect((await reconcileStock()).problems).toEqual([]);
}

/** A product with `units` on hand, all held by one shopper's checkout; and that shopper. */
async function soldOutByHolds(units = 1) {
  const product = await makeProduct(units);
  const holder = await shopperWithCart([{ productId: product.id, quantity: units }]);
  const { checkout } = await startCheckout(holder, { email: holder.email });
  return { product, holder, checkout };
}

async function refusedThenJoins(productId: string, quantity = 1) {
  const shopper = await shopperWithCart([{ productId, quantity }]);
  const refusal = await expectDomainError(startCheckout(shopper, { email: shopper.email }), "insufficient_stock");
  const { ticket, created } = await joinTheLine(shopper, { email: shopper.email });
  expect(created).toBe(true);
  return { shopper, ticket, refusal };
}

describe("joining the line", () => {
  it("is offered when a start is refused because others hold the units, and the ticket names its place", async () => {
    const { product } = await soldOutByHolds();
    const b = await refusedThenJoins(product.id);
    expect((b.refusal as InsufficientStockError).details).toMatchObject({ held: 1, line: { canJoin: true, waiting: false } });
    expect(b.ticket).toMatchObject({ status: "waiting", position: 1, ahead: 0, checkoutId: null });
    expect(b.ticket.lines).toEqual([expect.objectContaining({ productId: product.id, quantity: 1 })]);
    // The holder's hold lapses 900 s after its last activity at the latest; the line now shortens it to 300 s.
    expect(b.ticket.estimatedWaitSeconds).toBeGreaterThan(200);
    expect(b.ticket.estimatedWaitSeconds).toBeLessThanOrEqual(300);
    const c = await refusedThenJoins(product.id);
    expect(c.ticket).toMatchObject({ status: "waiting", position: 2, ahead: 1 });
    expect((c.refusal as InsufficientStockError).details).toMatchObject({ line: { waiting: true } });
  });

  it("answers the live ticket to a second join, and refuses an empty cart, a cart that can be held now, and another's ticket", async () => {
    const { product } = await soldOutByHolds();
    const b = await refusedThenJoins(product.id);
    const again = await joinTheLine(b.shopper, { email: b.shopper.email });
    expect(again).toMatchObject({ created: false, ticket: { id: b.ticket.id } });
    expect(await db.execute(sql`select count(*)::int as n from queue_tickets where shopper_id = ${b.shopper.id}`)).toEqual([{ n: 1 }]);

    const empty = await shopperWithCart([]);
    await expectDomainError(joinTheLine(empty, { email: empty.email }), "empty_cart");
    const plenty = await makeProduct(5);
    const easy = await shopperWithCart([{ productId: plenty.id, quantity: 1 }]);
    await expectDomainError(joinTheLine(easy, { email: easy.email }), "in_stock");
    await expectDomainError(getTicket(easy.id, b.ticket.id), "not_found");
    await expectDomainError(leaveLine(easy.id, b.ticket.id), "not_found");
    expect(await getTicket(b.shopper.id, b.ticket.id)).toMatchObject({ status: "waiting" });
  });
});

describe("handing on", () => {
  it("gives a cancelled hold's unit to the first in line, in the same transaction, never to a new start", async () => {
    const { product, holder, checkout } = await soldOutByHolds();
    const b = await refusedThenJoins(product.id);
    const c = await refusedThenJoins(product.id);
    await cancelCheckout(checkout.id, holder.id);

    const offered = await getTicket(b.shopper.id, b.ticket.id);
    expect(offered).toMatchObject({ status: "offered", position: null });
    const held = await getCheckout(offered.checkoutId!, b.shopper.id);
    expect(held).toMatchObject({ status: "active", lines: [expect.objectContaining({ productId: product.id, quantity: 1 })] });
    // The offer lasts QUEUE_OFFER_SECONDS.
    const lasts = (Date.parse(held.expiresAt) - Date.parse(held.serverTime)) / 1000;
    expect(lasts).toBeGreaterThan(100);
    expect(lasts).toBeLessThanOrEqual(120);
    expect(await getTicket(c.shopper.id, c.ticket.id)).toMatchObject({ status: "waiting", position: 1, ahead: 0 });
    expect(await levels(product.id)).toMatchObject({ on_hand: 1, reserved: 1 });
    const [mail] = await db.execute<{ kind: string; recipient: string }>(sql`select kind, recipient from email_outbox where dedupe_key = ${`line-offer:${b.ticket.id}`}`);
    expect(mail).toEqual({ kind: "line_offer", recipient: b.shopper.email });

    // B pays the offer like any checkout.
    const paid = await payInFull({ checkoutId: offered.checkoutId!, shopperId: b.shopper.id, cardNumber: TEST_CARDS.succeeds, idempotencyKey: `line-${b.ticket.id}` });
    expect(paid).toMatchObject({ status: "paid" });
    await expectBalanced();
  });

  it("keeps freed units from a start outside the line while tickets wait (a restock goes to the line)", async () => {
    const { product } = await soldOutByHolds();
    const b = await refusedThenJoins(product.id);
    await adjustStock({ productId: product.id, variantId: await onlyVariantOf(product.id), delta: 1, reason: "found one", actorId: null });
    expect(await getTicket(b.shopper.id, b.ticket.id)).toMatchObject({ status: "offered" });
    const outsider = await shopperWithCart([{ productId: product.id, quantity: 1 }]);
    await expectDomainError(startCheckout(outsider, { email: outsider.email }), "insufficient_stock");
    await expectBalanced();
  });

  it("hands a lapsed hold on through the line's sweep, and a lapsed offer on to the next", async () => {
    const { product, checkout } = await soldOutByHolds();
    const b = await refusedThenJoins(product.id);
    const c = await refusedThenJoins(product.id);
    await timeTravelHolds(checkout.id);
    expect(await sweepLine()).toMatchObject({ expired: 1, offered: 1 });
    const offer = await getTicket(b.shopper.id, b.ticket.id);
    expect(offer.status).toBe("offered");
    await timeTravelHolds(offer.checkoutId!);
    expect(await getTicket(b.shopper.id, b.ticket.id)).toMatchObject({ status: "lapsed" });
    expect(await sweepLine()).toMatchObject({ expired: 1, offered: 1 });
    expect(await getTicket(c.shopper.id, c.ticket.id)).toMatchObject({ status: "offered" });
    await expectBalanced();
  });

  it("passes over a ticket its units do not complete, and reads the cart again when offering", async () => {
    const { product, holder, checkout } = await soldOutByHolds(1);
    const wantsTwo = await refusedThenJoins(product.id, 2);
    const changed = await refusedThenJoins(product.id);
    const wantsOne = await refusedThenJoins(product.id);
    // `changed` empties its cart: its ticket ends when units arrive.
    await setCartLineQuantity(changed.shopper.id, await onlyVariantOf(product.id), 0);
    await cancelCheckout(checkout.id, holder.id);
    expect(await getTicket(wantsTwo.shopper.id, wantsTwo.ticket.id)).toMatchObject({ status: "waiting", position: 1 });
    expect(await getTicket(changed.shopper.id, changed.ticket.id)).toMatchObject({ status: "left" });
    expect(await getTicket(wantsOne.shopper.id, wantsOne.ticket.id)).toMatchObject({ status: "offered" });
    await expectBalanced();
  });

  it("lets a shopper leave; an offer given up passes on at once", async () => {
    const { product, holder, checkout } = await soldOutByHolds();
    const b = await refusedThenJoins(product.id);
    const c = await refusedThenJoins(product.id);
    await cancelCheckout(checkout.id, holder.id);
    expect(await leaveLine(b.shopper.id, b.ticket.id)).toMatchObject({ status: "left" });
    expect(await getTicket(c.shopper.id, c.ticket.id)).toMatchObject({ status: "offered" });
    expect(await leaveLine(c.shopper.id, c.ticket.id)).toMatchObject({ status: "left" });
    // No one waits now: the unit is anyone's.
    const d = await shopperWithCart([{ productId: product.id, quantity: 1 }]);
    await expect(startCheckout(d, { email: d.email })).resolves.toMatchObject({ created: true });
    await expectBalanced();
  });
});

describe("shorter holds while others wait", () => {
  it("brings idle holds forward when the first shopper joins, and activity extends by the contended time only", async () => {
    const product = await makeProduct(1);
    const holder = await shopperWithCart([{ productId: product.id, quantity: 1 }]);
    const { checkout } = await startCheckout(holder, { email: holder.email });
    const lasts = (c: { expiresAt: string; serverTime: string }) => (Date.parse(c.expiresAt) - Date.parse(c.serverTime)) / 1000;
    expect(lasts(checkout)).toBeGreaterThan(890);
    // No one waits: activity slides the hold out by RESERVATION_TTL_SECONDS.
    expect(lasts(await recordCheckoutActivity(checkout.id, holder.id, { details: { name: "Ada" } }))).toBeGreaterThan(890);
    await refusedThenJoins(product.id);
    // The hold, idle for a moment, now lapses about RESERVATION_TTL_CONTENDED_SECONDS after its last activity.
    const shortened = await getCheckout(checkout.id, holder.id);
    expect(lasts(shortened)).toBeGreaterThan(280);
    expect(lasts(shortened)).toBeLessThanOrEqual(300);
    const [hold] = await db.execute<{ seconds: number }>(sql`select extract(epoch from expires_at - now())::float8 as seconds from reservations where checkout_id = ${checkout.id}`);
    expect(hold!.seconds).toBeLessThanOrEqual(300);
    // A shopper typing keeps theirs, by the contended time from now.
    const touched = await recordCheckoutActivity(checkout.id, holder.id, { details: { name: "Ada Lovelace" } });
    expect(lasts(touched)).toBeGreaterThan(290);
    expect(lasts(touched)).toBeLessThanOrEqual(300);
  });
});

describe("a limit per customer", () => {
  it("refuses a start past it, counting live holds and paid orders by account and guest email", async () => {
    const product = await makeProduct(10);
    await db.execute(sql`update products set limit_per_customer = 2 where id = ${product.id}`);
    const greedy = await shopperWithCart([{ productId: product.id, quantity: 3 }]);
    const refusal = await expectDomainError(startCheckout(greedy, { email: greedy.email }), "limit_per_customer");
    expect(refusal.details).toMatchObject({ limit: 2, already: 0, requested: 3 });

    const buyer = { ...(await shopperWithCart([{ productId: product.id, quantity: 2 }])), email: null };
    const { checkout } = await startCheckout(buyer, { email: "same@example.test" });
    await payInFull({ checkoutId: checkout.id, shopperId: buyer.id, cardNumber: TEST_CARDS.succeeds, idempotencyKey: `limit-${checkout.id}` });
    // Another guest identity with the same email: already bought 2.
    const again = { ...(await shopperWithCart([{ productId: product.id, quantity: 1 }])), email: null };
    const second = await expectDomainError(startCheckout(again, { email: "same@example.test" }), "limit_per_customer");
    expect(second.details).toMatchObject({ limit: 2, already: 2, requested: 1 });
    expect(await levels(product.id)).toMatchObject({ reserved: 0, allocated: 2 });
  });
});
