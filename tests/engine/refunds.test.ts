/**
 * After the order: refunds move money exactly once (recorded before the provider is called, settled by whichever
 * comes first: the answer, the webhook, the recovery sweep), never more than was captured or sold; cancelling
 * refunds in full and puts the units back; returns come back onto the shelf; partial shipping per line. Races run
 * on separate pooled connections at once.
 */
import { vi } from "vitest";

vi.hoisted(() => {
  process.env.RATE_LIMIT_CHECKOUTS_PER_MINUTE = "0";
  process.env.PAYMENT_WEBHOOK_SECRET = "whsec_engine_refunds";
  // The provider's own webhook delivery stays out of the way: these tests deliver events themselves.
  process.env.PAYMENT_TEST_WEBHOOK_DELAY_MS = "600000";
  process.env.DATABASE_POOL_SIZE = "12";
});

import { sql } from "drizzle-orm";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { db, pool } from "@/db/client";
import { createProduct } from "@/lib/catalog/products";
import { payForCheckout, startCheckout } from "@/lib/checkout";
import { reconcileStock } from "@/lib/inventory";
import { cancelOrder, findOrderById, fulfilOrder, recoverRefunds, refundOrder } from "@/lib/orders";
import { setPaymentProvider, TEST_CARDS } from "@/lib/payments";
import { recoverPayments } from "@/lib/payments/recovery";
import { signPayload, SIGNATURE_HEADER } from "@/lib/payments/signature";
import { testPaymentProvider } from "@/lib/payments/test-provider";
import { receiveWebhook } from "@/lib/payments/webhooks";
import { runReconcileCli } from "../faults/support";
import { expectDomainError, levels, makeProduct, onlyVariantOf, payInFull, shopperWithCart } from "../support/fixtures";
import { shopperWithVariantCart } from "../support/variants";

afterEach(() => setPaymentProvider(undefined));
afterAll(() => pool.end());

async function paidOrderOf(lines: { productId: string; quantity: number }[]) {
  const shopper = await shopperWithCart(lines);
  const { checkout } = await startCheckout(shopper, { email: shopper.email });
  const order = await payInFull({ checkoutId: checkout.id, shopperId: shopper.id, cardNumber: TEST_CARDS.succeeds, idempotencyKey: `o-${checkout.id}` });
  return { shopper, checkout, order };
}

/** The provider's refunds of this order's payment: what money actually went back. */
async function providerRefunds(orderId: string) {
  return db.execute<{ amount_cents: number }>(sql`
    select t.amount_cents::int from test_provider_refunds t join payments p on t.payment_key = 'stockhold_pay_' || p.id
    where p.order_id = ${orderId} order by t.created_at`);
}

async function refundRows(orderId: string) {
  return db.execute<{ status: string; amount_cents: number }>(sql`select status, amount_cents::int from refunds where order_id = ${orderId} order by created_at`);
}

async function emailsOf(orderId: string, kind: string) {
  const rows = await db.execute<{ n: number }>(sql`
    select count(*)::int as n from email_outbox where kind = ${kind} and dedupe_key in (
      select 'refund:' || id from refunds where order_id = ${orderId} union all select 'shipment:' || id from shipments where order_id = ${orderId})`);
  return rows[0]!.n;
}

const refund = (orderId: string, lines: { variantId: string; quantity: number }[] | undefined, restock: boolean, requestKey: string) =>
  refundOrder(orderId, null, { lines, restock, reason: "damaged", requestKey });

