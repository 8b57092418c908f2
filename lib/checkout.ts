/**
 * Checkout: start (hold the cart), activity (slide the expiry), cancel, and pay (turn the hold into an order,
 * exactly once). Server actions and route handlers both call these functions.
 */
import "server-only";
import { sql } from "drizzle-orm";
import { db, type Tx } from "@/db/client";
import type { CheckoutStatus } from "@/db/schema";
import { env } from "./env";
import { DomainError, notFound } from "./errors";
import { lockStockRows, releaseCheckoutHolds, requestHold, type ShortLine } from "./inventory";
import { queueOrderConfirmation } from "./mail";
import { getOrderForShopper, type OrderView } from "./orders";
import { paymentProvider } from "./payments";
import { consumeRateLimit } from "./rate-limit";
import type { Shopper } from "./shoppers";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (value: string) => UUID.test(value);

export interface CheckoutLineView {
  productId: string;
  slug: string;
  name: string;
  quantity: number;
  unitPriceCents: number;
}

export interface CheckoutView {
  id: string;
  status: CheckoutStatus;
  lines: CheckoutLineView[];
  totalCents: number;
  email: string | null;
  details: Record<string, string>;
  startedAt: string;
  expiresAt: string;
  hardExpiresAt: string;
  serverTime: string;
  orderId?: string;
}

/** A checkout as its shopper sees it. Another shopper's checkout does not exist for them. */
export async function getCheckout(checkoutId: string, shopperId: string): Promise<CheckoutView> {
  if (!isUuid(checkoutId)) throw notFound("checkout");
  const [row] = await db.execute<CheckoutViewRow>(sql`
    select c.id,
      case when c.status = 'active' and c.expires_at <= now() then 'expired' else c.status end as status,
      c.total_cents, c.email, c.details,
      to_json(c.started_at) #>> '{}' as started_at,
      to_json(c.expires_at) #>> '{}' as expires_at,
      to_json(c.hard_expires_at) #>> '{}' as hard_expires_at,
      to_json(clock_timestamp()) #>> '{}' as server_time,
      o.id as order_id,
      (select coalesce(json_agg(json_build_object(
          'productId', r.product_id, 'slug', p.slug, 'name', p.name,
          'quantity', r.quantity, 'unitPriceCents', r.unit_price_cents) order by p.name), '[]')
         from reservations r join products p on p.id = r.product_id
        where r.checkout_id = c.id) as lines
    from checkouts c left join orders o on o.checkout_id = c.id
    where c.id = ${checkoutId} and c.shopper_id = ${shopperId}`);
  if (!row) throw notFound("checkout");
  return toCheckoutView(row);
}

/** A checkout row as read by `getCheckout`, or as returned by the hold function (lib/inventory.ts). */
type CheckoutViewRow = {
  id: string;
  status: CheckoutStatus;
  total_cents: number;
  email: string | null;
  details: Record<string, string>;
  started_at: string;
  expires_at: string;
  hard_expires_at: string;
  server_time: string;
  order_id: string | null;
  lines: CheckoutLineView[];
};

function toCheckoutView(row: CheckoutViewRow): CheckoutView {
  return {
    id: row.id,
    status: row.status,
    lines: row.lines,
    totalCents: row.total_cents,
    email: row.email,
    details: row.details,
    startedAt: iso(row.started_at),
    expiresAt: iso(row.expires_at),
    hardExpiresAt: iso(row.hard_expires_at),
    serverTime: iso(row.server_time),
    ...(row.order_id ? { orderId: row.order_id } : {}),
  };
}

const iso = (pgTimestamp: string) => new Date(pgTimestamp).toISOString();

export class InsufficientStockError extends DomainError {
  constructor(readonly lines: ShortLine[]) {
    super("insufficient_stock", describeShortage(lines), { lines });
  }
}

function describeShortage(lines: ShortLine[]): string {
  const parts = lines.map((l) =>
    l.available === 0 ? `one item is sold out` : `only ${l.available} left of one item (you asked for ${l.requested})`,
  );
  return `Not enough stock to hold your cart: ${parts.join("; ")}.`;
}

/**
 * Starts checkout: holds every line of the shopper's cart, or none. If this shopper already has an active
 * checkout for the same cart, returns it (`created: false`) instead of holding twice.
 */
