/**
 * Paying for a checkout, the one file that says how a payment becomes an order (begin → provider → settle):
 * money moves exactly once. The stock verbs are lib/inventory's (extend, renew, allocate, release), the order is
 * placed by lib/orders/place.ts, and the providers, signatures, webhooks and recovery sweep are lib/payments'.
 *
 *   1. begin   — a short transaction: the checkout moves to `paying` (its holds kept until the payment window
 *                ends; a lapsed checkout is revived first if the state machine allows it, it started within
 *                the hard cap, its products are still sold, any new price was accepted, and the stock is
 *                there) and a payment record is written, status `processing`. Its id is the provider's
 *                idempotency key.
 *   2. authorize — the provider call, with no transaction open and no pooled connection held. An answer that
 *                comes after the request stopped waiting (202) is settled when it comes.
 *   3. settle  — a short transaction: the provider's answer is applied to the record. Authorized: the stock
 *                is allocated to a new order (placeOrder; the checkout `completed`), or, when it could not be kept, the
 *                checkout fails and the money is to be given back. Declined: the hold is released at once.
 *   4. capture / void / refund — provider calls again outside any transaction, then recorded. The settler
 *                that decides on one claims it in the settling transaction (`step_claimed_at`), so a second
 *                settler bringing the same answer never makes the call again.
 * `settlePayment` is the one function that applies a provider's answer, whoever brings it: the pay request, the
 * recovery sweep (lib/payments/recovery.ts), a webhook (lib/payments/webhooks.ts) or the shopper's page once the
 * bank's 3-D Secure check has closed (./confirm-payment.ts). Whatever order they come in, the payment's row lock and its status
 * make the outcome happen once: one order, one capture, or one release.
 */
import "server-only";
import { and, eq, getTableColumns, gt, inArray, sql } from "drizzle-orm";
import { formatMoney } from "@/components/ui/money";
import { db, type Tx } from "@/db/client";
import { carts, checkouts, orders, payments, type Payment, type PaymentStatus } from "@/db/schema";
import { detailsToPayWith, type DeliveryGiven } from "./delivery";
import { expireLapsed, hasLapsed, InsufficientStockError, lockCheckout, type LockedCheckout } from "./checkout";
import { moveTo, refusalFor, supersededError } from "./states";
import { getCheckout, type CheckoutView } from "./view";
import { env } from "../platform/env";
import { DomainError, notFound } from "../platform/errors";
import { isUuid } from "../platform/ids";
import { extendHolds, heldLines, releaseCheckoutHolds, renewHolds, repriceHolds, type ShortLine } from "../inventory";
import { queueOrderConfirmation } from "../mail";
import { measurePayment } from "../platform/metrics";
import { placeOrder } from "../orders/place";
import { lineName } from "../catalog/variants";
import { getOrderForShopper, type OrderView } from "../orders/read";
import { paymentProvider } from "../payments";
import type { PaymentNextAction, ProviderPayment } from "../payments/provider";

/** `nextAction`: the payment waits for the shopper's bank (3-D Secure), which the browser does with the provider. */
export type PayResult = { kind: "paid"; order: OrderView } | { kind: "pending"; checkout: CheckoutView; nextAction?: PaymentNextAction };

export interface PayRequest {
  checkoutId: string;
  shopperId: string;
  /** The card number (the built-in test provider). */
  cardNumber?: string;
  /** A payment method made in the browser by the provider's own fields (Stripe: `pm_…`). */
  paymentMethod?: string;
  /** The client's Idempotency-Key: the same key again gets the same answer and never charges twice. */
  idempotencyKey: string;
  /** The new total the shopper was shown (409 `price_changed`) and accepts: a lapsed checkout revives at it. */
  acceptTotalCents?: number;
  /** The checkout details sent with the payment: checked for a delivery address once the checkout is payable. */
  delivery?: DeliveryGiven;
}

/**
 * Pays for a checkout. Answers the order (paid), or the checkout still `paying` when the provider answers
 * later; throws 402 on a decline (the hold released at once), 409 when the hold had lapsed and the stock is
 * gone (nothing charged) or another payment is in flight, 410 when the checkout has ended or was superseded.
 */
export function payForCheckout(request: PayRequest): Promise<PayResult> {
  return measurePayment(
    () => pay(request),
    (result) => result.kind,
  );
}