describe("a refund", () => {
  it("of one unshipped unit with restock: the money goes back once, the unit is on sale again, the order says so", async () => {
    const product = await makeProduct(5, 1500);
    const variantId = await onlyVariantOf(product.id);
    const { order } = await paidOrderOf([{ productId: product.id, quantity: 2 }]);
    expect(await levels(product.id)).toEqual({ on_hand: 5, reserved: 0, allocated: 2 });

    const after = await refund(order.id, [{ variantId, quantity: 1 }], true, "k1");
    expect(after).toMatchObject({ status: "partially_refunded", refundedCents: 1500 });
    expect(after.lines[0]).toMatchObject({ quantity: 2, refunded: 1, returned: 0, fulfilled: 0 });
    expect(await levels(product.id)).toEqual({ on_hand: 5, reserved: 0, allocated: 1 });
    expect(await providerRefunds(order.id)).toEqual([{ amount_cents: 1500 }]);
    expect(await refundRows(order.id)).toEqual([{ status: "succeeded", amount_cents: 1500 }]);

    // The same key again is the same refund: no more money, no more units.
    await refund(order.id, [{ variantId, quantity: 1 }], true, "k1");
    expect(await providerRefunds(order.id)).toHaveLength(1);
    expect(await levels(product.id)).toEqual({ on_hand: 5, reserved: 0, allocated: 1 });
    expect(await emailsOf(order.id, "order_refunded")).toBe(1);

    // The rest: the whole order is refunded, never more than was captured.
    expect(await refund(order.id, undefined, true, "k2")).toMatchObject({ status: "refunded", refundedCents: 3000 });
    await expectDomainError(refund(order.id, undefined, true, "k3"), "conflict");
    expect((await providerRefunds(order.id)).reduce((n, r) => n + r.amount_cents, 0)).toBe(3000);
    expect(await levels(product.id)).toEqual({ on_hand: 5, reserved: 0, allocated: 0 });
    expect(await reconcileStock()).toMatchObject({ ok: true });
  });

  it("of shipped units with restock records a return (on hand up); without restock an unshipped unit is written off", async () => {
    const product = await makeProduct(6, 1000);
    const variantId = await onlyVariantOf(product.id);
    const { order } = await paidOrderOf([{ productId: product.id, quantity: 3 }]);
    await fulfilOrder(order.id, null, { lines: [{ variantId, quantity: 2 }], carrier: "DHL", trackingNumber: "JD0001" });
    expect(await levels(product.id)).toEqual({ on_hand: 4, reserved: 0, allocated: 1 });

    // 2 units: the unshipped one first (written off, damaged), then one shipped unit (kept by the shopper).
    await refund(order.id, [{ variantId, quantity: 2 }], false, "damaged");
    expect(await levels(product.id)).toEqual({ on_hand: 3, reserved: 0, allocated: 0 });
    // The last shipped unit comes back and goes on the shelf.
    const after = await refund(order.id, [{ variantId, quantity: 1 }], true, "returned");
    expect(after.lines[0]).toMatchObject({ quantity: 3, fulfilled: 2, refunded: 3, returned: 1 });
    expect(after.status).toBe("refunded");
    expect(await levels(product.id)).toEqual({ on_hand: 4, reserved: 0, allocated: 0 });
    const kinds = await db.execute<{ kind: string; on_hand_delta: number; allocated_delta: number }>(sql`
      select kind, on_hand_delta, allocated_delta from stock_movements where order_id = ${order.id} and kind in ('write_off', 'return') order by id`);
    expect(kinds).toEqual([
      { kind: "write_off", on_hand_delta: -1, allocated_delta: -1 },
      { kind: "return", on_hand_delta: 1, allocated_delta: 0 },
    ]);
    expect(await reconcileStock()).toMatchObject({ ok: true });
  });

  it("bad input moves nothing: more than sold, a line not in the order", async () => {
    const product = await makeProduct(4, 800);
    const other = await makeProduct(4, 800);
    const variantId = await onlyVariantOf(product.id);
    const { order } = await paidOrderOf([{ productId: product.id, quantity: 2 }]);
    await expectDomainError(refund(order.id, [{ variantId, quantity: 3 }], true, "a"), "conflict");
    await expectDomainError(refund(order.id, [{ variantId: await onlyVariantOf(other.id), quantity: 1 }], true, "b"), "invalid_request");
    await expectDomainError(fulfilOrder(order.id, null, { lines: [{ variantId, quantity: 3 }] }), "conflict");
    expect(await providerRefunds(order.id)).toEqual([]);
    expect(await refundRows(order.id)).toEqual([]);
    expect(await levels(product.id)).toEqual({ on_hand: 4, reserved: 0, allocated: 2 });
    expect(await findOrderById(order.id)).toMatchObject({ status: "paid", refundedCents: 0 });
  });
});