export async function startCheckout(
  shopper: Shopper,
  input: { email?: string | null } = {},
): Promise<{ checkout: CheckoutView; created: boolean }> {
  const email = shopper.email ?? input.email?.trim() ?? null;
  if (!email) {
    throw new DomainError("invalid_request", "An email address is required to check out as a guest.", {
      issues: [{ path: ["email"], message: "Required for guest checkout" }],
    });
  }
  await consumeRateLimit(`checkout:${shopper.id}`, env.RATE_LIMIT_CHECKOUTS_PER_MINUTE, "checkout starts");
  // The hold finds the shopper's cart itself (no cart: empty) and returns the checkout it made or found, so a
  // start is one batched transaction and nothing else (see lib/inventory.ts).
  const result = await requestHold({ shopperId: shopper.id, email });
  switch (result.outcome) {
    case "held":
    case "existing":
      return {
        checkout: result.checkout ? toCheckoutView(result.checkout) : await getCheckout(result.checkoutId, shopper.id),
        created: result.outcome === "held",
      };
    case "insufficient_stock":
      throw new InsufficientStockError(result.lines);
    case "empty_cart":
      throw new DomainError("empty_cart", "Your cart is empty.");
    case "line_limit":
      throw new DomainError(
        "quantity_limit",
        `At most ${env.MAX_QUANTITY_PER_LINE} of one product can be bought at once.`,
      );
    case "not_found":
      throw notFound("cart");
  }
}

/** Locks a shopper's checkout row; the first lock of every change to a checkout (see lib/inventory.ts). */
async function lockCheckout(tx: Tx, checkoutId: string, shopperId: string) {
  if (!isUuid(checkoutId)) throw notFound("checkout");
  const [row] = await tx.execute<{
    id: string;
    cart_id: string;
    status: CheckoutStatus;
    in_time: boolean;
    total_cents: number;
    email: string | null;
  }>(sql`
    select id, cart_id, status, expires_at > now() as in_time, total_cents, email
    from checkouts where id = ${checkoutId} and shopper_id = ${shopperId}
    for update`);
  if (!row) throw notFound("checkout");
  return row;
}

function refuseEnded(status: CheckoutStatus): void {
  if (status === "completed") throw new DomainError("checkout_completed", "This checkout has already been paid.");
  if (status === "cancelled" || status === "failed") {
    throw new DomainError("checkout_closed", `This checkout was ${status === "failed" ? "declined" : "cancelled"}; its hold has been released.`);
  }
}

const expiredError = () =>
  new DomainError("checkout_expired", "Your checkout expired and its items were released. Please start again.");

/** Ends a checkout whose time ran out, releasing what it still held. */
async function expireCheckout(checkoutId: string, shopperId: string): Promise<void> {
  await db.transaction(async (tx) => {
    const checkout = await lockCheckout(tx, checkoutId, shopperId);
    if (checkout.status === "active" && !checkout.in_time) {
      await releaseCheckoutHolds(tx, checkoutId, {
        status: "expired",
        kind: "expire",
        reason: "hold expired",
        actorId: null,
      });
    }
  });
}

/**
 * Extends the holds of `checkoutId` to now + TTL (capped by the hard limit) if every one is still active and
 * in time. Takes the reservations' row locks, which keeps the stale-hold sweep away from them until commit.
 */
async function extendHolds(tx: Tx, checkoutId: string): Promise<boolean> {
  const [row] = await tx.execute<{ extended: number; lines: number }>(sql`
    with target as (
      select least(now() + make_interval(secs => ${env.RESERVATION_TTL_SECONDS}), hard_expires_at) as expires_at
      from checkouts where id = ${checkoutId}
    ), extended as (
      update reservations r set expires_at = greatest(r.expires_at, t.expires_at)
      from target t
      where r.checkout_id = ${checkoutId} and r.status = 'active' and r.expires_at > now()
      returning 1
    ), moved as (
      update checkouts c set expires_at = greatest(c.expires_at, t.expires_at)
      from target t where c.id = ${checkoutId}
    )
    select (select count(*)::int from extended) as extended,
           (select count(*)::int from reservations where checkout_id = ${checkoutId}) as lines`);
  return row !== undefined && row.extended === row.lines && row.lines > 0;
}

class HoldLapsed extends Error {}

export const checkoutDetailsSchemaKeys = ["name", "address", "city", "postcode", "country"] as const;

/**
 * The shopper is working on the checkout (typing their details): slide the expiry out. Refuses with 410 once
 * the hold has lapsed, and releases it then.
 */
