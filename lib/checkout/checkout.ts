/**
 * Checkout: start (hold the cart), activity (slide the expiry), cancel, and the admin's release. Paying is
 * ./pay.ts. Every status change goes through the state machine of ./states.ts. Server actions
 * and route handlers both call these functions.
 */
import "server-only";
import { and, asc, eq, inArray, sql } from "drizzle-orm";
import { db, type Tx } from "@/db/client";
import { carts, checkouts, products, type CheckoutEnder } from "@/db/schema";
import { mergeCartLines } from "../cart";
import { env } from "../platform/env";
import { DomainError, notFound } from "../platform/errors";
import { extendHolds, holdOwner, holdSecondsFor, limitError, lineFacts, releaseCheckoutHolds, requestHold, unitsHeldBy, type HoldOutcome, type ShortLine } from "../inventory";
import type { Shopper } from "../accounts/shoppers";
import { variantLabels } from "../catalog/variants";
import { assertMove, expiredError, refusalFor } from "./states";
import { isUuid } from "../platform/ids";
import { getCheckout, heldCheckoutView, type CheckoutView } from "./view";

/** A short line as a refusal names it: the variant's SKU beside its product and variant ids. */
export type ShortLineView = Omit<ShortLine, "component"> & { sku?: string; component?: NonNullable<ShortLine["component"]> & { sku?: string } };

export class InsufficientStockError extends DomainError {
  constructor(
    readonly lines: ShortLineView[],
    /** Variant names by id ("Trail Shirt — M"), so the message can say which is short. */
    readonly names: Record<string, string> = {},
    /** Units of the short variants in others' holds, and whether shoppers wait for them: the shopper may join the line. */
    readonly line?: { held: number; waiting: boolean },
  ) {
    super(
      "insufficient_stock",
      describeShortage(lines, names) + (line?.waiting ? " Other shoppers are waiting for it: join the line to get it when it is freed." : ""),
      { lines, ...(line ? { held: line.held, line: { canJoin: line.held > 0 || line.waiting, waiting: line.waiting } } : {}) },
    );
  }

  /** The refusal of these short lines, each named by its variant (one read of their names and SKUs). */
  static async of(lines: readonly ShortLine[], line?: { held: number; waiting: boolean }): Promise<InsufficientStockError> {
    // A kit's short line names its short component too: that is what the shopper cannot have.
    const labels = await variantLabels(db, lines.flatMap((l) => [...(l.variantId ? [l.variantId] : []), ...(l.component ? [l.component.variantId] : [])]));
    return new InsufficientStockError(
      lines.map((l) => ({
        ...l,
        ...(labels[l.variantId] ? { sku: labels[l.variantId]!.sku } : {}),
        ...(l.component && labels[l.component.variantId] ? { component: { ...l.component, sku: labels[l.component.variantId]!.sku } } : {}),
      })),
      Object.fromEntries(Object.entries(labels).map(([id, label]) => [id, label.name])),
      line,
    );
  }
}

/**
 * "Not enough stock to hold your cart: Trail Shirt — M: only 1 left (you asked for 2); Mug is sold out; Gift Set:
 * its Lamp is sold out."
 */
function describeShortage(lines: ShortLine[], names: Record<string, string>): string {
  const parts = lines.map((l) => {
    const what = names[l.variantId] ?? "one item";
    const line = l.available === 0 ? `${what} is sold out` : `${what}: only ${l.available} left (you asked for ${l.requested})`;
    if (!l.component) return line;
    const component = names[l.component.variantId] ?? "a part of it";
    return l.component.available === 0 ? `${what}: its ${component} is sold out` : `${line}: its ${component} is short`;
  });
  return `Not enough stock to hold your cart: ${parts.join("; ")}.`;
}

/**
 * Starts checkout: holds every line of the shopper's cart, or none. If this shopper already has a live
 * checkout for the same cart (active and unchanged, or being paid), returns it (`created: false`) instead of
 * holding twice. A refused start leaves any checkout the shopper already had exactly as it was.
 */