async function pay(request: PayRequest): Promise<PayResult> {
  const begun = await beginPayment(request);
  if (begun.kind === "charge") {
    const authorization = paymentProvider().authorize({
      idempotencyKey: providerKey(begun.paymentId),
      amountCents: begun.amountCents,
      paymentMethod: request.paymentMethod ?? request.cardNumber ?? "",
      description: `Stockhold checkout ${request.checkoutId}`,
    });
    let answer: ProviderPayment | null = null;
    try {
      answer = await withinRecoveryTime(authorization);
      // Answered late: the shopper is told "confirming" now, and the answer is settled whenever it comes, like
      // any other (the sweep stays the net for a server that dies before it does).
      if (!answer) settleLateAnswer(begun.paymentId, authorization);
    } catch (error) {
      // The answer is unknown (network, provider error): the record stays `processing` and the recovery sweep
      // asks the provider what happened. The shopper sees "Confirming your payment…".
      console.error("payment provider did not answer:", error instanceof Error ? error.message : error);
    }
    if (answer) await settleAndFinish(begun.paymentId, answer, { stepFailure: "log" });
    // The first answer says whether the bank waits for the shopper; no need to ask the provider again.
    return answerFor(request, begun.paymentId, answer ? { nextAction: answer.status === "processing" ? (answer.nextAction ?? null) : null } : {});
  }
  if (begun.kind === "replay") {
    // The same request while the first is still with the provider (a double click): wait briefly for its
    // answer rather than answer "still confirming".
    await waitWhileProcessing(begun.paymentId, REPLAY_WAIT_MS);
    return answerFor(request, begun.paymentId);
  }
  // Paid already (a second click with a fresh key): show that order, never charge again.
  return { kind: "paid", order: await getOrderForShopper(begun.orderId, request.shopperId) };
}

const REPLAY_WAIT_MS = 5_000;

/** Polls the payment record (no connection held between reads) until its outcome is known, or time is up. */
async function waitWhileProcessing(paymentId: string, waitMs: number): Promise<void> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const [p] = await db
      .select({ status: payments.status, orderId: payments.orderId, shortLines: payments.shortLines })
      .from(payments)
      .where(eq(payments.id, paymentId));
    const undecided = p?.status === "processing" || (p?.status === "authorized" && !p.orderId && !p.shortLines);
    if (!undecided || Date.now() >= deadline) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Settles an authorization that answered after the pay request gave up waiting, once it answers. */
function settleLateAnswer(paymentId: string, authorization: Promise<ProviderPayment>): void {
  authorization
    .then((answer) => settleAndFinish(paymentId, answer))
    .catch((error: unknown) => {
      console.error(`late payment answer for ${paymentId} could not be settled (the recovery sweep will):`, error instanceof Error ? error.message : error);
    });
}

/** The provider's answer, or null once PAYMENT_RECOVERY_AFTER_SECONDS have passed (the request answers 202). */
function withinRecoveryTime<T>(call: Promise<T>): Promise<T | null> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), env.PAYMENT_RECOVERY_AFTER_SECONDS * 1000);
  });
  return Promise.race([call, timeout]).finally(() => clearTimeout(timer));
}

export const PROVIDER_KEY_PREFIX = "stockhold_pay_";

/** The provider's idempotency key for a payment record. */
export const providerKey = (paymentId: string) => `${PROVIDER_KEY_PREFIX}${paymentId}`;

type Begun =
  | { kind: "charge"; paymentId: string; amountCents: number }
  | { kind: "replay"; paymentId: string }
  | { kind: "completed"; orderId: string };