export async function recordCheckoutActivity(
  checkoutId: string,
  shopperId: string,
  input: { email?: string; details?: Record<string, string> } = {},
): Promise<CheckoutView> {
  try {
    await db.transaction(async (tx) => {
      const checkout = await lockCheckout(tx, checkoutId, shopperId);
      refuseEnded(checkout.status);
      if (checkout.status === "expired" || !checkout.in_time) throw new HoldLapsed();
      if (!(await extendHolds(tx, checkoutId))) throw new HoldLapsed(); // rolls the partial extension back
      if (input.email !== undefined || input.details !== undefined) {
        await tx.execute(sql`
          update checkouts
          set email = coalesce(${input.email ?? null}, email),
              details = details || ${JSON.stringify(input.details ?? {})}::jsonb
          where id = ${checkoutId}`);
      }
    });
  } catch (error) {
    if (!(error instanceof HoldLapsed)) throw error;
    await expireCheckout(checkoutId, shopperId);
    throw expiredError();
  }
  return getCheckout(checkoutId, shopperId);
}

/** Cancels the checkout and releases its hold at once. Cancelling an ended checkout changes nothing. */
export async function cancelCheckout(checkoutId: string, shopperId: string, actorId = shopperId): Promise<CheckoutView> {
  await db.transaction(async (tx) => {
    const checkout = await lockCheckout(tx, checkoutId, shopperId);
    if (checkout.status === "completed") {
      throw new DomainError("checkout_completed", "This checkout has already been paid and cannot be cancelled.");
    }
    if (checkout.status === "active") {
      await releaseCheckoutHolds(tx, checkoutId, {
        status: checkout.in_time ? "cancelled" : "expired",
        kind: checkout.in_time ? "release" : "expire",
        reason: checkout.in_time ? "checkout cancelled" : "hold expired",
        actorId,
      });
    }
  });
  return getCheckout(checkoutId, shopperId);
}

/**
 * Re-holds a lapsed checkout's lines if the stock is still there (used by payment after expiry). On shortage
 * the checkout ends as expired and the shortage is reported; nothing is charged. A checkout whose cart has been
 * checked out again since is over for good (checkout_expired).
 */
async function renewHold(checkoutId: string, shopperId: string): Promise<void> {
  const result = await db.transaction(async (tx): Promise<ShortLine[] | "superseded" | null> => {
    // The cart's lock first (the lock order of lib/inventory.ts): no new checkout of this cart can start
    // while this one is brought back to life. NO KEY UPDATE, as the start takes it (migration 0001).
    const [owner] = await tx.execute<{ cart_id: string }>(sql`
      select cart_id from checkouts where id = ${checkoutId} and shopper_id = ${shopperId}`);
    if (!owner) throw notFound("checkout");
    await tx.execute(sql`select 1 from carts where id = ${owner.cart_id} for no key update`);
    const checkout = await lockCheckout(tx, checkoutId, shopperId);
    // A concurrent submit paid it meanwhile: the payment attempt that follows returns that order.
    if (checkout.status === "completed") return null;
    refuseEnded(checkout.status);
    const lines = await tx.execute<{ product_id: string; quantity: number; live: boolean }>(sql`
      select product_id, quantity, status = 'active' and expires_at > now() as live
      from reservations where checkout_id = ${checkoutId} order by product_id`);
    // A concurrent submit renewed it meanwhile: nothing to do.
    if (checkout.status === "active" && checkout.in_time && lines.every((l) => l.live)) return null;
    const [newer] = await tx.execute(sql`
      select 1 from checkouts where cart_id = ${owner.cart_id} and status = 'active' and id <> ${checkoutId}`);
    if (newer) return "superseded";

    const productIds = lines.map((l) => l.product_id);
    await lockStockRows(tx, productIds);
    await tx.execute(sql`select stockhold_expire_stale_holds_locked(${toUuidArray(productIds)})`);
    // Whatever this checkout still holds is released first, then everything is held afresh.
    await releaseCheckoutHolds(tx, checkoutId, { status: "expired", kind: "expire", reason: "hold expired", actorId: null });
    const free = await tx.execute<{ product_id: string; free: number }>(sql`
      select product_id, on_hand - reserved - allocated as free from stock_levels
      where product_id = any(${toUuidArray(productIds)})`);
    const freeOf = new Map(free.map((f) => [f.product_id, f.free]));
    const short = lines
      .filter((l) => l.quantity > (freeOf.get(l.product_id) ?? 0))
      .map((l) => ({ productId: l.product_id, requested: l.quantity, available: Math.max(0, freeOf.get(l.product_id) ?? 0) }));
    if (short.length > 0) return short;

    await tx.execute(sql`
      with target as (
        select now() + make_interval(secs => ${env.RESERVATION_TTL_SECONDS}) as expires_at
      ), renewed as (
        update reservations r set status = 'active', ended_at = null, expires_at = t.expires_at
        from target t where r.checkout_id = ${checkoutId}
        returning r.product_id, r.quantity
      ), ledger as (
        insert into stock_movements (product_id, kind, reserved_delta, checkout_id, actor_id, reason)
        select product_id, 'reserve', quantity, ${checkoutId}, ${shopperId}, 'hold renewed for payment' from renewed
      ), levels as (
        update stock_levels s set reserved = s.reserved + n.quantity, updated_at = now()
        from renewed n where s.product_id = n.product_id
      )
      update checkouts c set status = 'active', ended_at = null, expires_at = t.expires_at,
        hard_expires_at = greatest(c.hard_expires_at, t.expires_at)
      from target t where c.id = ${checkoutId}`);
    return null;
  });
  if (result === "superseded") throw expiredError();
  if (result) throw new InsufficientStockError(result);
}