export async function startCheckout(
  shopper: Shopper,
  /** `clientAddress`: where the start came from (lib/platform/client-address.ts), for the per-address bounds. */
  input: { email?: string | null; details?: Record<string, string>; clientAddress?: string } = {},
): Promise<{ checkout: CheckoutView; created: boolean }> {
  const email = shopper.email ?? input.email?.trim() ?? null;
  if (!email) {
    throw new DomainError("invalid_request", "An email address is required to check out as a guest.", {
      issues: [{ path: ["email"], message: "Required for guest checkout" }],
    });
  }
  // One batched transaction does it all, the per-shopper rate limit included (lib/inventory/hold/batch.ts).
  const result = await requestHold({
    shopperId: shopper.id,
    email,
    ...(input.details ? { details: input.details } : {}),
    ...(input.clientAddress !== undefined ? { clientAddress: input.clientAddress } : {}),
  });
  switch (result.outcome) {
    case "held":
    case "existing":
      return { checkout: heldCheckoutView(result.checkout), created: result.outcome === "held" };
    case "insufficient_stock":
      // What may come back, and whether others already wait: the shopper may join the line.
      throw await InsufficientStockError.of(result.lines, await lineFacts(shopper.id, result.lines.map((l) => l.component?.variantId ?? l.variantId)));
    case "limit_per_customer":
      throw limitError(result.refusal);
    case "rate_limited":
      throw new DomainError(
        "rate_limited",
        `${await tooManyWhat(result)} Please wait ${waitFor(result.retryAfterSeconds)} and try again.`,
        { retryAfterSeconds: result.retryAfterSeconds },
        { "Retry-After": String(result.retryAfterSeconds) },
      );
    case "empty_cart":
      throw new DomainError("empty_cart", "Your cart is empty.");
    case "line_limit":
      throw new DomainError("quantity_limit", `At most ${env.MAX_QUANTITY_PER_LINE} of one product can be bought at once.`);
    case "not_found":
      throw notFound("cart");
  }
}

/** The per-address bounds count by the hour: a wait of 40 minutes reads better than 2400 seconds. */
const waitFor = (seconds: number) => (seconds >= 120 ? `${Math.ceil(seconds / 60)} minutes` : `${seconds} seconds`);

/** What a rate-limited start was over: the shopper's starts, or what their network (client address) holds. */
async function tooManyWhat(refusal: Extract<HoldOutcome, { outcome: "rate_limited" }>): Promise<string> {
  if (refusal.per === "shopper") return "Too many checkout starts.";
  if (refusal.productId === null) return "Too many checkouts started from your network.";
  const name = (await productNames([refusal.productId]))[refusal.productId] ?? "one item";
  return `Too many units of ${name} held from your network.`;
}

/** Names of these products, so a refusal can say which one is short. */
export async function productNames(productIds: string[]): Promise<Record<string, string>> {
  if (productIds.length === 0) return {};
  const rows = await db.select({ id: products.id, name: products.name }).from(products).where(inArray(products.id, productIds));
  return Object.fromEntries(rows.map((r) => [r.id, r.name]));
}

/** Locks a shopper's checkout row: the first lock of every change to a checkout (after its cart's, if any). */
export async function lockCheckout(tx: Tx, checkoutId: string, shopperId: string) {
  if (!isUuid(checkoutId)) throw notFound("checkout");
  const [row] = await tx
    .select({
      id: checkouts.id,
      cartId: checkouts.cartId,
      status: checkouts.status,
      endedBy: checkouts.endedBy,
      inTime: sql<boolean>`${checkouts.expiresAt} > now()`,
      startedAt: checkouts.startedAt,
      hardExpiresAt: checkouts.hardExpiresAt,
      totalCents: checkouts.totalCents,
      email: checkouts.email,
      details: checkouts.details,
    })
    .from(checkouts)
    .where(and(eq(checkouts.id, checkoutId), eq(checkouts.shopperId, shopperId)))
    .for("update");
  if (!row) throw notFound("checkout");
  return row;
}
export type LockedCheckout = Awaited<ReturnType<typeof lockCheckout>>;

/** Active, but its time is up: it has lapsed, whether or not the sweep has recorded it yet. */
export const hasLapsed = (checkout: LockedCheckout) =>
  checkout.status === "expired" || (checkout.status === "active" && !checkout.inTime);

/** Ends a lapsed checkout as expired (by the clock), releasing whatever it still holds. */
export function expireLapsed(tx: Tx, checkoutId: string): Promise<number> {
  return releaseCheckoutHolds(tx, checkoutId, {
    status: "expired",
    endedBy: "timeout",
    kind: "expire",
    reason: "hold expired",
    actorId: null,
  });
}

/**
 * Slides the holds of `checkoutId` out to now + TTL (capped by the hard limit) if every one is still active and
 * in time, and the checkout's expiry with them.
 */
async function extendCheckout(tx: Tx, checkout: LockedCheckout): Promise<boolean> {
  // Shorter while shoppers wait in line for what it holds (RESERVATION_TTL_CONTENDED_SECONDS).
  const target = sql`least(now() + make_interval(secs => ${holdSecondsFor(checkout.id)}), ${checkout.hardExpiresAt.toISOString()}::timestamptz)`;
  if (!(await extendHolds(tx, checkout.id, target, { keepLater: true }))) return false;
  await tx
    .update(checkouts)
    .set({ expiresAt: sql`greatest(${checkouts.expiresAt}, ${target})` })
    .where(eq(checkouts.id, checkout.id));
  return true;
}

class HoldLapsed extends Error {}

export const checkoutDetailsSchemaKeys = ["name", "address", "city", "postcode", "country"] as const;

/**
 * The shopper is working on the checkout (typing their details): slide the expiry out and keep the details.
 * Refuses with 410 once the hold has lapsed, and releases it then. While the checkout is being paid, nothing
 * changes: the payment window holds the stock.
 */