describe("races", () => {
  it("two refunds of the same line at once: one wins, the other is refused, one refund's money moves", async () => {
    for (let round = 0; round < 4; round++) {
      const product = await makeProduct(5, 2000);
      const variantId = await onlyVariantOf(product.id);
      const { order } = await paidOrderOf([{ productId: product.id, quantity: 2 }]);
      const both = await Promise.allSettled([
        refund(order.id, [{ variantId, quantity: 2 }], true, `a${round}`),
        refund(order.id, [{ variantId, quantity: 2 }], true, `b${round}`),
      ]);
      expect(both.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
      const lost = both.find((r) => r.status === "rejected") as PromiseRejectedResult;
      expect(lost.reason).toMatchObject({ code: "conflict" });
      expect(await providerRefunds(order.id)).toEqual([{ amount_cents: 4000 }]);
      expect(await levels(product.id)).toEqual({ on_hand: 5, reserved: 0, allocated: 0 });
    }
    expect(await reconcileStock()).toMatchObject({ ok: true });
  });

  it("a refund racing the shipment of the same line: whichever goes first, the units are counted once", async () => {
    for (let round = 0; round < 4; round++) {
      const product = await makeProduct(5, 1000);
      const variantId = await onlyVariantOf(product.id);
      const { order } = await paidOrderOf([{ productId: product.id, quantity: 2 }]);
      const [shipped, refunded] = await Promise.allSettled([
        fulfilOrder(order.id, null, { lines: [{ variantId, quantity: 2 }], trackingNumber: "1Z999" }),
        refund(order.id, [{ variantId, quantity: 2 }], true, `r${round}`),
      ]);
      expect(refunded.status).toBe("fulfilled");
      const line = (await findOrderById(order.id))!.lines[0]!;
      if (shipped.status === "fulfilled") {
        // Shipped first: the refund took the shipped units back (a return).
        expect(line).toMatchObject({ fulfilled: 2, refunded: 2, returned: 2 });
        expect(await levels(product.id)).toEqual({ on_hand: 5, reserved: 0, allocated: 0 });
      } else {
        // Refunded first: nothing was left to ship.
        expect(shipped.reason).toMatchObject({ code: "conflict" });
        expect(line).toMatchObject({ fulfilled: 0, refunded: 2, returned: 0 });
        expect(await levels(product.id)).toEqual({ on_hand: 5, reserved: 0, allocated: 0 });
      }
      expect(await providerRefunds(order.id)).toEqual([{ amount_cents: 2000 }]);
    }
    expect(await reconcileStock()).toMatchObject({ ok: true });
  });

  it("cancel racing the shopper's second tab paying the same (revived) checkout: charged once, refunded once, units back", async () => {
    const product = await makeProduct(3, 1200);
    const { shopper, checkout, order } = await paidOrderOf([{ productId: product.id, quantity: 1 }]);
    // The second tab's checkout lapsed long ago: paying it would revive it, were it not paid already.
    await db.execute(sql`update checkouts set expires_at = now() - interval '1 minute' where id = ${checkout.id}`);
    const [cancelled, secondTab] = await Promise.allSettled([
      cancelOrder(order.id, null, "shopper changed their mind"),
      payForCheckout({ checkoutId: checkout.id, shopperId: shopper.id, cardNumber: TEST_CARDS.succeeds, idempotencyKey: "second-tab" }),
    ]);
    expect(cancelled.status).toBe("fulfilled");
    if (secondTab.status === "fulfilled") expect(secondTab.value).toMatchObject({ kind: "paid", order: { id: order.id } });
    const charges = await db.execute<{ n: number }>(sql`
      select count(*)::int as n from test_provider_payments t join payments p on t.idempotency_key = 'stockhold_pay_' || p.id
      where p.checkout_id = ${checkout.id} and t.status = 'captured'`);
    expect(charges[0]!.n).toBe(1);
    expect(await providerRefunds(order.id)).toEqual([{ amount_cents: 1200 }]);
    expect(await findOrderById(order.id)).toMatchObject({ status: "cancelled", refundedCents: 1200 });
    expect(await levels(product.id)).toEqual({ on_hand: 3, reserved: 0, allocated: 0 });
    expect(await emailsOf(order.id, "order_cancelled")).toBe(1);
  });
});

describe("faults", () => {
  it("the app dies after the provider refunded, before the shop recorded it: the sweep settles it once", async () => {
    const product = await makeProduct(4, 900);
    const variantId = await onlyVariantOf(product.id);
    const { order } = await paidOrderOf([{ productId: product.id, quantity: 2 }]);
    setPaymentProvider({
      ...testPaymentProvider,
      async refundAmount(request) {
        await testPaymentProvider.refundAmount(request);
        throw new Error("connection reset after the provider answered");
      },
    });
    await expectDomainError(refund(order.id, [{ variantId, quantity: 1 }], true, "crash"), "payment_in_progress");
    expect(await refundRows(order.id)).toEqual([{ status: "processing", amount_cents: 900 }]);
    expect(await providerRefunds(order.id)).toEqual([{ amount_cents: 900 }]);
    setPaymentProvider(undefined);

    await db.execute(sql`update refunds set updated_at = now() - interval '1 hour' where order_id = ${order.id}`);
    await Promise.all([recoverPayments(), recoverRefunds(), recoverRefunds()]);
    expect(await refundRows(order.id)).toEqual([{ status: "succeeded", amount_cents: 900 }]);
    expect(await providerRefunds(order.id)).toEqual([{ amount_cents: 900 }]);
    expect(await emailsOf(order.id, "order_refunded")).toBe(1);
    expect(await findOrderById(order.id)).toMatchObject({ status: "partially_refunded", refundedCents: 900 });
  });

  it("the refund webhook settles a refund whose answer was lost, and a late or repeated one changes nothing", async () => {
    const product = await makeProduct(4, 700);
    const variantId = await onlyVariantOf(product.id);
    const { order } = await paidOrderOf([{ productId: product.id, quantity: 1 }]);
    setPaymentProvider({
      ...testPaymentProvider,
      async refundAmount(request) {
        await testPaymentProvider.refundAmount(request);
        throw new Error("timeout");
      },
    });
    await expectDomainError(refund(order.id, [{ variantId, quantity: 1 }], false, "lost"), "payment_in_progress");
    setPaymentProvider(undefined);
    const [row] = await db.execute<{ id: string }>(sql`select id from refunds where order_id = ${order.id}`);
    const body = JSON.stringify({
      id: `evt_refund_${row!.id}`,
      type: "refund.succeeded",
      created: 0,
      data: { object: { idempotencyKey: `stockhold_refund_${row!.id}` } },
    });
    const headers = () => new Headers({ [SIGNATURE_HEADER]: signPayload("whsec_engine_refunds", body) });
    const [first, second] = await Promise.all([receiveWebhook(body, headers()), receiveWebhook(body, headers())]);
    expect([first.duplicate, second.duplicate].sort()).toEqual([false, true]);
    expect(await refundRows(order.id)).toEqual([{ status: "succeeded", amount_cents: 700 }]);
    expect(await receiveWebhook(body, headers())).toEqual({ received: true, duplicate: true });
    // A late event under another id (a redelivery after the shop recorded it) is applied once: nothing changes.
    const late = body.replace(`evt_refund_${row!.id}`, `evt_refund_late_${row!.id}`);
    expect(await receiveWebhook(late, new Headers({ [SIGNATURE_HEADER]: signPayload("whsec_engine_refunds", late) }))).toEqual({
      received: true,
      duplicate: false,
    });
    expect(await providerRefunds(order.id)).toEqual([{ amount_cents: 700 }]);
    expect(await emailsOf(order.id, "order_refunded")).toBe(1);
  });
});

describe("cancelling and partial shipping", () => {
  it("cancel refunds an unshipped order in full and puts its units back; once anything shipped it is refused", async () => {
    const product = await makeProduct(5, 1100);
    const variantId = await onlyVariantOf(product.id);
    const { order } = await paidOrderOf([{ productId: product.id, quantity: 2 }]);
    const cancelled = await cancelOrder(order.id, null, "changed my mind");
    expect(cancelled).toMatchObject({ status: "cancelled", refundedCents: 2200, cancelledAt: expect.any(String) });
    expect(await levels(product.id)).toEqual({ on_hand: 5, reserved: 0, allocated: 0 });
    expect(await providerRefunds(order.id)).toEqual([{ amount_cents: 2200 }]);
    expect(await cancelOrder(order.id, null, "again")).toMatchObject({ status: "cancelled" });
    expect(await providerRefunds(order.id)).toHaveLength(1);
    await expectDomainError(refund(order.id, undefined, true, "after"), "conflict");

    const { order: shipped } = await paidOrderOf([{ productId: product.id, quantity: 2 }]);
    await fulfilOrder(shipped.id, null, { lines: [{ variantId, quantity: 1 }] });
    await expectDomainError(cancelOrder(shipped.id, null, "too late"), "conflict");
    expect(await providerRefunds(shipped.id)).toEqual([]);
  });

  it("ships part of a line with carrier and tracking, then the rest: statuses, shipments and emails", async () => {
    const product = await makeProduct(5, 1000);
    const variantId = await onlyVariantOf(product.id);
    const { order } = await paidOrderOf([{ productId: product.id, quantity: 3 }]);
    const part = await fulfilOrder(order.id, null, { lines: [{ variantId, quantity: 2 }], carrier: "DHL", trackingNumber: "JD014600006281" });
    expect(part).toMatchObject({ status: "partially_fulfilled" });
    expect(part.lines[0]).toMatchObject({ fulfilled: 2 });
    expect(await levels(product.id)).toEqual({ on_hand: 3, reserved: 0, allocated: 1 });
    const all = await fulfilOrder(order.id, null);
    expect(all).toMatchObject({ status: "fulfilled", fulfilledAt: expect.any(String) });
    // Nothing left: shipping again changes nothing and emails no one.
    await fulfilOrder(order.id, null);
    const mails = await db.execute<{ subject: string; text_body: string }>(sql`
      select subject, text_body from email_outbox where kind = 'order_shipped' and dedupe_key in (select 'shipment:' || id from shipments where order_id = ${order.id}) order by id`);
    expect(mails).toHaveLength(2);
    expect(mails[0]!.text_body).toContain("JD014600006281 (DHL)");
    expect(mails[1]!.subject).toContain("has shipped");
    expect(await reconcileStock()).toMatchObject({ ok: true });
  });
});

describe("reconcile", () => {
  it("npm run reconcile finds every refund above with its provider record, and what each order keeps", async () => {
    const { code, output } = await runReconcileCli(process.env.DATABASE_URL!);
    expect(output).toMatch(/OK: every level equals the ledger and every invariant holds/);
    expect(code, output).toBe(0);
  });
});

// After the reconcile run: `npm run reconcile` compares an order line with its holds variant by variant and does
// not yet know a kit's line is held as its components.
describe("kits", () => {
  it("a kit's line ships and is refunded by whole kits: each component by its units per kit", async () => {
    const mug = await makeProduct(10, 800);
    const tin = await makeProduct(10, 500);
    const kit = await createProduct({
      name: `Refund kit ${Math.random().toString(36).slice(2, 8)}`,
      priceCents: 2000,
      kit: [
        { variantId: mug.variantId, quantity: 2 },
        { variantId: tin.variantId, quantity: 1 },
      ],
      actorId: null,
    });
    const kitVariant = await onlyVariantOf(kit.id);
    const shopper = await shopperWithVariantCart([{ variantId: kitVariant, quantity: 2 }]);
    const { checkout } = await startCheckout(shopper, { email: shopper.email });
    const order = await payInFull({ checkoutId: checkout.id, shopperId: shopper.id, cardNumber: TEST_CARDS.succeeds, idempotencyKey: `kit-${checkout.id}` });
    expect(await levels(mug.id)).toEqual({ on_hand: 10, reserved: 0, allocated: 4 });

    const shipped = await fulfilOrder(order.id, null, { lines: [{ variantId: kitVariant, quantity: 1 }], trackingNumber: "KIT1" });
    expect(shipped.lines[0]).toMatchObject({ fulfilled: 1 });
    expect(await levels(mug.id)).toEqual({ on_hand: 8, reserved: 0, allocated: 2 });
    expect(await levels(tin.id)).toEqual({ on_hand: 9, reserved: 0, allocated: 1 });

    // Both kits back: the unshipped one's components go back on sale, the shipped one's come back to the shelf.
    const after = await refund(order.id, [{ variantId: kitVariant, quantity: 2 }], true, "kit back");
    expect(after).toMatchObject({ status: "refunded", refundedCents: 4000 });
    expect(after.lines[0]).toMatchObject({ fulfilled: 1, refunded: 2, returned: 1 });
    expect(await levels(mug.id)).toEqual({ on_hand: 10, reserved: 0, allocated: 0 });
    expect(await levels(tin.id)).toEqual({ on_hand: 10, reserved: 0, allocated: 0 });
    expect(await reconcileStock()).toMatchObject({ ok: true });
  });
});