const toUuidArray = (ids: string[]) =>
  sql`array[${sql.join(
    ids.map((id) => sql`${id}::uuid`),
    sql`, `,
  )}]::uuid[]`;

type PayOutcome =
  | { kind: "paid"; orderId: string }
  | { kind: "declined"; code: string; message: string }
  | { kind: "lapsed" };

/**
 * Pays for a checkout and turns its hold into allocated stock and an order, exactly once:
 * the checkout's row lock serialises concurrent submits, a replayed idempotency key gets the first answer,
 * and `orders_one_per_checkout` backs it in the database. A decline releases the hold at once.
 * If the hold had lapsed, it is renewed when the stock is still there; otherwise nothing is charged (409).
 */
export async function payForCheckout(input: {
  checkoutId: string;
  shopperId: string;
  cardNumber: string;
  idempotencyKey: string;
}): Promise<OrderView> {
  let outcome = await attemptPayment(input);
  if (outcome.kind === "lapsed") {
    await renewHold(input.checkoutId, input.shopperId);
    outcome = await attemptPayment(input);
  }
  switch (outcome.kind) {
    case "paid":
      return getOrderForShopper(outcome.orderId, input.shopperId);
    case "declined":
      throw new DomainError("payment_declined", `${outcome.message} Your items have been released.`, {
        declineCode: outcome.code,
      });
    case "lapsed":
      throw expiredError();
  }
}

async function attemptPayment(input: {
  checkoutId: string;
  shopperId: string;
  cardNumber: string;
  idempotencyKey: string;
}): Promise<PayOutcome> {
  try {
    return await chargeAndAllocate(input);
  } catch (error) {
    if (error instanceof HoldLapsed) return { kind: "lapsed" };
    throw error;
  }
}