async function beginPayment(request: PayRequest): Promise<Begun> {
  if (!isUuid(request.checkoutId)) throw notFound("checkout");
  const outcome = await db.transaction(async (tx): Promise<Begun | { kind: "short"; lines: ShortLine[] } | { kind: "refused"; error: DomainError }> => {
    // The cart's lock first (the lock order everywhere): no new checkout of this cart starts while this one
    // may be revived. NO KEY UPDATE, as the hold engine takes it.
    const [owner] = await tx
      .select({ cartId: checkouts.cartId })
      .from(checkouts)
      .where(and(eq(checkouts.id, request.checkoutId), eq(checkouts.shopperId, request.shopperId)));
    if (!owner) throw notFound("checkout");
    await tx.select({ id: carts.id }).from(carts).where(eq(carts.id, owner.cartId)).for("no key update");
    const checkout = await lockCheckout(tx, request.checkoutId, request.shopperId);

    const [prior] = await tx
      .select({ id: payments.id })
      .from(payments)
      .where(and(eq(payments.checkoutId, checkout.id), eq(payments.requestKey, request.idempotencyKey)));
    if (prior) return { kind: "replay", paymentId: prior.id };
    if (checkout.status === "completed") {
      const [order] = await tx.select({ id: orders.id }).from(orders).where(eq(orders.checkoutId, checkout.id));
      return { kind: "completed", orderId: order!.id };
    }
    if (checkout.status !== "active" && checkout.status !== "expired") throw refusalFor(checkout.status);
    if (checkout.status === "expired" && checkout.endedBy !== "timeout") throw refusalFor(checkout.status);
    const [newer] = await tx
      .select({ id: checkouts.id })
      .from(checkouts)
      .where(and(eq(checkouts.cartId, checkout.cartId), gt(checkouts.startedAt, checkout.startedAt)))
      .limit(1);
    if (newer) throw supersededError();

    // A lapsed checkout is sold again, so at what the shop sells now: refused if too old or a product is gone,
    // and at the new prices only once the shopper has seen and accepted the new total.
    const revival = hasLapsed(checkout) ? await repriceForRevival(tx, checkout, request.acceptTotalCents) : null;
    if (revival?.refused) {
      if (checkout.status === "active") await expireLapsed(tx, checkout.id);
      return { kind: "refused", error: revival.refused };
    }
    const totalCents = revival?.totalCents ?? checkout.totalCents;
    // Payable: now the order must know where it goes (400, nothing held or charged, if it does not). A revived
    // checkout could not save the details sent with it beforehand; they are saved here.
    const details = request.delivery ? detailsToPayWith(checkout.details, request.delivery) : checkout.details;

    // Keep the holds for the payment window, or (lapsed) hold the same lines afresh.
    const short = await holdForPayment(tx, checkout);
    if (short) {
      if (checkout.status === "active") await expireLapsed(tx, checkout.id);
      return { kind: "short", lines: short };
    }
    // Held again at the accepted new prices: the holds and the checkout say what is charged.
    if (revival?.repriced.length) await takeNewPrices(tx, checkout.id, revival.repriced, totalCents);
    const window = paymentWindowEnd();
    await moveTo(tx, eq(checkouts.id, checkout.id), "paying", {
        endedBy: null,
        endedAt: null,
        details,
        expiresAt: window,
        hardExpiresAt: sql`greatest(${checkouts.hardExpiresAt}, ${window})`,
    });
    const [payment] = await tx
      .insert(payments)
      .values({
        checkoutId: checkout.id,
        shopperId: request.shopperId,
        requestKey: request.idempotencyKey,
        provider: paymentProvider().name,
        amountCents: totalCents,
      })
      .returning({ id: payments.id });
    return { kind: "charge", paymentId: payment!.id, amountCents: totalCents };
  });
  // The lapse is recorded (committed) before the shopper is told the stock is gone.
  if (outcome.kind === "short") throw await InsufficientStockError.of(outcome.lines);
  if (outcome.kind === "refused") throw outcome.error;
  return outcome;
}

export interface RepricedLine {
  productId: string;
  variantId: string;
  sku: string;
  name: string;
  quantity: number;
  oldUnitPriceCents: number;
  unitPriceCents: number;
}

/**
 * Re-reads what a lapsed checkout sells before it is held again. Refuses (410) a checkout started longer ago
 * than RESERVATION_MAX_SECONDS, the hard cap on a hold's life, and (409 `product_unavailable`) one with an
 * archived or deleted product. When a price changed, refuses with 409 `price_changed`, the new lines and
 * total — unless `acceptTotalCents` is exactly that total: then the holds and the checkout take the new prices.
 */