export async function recordCheckoutActivity(
  checkoutId: string,
  shopperId: string,
  input: { email?: string; details?: Record<string, string> } = {},
): Promise<CheckoutView> {
  try {
    await db.transaction(async (tx) => {
      const checkout = await lockCheckout(tx, checkoutId, shopperId);
      if (checkout.status === "paying") return;
      if (checkout.status !== "active" && checkout.status !== "expired") throw refusalFor(checkout.status);
      if (hasLapsed(checkout) || !(await extendCheckout(tx, checkout))) throw new HoldLapsed(); // rolls back a partial extension
      if (input.email !== undefined || input.details !== undefined) {
        await tx
          .update(checkouts)
          .set({
            email: input.email ?? sql`${checkouts.email}`,
            details: sql`${checkouts.details} || ${JSON.stringify(input.details ?? {})}::jsonb`,
          })
          .where(eq(checkouts.id, checkoutId));
      }
    });
  } catch (error) {
    if (!(error instanceof HoldLapsed)) throw error;
    await db.transaction(async (tx) => {
      const checkout = await lockCheckout(tx, checkoutId, shopperId);
      if (checkout.status === "active") await expireLapsed(tx, checkoutId);
    });
    throw expiredError();
  }
  return getCheckout(checkoutId, shopperId);
}

/**
 * Cancels the checkout and releases its hold at once, also after the hold lapsed (the answer is `cancelled`,
 * and a cancelled checkout can never be paid). Cancelling a cancelled or failed checkout changes nothing; a
 * paid one, or one being paid, is refused (409).
 */
export async function cancelCheckout(
  checkoutId: string,
  shopperId: string,
  actorId = shopperId,
  endedBy: CheckoutEnder = "shopper",
): Promise<CheckoutView> {
  await db.transaction(async (tx) => {
    const checkout = await lockCheckout(tx, checkoutId, shopperId);
    if (checkout.status === "cancelled" || checkout.status === "failed") return;
    assertMove(checkout.status, "cancelled");
    await releaseCheckoutHolds(tx, checkoutId, {
      status: "cancelled",
      endedBy,
      kind: hasLapsed(checkout) ? "expire" : "release",
      reason: endedBy === "shop" ? "released by an admin" : hasLapsed(checkout) ? "hold expired" : "checkout cancelled",
      actorId,
    });
  });
  return getCheckout(checkoutId, shopperId);
}

/** An admin releases a hold: the whole checkout it belongs to ends (by the shop), its stock free at once. */
export async function releaseReservation(reservationId: string, adminId: string | null): Promise<CheckoutView> {
  if (!isUuid(reservationId)) throw notFound("reservation");
  const owner = await holdOwner(reservationId);
  if (!owner) throw notFound("reservation");
  await db.transaction(async (tx) => {
    const checkout = await lockCheckout(tx, owner.checkoutId, owner.shopperId);
    if (checkout.status === "paying") throw refusalFor("paying");
    if (checkout.status !== "active") return; // ended already: nothing is held
    await releaseCheckoutHolds(tx, owner.checkoutId, {
      status: "cancelled",
      endedBy: "shop",
      kind: "release",
      reason: "released by an admin",
      actorId: adminId,
    });
  });
  return getCheckout(owner.checkoutId, owner.shopperId);
}

/**
 * At sign-in, the guest hands over to the account in one transaction: the guest's cart is locked first (so a
 * checkout the guest starts at this very moment either finished before — and is cancelled here — or finds the
 * cart empty after), every live guest checkout not being paid is cancelled, and the cart lines join the
 * account's cart. A checkout being paid finishes as the guest's: the lines it is buying stay in the guest's
 * cart, where its order removes them, so the account cannot buy the same items a second time.
 */
export async function handOverGuest(guestId: string, accountId: string): Promise<void> {
  if (guestId === accountId) return;
  await db.transaction(async (tx) => {
    const [guestCart] = await tx.select({ id: carts.id }).from(carts).where(eq(carts.shopperId, guestId)).for("no key update");
    if (!guestCart) return;
    const live = await tx
      .select({ id: checkouts.id, status: checkouts.status })
      .from(checkouts)
      .where(and(eq(checkouts.cartId, guestCart.id), inArray(checkouts.status, ["active", "paying"])))
      .orderBy(asc(checkouts.id))
      .for("update");
    const paying = live.filter((c) => c.status === "paying").map((c) => c.id);
    const buying = await unitsHeldBy(tx, paying);
    for (const checkout of live) {
      if (checkout.status === "paying") continue;
      await releaseCheckoutHolds(tx, checkout.id, {
        status: "cancelled",
        endedBy: "shopper",
        kind: "release",
        reason: "signed in: the cart moved to the account",
        actorId: guestId,
      });
    }
    await mergeCartLines(tx, guestCart.id, accountId, buying);
  });
}