function chargeAndAllocate(input: {
  checkoutId: string;
  shopperId: string;
  cardNumber: string;
  idempotencyKey: string;
}): Promise<PayOutcome> {
  return db.transaction(async (tx): Promise<PayOutcome> => {
    const checkout = await lockCheckout(tx, input.checkoutId, input.shopperId);

    const [prior] = await tx.execute<{ outcome: "succeeded" | "declined"; decline_code: string; order_id: string }>(sql`
      select outcome, decline_code, order_id from payment_attempts
      where checkout_id = ${input.checkoutId} and idempotency_key = ${input.idempotencyKey}`);
    if (prior?.outcome === "succeeded") return { kind: "paid", orderId: prior.order_id };
    if (prior?.outcome === "declined") {
      return { kind: "declined", code: prior.decline_code, message: "Your card was declined." };
    }
    if (checkout.status === "completed") {
      // Paid already (a second click with a fresh key): show that order, never charge again.
      const [order] = await tx.execute<{ id: string }>(sql`select id from orders where checkout_id = ${input.checkoutId}`);
      return { kind: "paid", orderId: order!.id };
    }
    refuseEnded(checkout.status);
    if (checkout.status === "expired" || !checkout.in_time) return { kind: "lapsed" };
    // Throwing rolls back a partial extension: a lapsed attempt changes nothing, renewHold takes over.
    if (!(await extendHolds(tx, input.checkoutId))) throw new HoldLapsed();

    // The holds are extended and their rows locked by this transaction: no sweep can expire them now.
    const charge = await paymentProvider().charge({
      amountCents: checkout.total_cents,
      cardNumber: input.cardNumber,
      idempotencyKey: `${input.checkoutId}:${input.idempotencyKey}`,
      description: `Stockhold checkout ${input.checkoutId}`,
    });

    if (charge.outcome === "declined") {
      await releaseCheckoutHolds(tx, input.checkoutId, {
        status: "failed",
        kind: "release",
        reason: `payment declined (${charge.code})`,
        actorId: input.shopperId,
      });
      await tx.execute(sql`
        insert into payment_attempts (checkout_id, idempotency_key, outcome, decline_code, amount_cents)
        values (${input.checkoutId}, ${input.idempotencyKey}, 'declined', ${charge.code}, ${checkout.total_cents})`);
      return { kind: "declined", code: charge.code, message: charge.message };
    }

    const held = await tx.execute<{ product_id: string }>(sql`
      select product_id from reservations where checkout_id = ${input.checkoutId} and status = 'active'`);
    await lockStockRows(
      tx,
      held.map((h) => h.product_id),
    );
    const [order] = await tx.execute<{ id: string; lines: number }>(sql`
      with allocated as (
        update reservations set status = 'allocated', ended_at = now()
        where checkout_id = ${input.checkoutId} and status = 'active'
        returning product_id, quantity, unit_price_cents
      ), levels as (
        update stock_levels s
        set reserved = s.reserved - a.quantity, allocated = s.allocated + a.quantity, updated_at = now()
        from allocated a where s.product_id = a.product_id
      ), new_order as (
        insert into orders (checkout_id, shopper_id, email, total_cents, payment_reference)
        values (${input.checkoutId}, ${input.shopperId}, ${checkout.email}, ${checkout.total_cents}, ${charge.reference})
        returning id
      ), lines as (
        insert into order_lines (order_id, product_id, quantity, unit_price_cents)
        select o.id, a.product_id, a.quantity, a.unit_price_cents from allocated a, new_order o
      ), ledger as (
        insert into stock_movements (product_id, kind, reserved_delta, allocated_delta, checkout_id, order_id, actor_id, reason)
        select a.product_id, 'allocate', -a.quantity, a.quantity, ${input.checkoutId}, o.id, ${input.shopperId}, 'order paid'
        from allocated a, new_order o
      )
      select o.id, (select count(*)::int from allocated) as lines from new_order o`);
    if (!order || order.lines !== held.length || order.lines === 0) {
      throw new Error(`allocation of checkout ${input.checkoutId} found ${order?.lines ?? 0} of ${held.length} holds`);
    }
    await tx.execute(sql`
      insert into payment_attempts (checkout_id, idempotency_key, outcome, amount_cents, order_id)
      values (${input.checkoutId}, ${input.idempotencyKey}, 'succeeded', ${checkout.total_cents}, ${order.id})`);
    await tx.execute(sql`update checkouts set status = 'completed', ended_at = now() where id = ${input.checkoutId}`);
    await queueOrderConfirmation(tx, order.id);
    // The bought lines leave the cart; anything added to it since stays.
    await tx.execute(sql`
      delete from cart_lines where cart_id = ${checkout.cart_id}
      and product_id in (select product_id from reservations where checkout_id = ${input.checkoutId})`);
    return { kind: "paid", orderId: order.id };
  });
}

/** An admin releases a hold: the whole checkout it belongs to ends, and its stock is free at once. */
export async function releaseReservation(reservationId: string, adminId: string | null): Promise<CheckoutView> {
  if (!isUuid(reservationId)) throw notFound("reservation");
  const [owner] = await db.execute<{ checkout_id: string; shopper_id: string }>(sql`
    select checkout_id, shopper_id from reservations where id = ${reservationId}`);
  if (!owner) throw notFound("reservation");
  await db.transaction(async (tx) => {
    const checkout = await lockCheckout(tx, owner.checkout_id, owner.shopper_id);
    if (checkout.status !== "active") return;
    await releaseCheckoutHolds(tx, owner.checkout_id, {
      status: "cancelled",
      kind: "release",
      reason: "released by an admin",
      actorId: adminId,
    });
  });
  return getCheckout(owner.checkout_id, owner.shopper_id);
}