async function repriceForRevival(
  tx: Tx,
  checkout: LockedCheckout,
  acceptTotalCents: number | undefined,
): Promise<{ refused: DomainError } | { refused?: undefined; totalCents: number; repriced: RepricedLine[] }> {
  const [age] = await tx
    // Raw SQL: the age is measured on the database's clock.
    .select({ tooOld: sql<boolean>`${checkouts.startedAt} <= now() - make_interval(secs => ${env.RESERVATION_MAX_SECONDS})` })
    .from(checkouts)
    .where(eq(checkouts.id, checkout.id));
  if (age?.tooOld) {
    return {
      refused: new DomainError(
        "checkout_expired",
        "This checkout was started too long ago to be paid; nothing was charged. Please start checkout again from your cart.",
        { tooOld: true },
      ),
    };
  }
  const lines = (await heldLines(tx, checkout.id)).map((l) => ({
    productId: l.productId,
    variantId: l.variantId,
    sku: l.sku,
    name: lineName(l.name, l.options),
    quantity: l.quantity,
    oldUnitPriceCents: l.unitPriceCents,
    unitPriceCents: l.priceNowCents,
    archived: l.archived,
  }));
  const heldTotal = lines.reduce((sum, l) => sum + l.quantity * l.oldUnitPriceCents, 0);
  const gone = lines.filter((l) => l.archived);
  // A deleted product takes its hold row with it: the lines left no longer add up to what was started.
  if (gone.length > 0 || heldTotal !== checkout.totalCents || lines.length === 0) {
    const names = gone.map((l) => l.name);
    return {
      refused: new DomainError(
        "product_unavailable",
        names.length > 0
          ? `No longer sold: ${names.join(", ")}. Nothing was charged; please go back to your cart.`
          : "An item in this checkout is no longer sold. Nothing was charged; please go back to your cart.",
        { lines: gone.map((l) => ({ productId: l.productId, variantId: l.variantId, sku: l.sku, name: l.name, quantity: l.quantity })) },
      ),
    };
  }
  const newTotalCents = lines.reduce((sum, l) => sum + l.quantity * l.unitPriceCents, 0);
  const priced: RepricedLine[] = lines.map(({ archived: _archived, ...l }) => l);
  const repriced = priced.filter((l) => l.unitPriceCents !== l.oldUnitPriceCents);
  if (repriced.length === 0) return { totalCents: checkout.totalCents, repriced };
  if (acceptTotalCents !== newTotalCents) {
    return {
      refused: new DomainError(
        "price_changed",
        `Prices changed since this checkout started. The new total is ${formatMoney(newTotalCents)} (it was ${formatMoney(checkout.totalCents)}); nothing was charged.`,
        { lines: priced, oldTotalCents: checkout.totalCents, newTotalCents },
      ),
    };
  }
  return { totalCents: newTotalCents, repriced };
}

/** A revived checkout takes the prices the shopper accepted: its holds' unit prices and its total. */
async function takeNewPrices(tx: Tx, checkoutId: string, repriced: RepricedLine[], totalCents: number): Promise<void> {
  await Promise.all([repriceHolds(tx, checkoutId, repriced), tx.update(checkouts).set({ totalCents }).where(eq(checkouts.id, checkoutId))]);
}



/** When a payment starting now must be settled by: its holds last until then. */
const paymentWindowEnd = () => sql`now() + make_interval(secs => ${env.PAYMENT_WINDOW_SECONDS})`;

/**
 * Makes the checkout's holds last to the end of the payment window. An in-time checkout's holds are extended;
 * a lapsed one's lines are held afresh if the stock is there. Returns the short lines if it is not.
 */
async function holdForPayment(tx: Tx, checkout: LockedCheckout): Promise<ShortLine[] | null> {
  const window = paymentWindowEnd();
  if (!hasLapsed(checkout) && (await extendHolds(tx, checkout.id, window))) return null;
  const short = await renewHolds(tx, checkout.id, window);
  return short.length > 0 ? short : null;
}

type NextStep = "capture" | "void" | "refund" | "none";

/**
 * Applies what the provider says about a payment, exactly once: the one function the pay request, the
 * recovery sweep and webhooks all call. Returns what is still to be asked of the provider.
 */
export async function settlePayment(paymentId: string, answer: ProviderPayment): Promise<NextStep> {
  const [found] = await db
    .select({ checkoutId: payments.checkoutId, shopperId: payments.shopperId })
    .from(payments)
    .where(eq(payments.id, paymentId));
  if (!found) throw notFound("payment");
  return db.transaction(async (tx): Promise<NextStep> => {
    const checkout = await lockCheckout(tx, found.checkoutId, found.shopperId);
    const [payment] = await tx
      .select({ ...getTableColumns(payments), stepClaimFresh: stepClaimFresh() })
      .from(payments)
      .where(eq(payments.id, paymentId))
      .for("update");
    const { stepClaimFresh: claimed, ...p } = payment!;
    const next = await applyAnswer(tx, checkout, p, answer);
    if (next === "none") return "none";
    // One settler makes the provider call that follows; another that arrives meanwhile (a webhook racing the
    // sweep, a retried delivery) leaves it to that one rather than call the provider a second time.
    if (claimed) return "none";
    await claimStep(tx, paymentId);
    return next;
  });
}

/** How long a claimed follow-up is left to its settler: longer than any provider call (Stripe: 20 s, one retry). */
const STEP_CLAIM_SECONDS = 120;

// Raw SQL: a comparison with the database's clock, read in the same locked select.
const stepClaimFresh = () =>
  sql<boolean>`coalesce(${payments.stepClaimedAt} > now() - make_interval(secs => ${STEP_CLAIM_SECONDS}), false)`;

function claimStep(tx: Tx, paymentId: string) {
  return tx.update(payments).set({ stepClaimedAt: sql`now()` }).where(eq(payments.id, paymentId));
}

/** What the provider's answer does to the payment (its row locked): the record, the order, the hold. */
async function applyAnswer(tx: Tx, checkout: LockedCheckout, p: Payment, answer: ProviderPayment): Promise<NextStep> {
  const reference = answer.reference ?? p.providerReference;
  const money = answer.status === "authorized" || answer.status === "captured";

  if (p.status !== "processing" && p.status !== "authorized") {
    // Settled already. Money that arrives for a payment the shop gave up on goes back.
    if (!money) return "none";
    if (p.status === "captured" || p.status === "refunded") return "none";
    return answer.status === "captured" ? "refund" : "void";
  }
  switch (answer.status) {
    case "processing":
      await tx.update(payments).set({ providerReference: reference, updatedAt: sql`now()` }).where(eq(payments.id, p.id));
      return "none";
    case "declined":
      await recordPayment(tx, p.id, { status: "declined", providerReference: reference, declineCode: answer.code, declineMessage: answer.message });
      await failCheckout(tx, checkout, `payment declined (${answer.code})`);
      return "none";
    case "voided":
    case "refunded":
      await recordPayment(tx, p.id, { status: answer.status, providerReference: reference });
      await failCheckout(tx, checkout, "payment voided");
      return "none";
    case "authorized":
    case "captured": {
      if (p.orderId) {
        if (answer.status === "captured") await recordPayment(tx, p.id, { status: "captured", providerReference: reference });
        return answer.status === "captured" ? "none" : "capture";
      }
      if (checkout.status !== "paying") {
        await recordPayment(tx, p.id, { status: "authorized", providerReference: reference });
        return answer.status === "captured" ? "refund" : "void";
      }
      const placed = await placeOrder(tx, checkout, p, reference!);
      if ("short" in placed) {
        await tx
          .update(payments)
          .set({ status: "authorized", providerReference: reference, shortLines: placed.short, updatedAt: sql`now()` })
          .where(eq(payments.id, p.id));
        await failCheckout(tx, checkout, "paid after the payment window, but the stock was gone");
        return answer.status === "captured" ? "refund" : "void";
      }
      await tx
        .update(payments)
        .set({
          status: answer.status,
          orderId: placed.orderId,
          providerReference: reference,
          updatedAt: sql`now()`,
          settledAt: answer.status === "captured" ? sql`now()` : null,
        })
        .where(eq(payments.id, p.id));
      return answer.status === "captured" ? "none" : "capture";
    }
  }
}

function recordPayment(tx: Tx, paymentId: string, values: Partial<Payment>) {
  return tx
    .update(payments)
    .set({ ...values, updatedAt: sql`now()`, settledAt: sql`now()` })
    .where(eq(payments.id, paymentId));
}

/** The payment did not buy anything: a checkout being paid fails and its hold is released at once. */
export async function failCheckout(tx: Tx, checkout: LockedCheckout, reason: string): Promise<void> {
  if (checkout.status !== "paying") return;
  await releaseCheckoutHolds(tx, checkout.id, { status: "failed", endedBy: "payment", kind: "release", reason, actorId: null });
}

/**
 * Applies the provider's answer, then does what is left (capture, void, refund) and records it. A failure of
 * that last call is thrown (a webhook answers 5xx and is retried), or with `stepFailure: "log"` only logged (the
 * pay request: the order stands, and the sweep or the merchant retries the capture).
 */
export async function settleAndFinish(paymentId: string, answer: ProviderPayment, options: { stepFailure?: "throw" | "log" } = {}): Promise<void> {
  const next = await settlePayment(paymentId, answer);
  const [p] = await db.select({ orderId: payments.orderId }).from(payments).where(eq(payments.id, paymentId));
  // The confirmation is queued once the order exists (the sweep queues any this misses).
  if (p?.orderId) await queueOrderConfirmation(db, p.orderId);
  if (next === "none") return;
  try {
    await finishStep(paymentId, next);
  } catch (error) {
    if (options.stepFailure !== "log") throw error;
    console.error(`payment ${paymentId}: the ${next} failed and is left for a retry:`, error instanceof Error ? error.message : error);
  }
}

/**
 * Makes the provider call this settler claimed (settlePayment) and records what it answered; the claim ends
 * either way, so a retry (the sweep, the merchant, a redelivered webhook) may make it again.
 */
export async function finishStep(paymentId: string, step: "capture" | "void" | "refund"): Promise<ProviderPayment> {
  const [p] = await db
    .select({ providerReference: payments.providerReference, amountCents: payments.amountCents })
    .from(payments)
    .where(eq(payments.id, paymentId));
  const provider = paymentProvider();
  const call = { idempotencyKey: providerKey(paymentId), reference: p!.providerReference ?? "", amountCents: p!.amountCents };
  let done: ProviderPayment;
  try {
    done = step === "capture" ? await provider.capture(call) : step === "void" ? await provider.void(call) : await provider.refund(call);
  } catch (error) {
    await db.update(payments).set({ stepClaimedAt: null }).where(eq(payments.id, paymentId));
    throw error;
  }
  const outcome = done.status === "captured" || done.status === "refunded" || done.status === "voided" ? done.status : null;
  if (outcome) {
    // A live payment takes the outcome (and an order's voided payment, captured on a retry); a payment the shop
    // gave up on (failed, declined) keeps its status.
    const takesOutcome: PaymentStatus[] = step === "capture" ? ["processing", "authorized", "voided"] : ["processing", "authorized"];
    await db
      .update(payments)
      .set({ status: outcome, stepClaimedAt: null, updatedAt: sql`now()`, settledAt: sql`now()` })
      .where(and(eq(payments.id, paymentId), inArray(payments.status, takesOutcome)));
  }
  await db.update(payments).set({ stepClaimedAt: null }).where(eq(payments.id, paymentId));
  return done;
}

/**
 * What the shopper is told about a payment attempt, the same every time it is asked. A payment still waiting
 * carries what the shopper's browser must do for it (3-D Secure), as given (`known`) or asked of the provider.
 */
export async function answerFor(
  request: Pick<PayRequest, "checkoutId" | "shopperId">,
  paymentId: string,
  known: { nextAction?: PaymentNextAction | null } = {},
): Promise<PayResult> {
  const [p] = await db.select().from(payments).where(eq(payments.id, paymentId));
  const payment = p!;
  if (payment.orderId) return { kind: "paid", order: await getOrderForShopper(payment.orderId, request.shopperId) };
  // Short lines recorded before variants existed name only their product.
  if (payment.shortLines) throw await InsufficientStockError.of(payment.shortLines.map((l) => ({ variantId: "", ...l })));
  switch (payment.status) {
    case "declined":
      throw new DomainError("payment_declined", `${payment.declineMessage ?? "Your card was declined."} Your items have been released.`, {
        declineCode: payment.declineCode,
      });
    case "failed":
    case "voided":
    case "refunded":
      throw new DomainError("payment_declined", "The payment could not be completed and nothing was charged. Your items have been released.", {
        declineCode: "processing_error",
      });
    default: {
      const checkout = await getCheckout(request.checkoutId, request.shopperId);
      const nextAction = known.nextAction !== undefined ? known.nextAction : await pendingActionOf(payment);
      return nextAction ? { kind: "pending", checkout, nextAction } : { kind: "pending", checkout };
    }
  }
}


/** What the shopper must still do for a payment waiting at the provider (none for a provider that never asks). */
export async function pendingActionOf(payment: Payment): Promise<PaymentNextAction | null> {
  const provider = paymentProvider();
  if (payment.status !== "processing" || !payment.providerReference || !provider.pendingAction) return null;
  try {
    return await provider.pendingAction(payment.providerReference);
  } catch (error) {
    // Unknown for now: the page keeps polling, and the webhook or the sweep settles the payment.
    console.error(`payment ${payment.id}: could not ask the provider what the shopper must do:`, error instanceof Error ? error.message : error);
    return null;
  }
}
