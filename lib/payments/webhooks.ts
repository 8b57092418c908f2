/**
 * Payment webhooks: the provider telling the shop what became of a payment, which may come before the shop's
 * own request returns, twice (even at once), out of order, or late. Each is verified (signature, freshness),
 * then recorded under its id first — only the delivery whose insert wins goes on; a duplicate gets 200 and
 * changes nothing — and settled through the same function as the pay request and the recovery sweep, from the
 * provider's current state, looked up, not from the event's word. If settling fails, the record is taken back,
 * so the 5xx brings the provider's retry and that retry settles it. Refund events (`charge.refunded`, the test
 * provider's `refund.succeeded`) settle the refunds they name the same way (lib/orders/refunds.ts).
 */
import "server-only";
import { and, eq } from "drizzle-orm";
import { db } from "@/db/client";
import { paymentEvents, payments } from "@/db/schema";
import { DomainError } from "../platform/errors";
import { isUuid } from "../platform/ids";
import { paymentProvider } from "./index";
import { PROVIDER_KEY_PREFIX, settleAndFinish } from "../checkout/pay";
import { settleRefundsFromWebhook } from "../orders/refunds";

export async function receiveWebhook(rawBody: string, headers: Headers): Promise<{ received: true; duplicate: boolean }> {
  const provider = paymentProvider();
  const event = provider.parseWebhook(rawBody, headers);
  if (!event) throw new DomainError("invalid_request", "The webhook's signature is missing, wrong or too old.", { issues: [] });

  // Recorded first, under the event's unique id: of two deliveries at once, exactly one settles.
  const [recorded] = await db
    .insert(paymentEvents)
    .values({ provider: provider.name, eventId: event.id, type: event.type })
    .onConflictDoNothing()
    .returning({ eventId: paymentEvents.eventId });
  if (!recorded) return { received: true, duplicate: true };

  try {
    if (event.refund) {
      // A refund event: the refunds it is about are settled from what the provider says now, once each.
      const paymentId = await settleRefundsFromWebhook(event.refund);
      if (paymentId) await db.update(paymentEvents).set({ paymentId }).where(eventRow(provider.name, event.id));
      return { received: true, duplicate: false };
    }
    const paymentId = event.idempotencyKey?.startsWith(PROVIDER_KEY_PREFIX) ? event.idempotencyKey.slice(PROVIDER_KEY_PREFIX.length) : null;
    const [payment] =
      paymentId && isUuid(paymentId)
        ? await db.select({ id: payments.id }).from(payments).where(and(eq(payments.id, paymentId), eq(payments.provider, provider.name)))
        : [];
    if (payment) {
      const state = await provider.lookup(event.idempotencyKey!);
      if (state) await settleAndFinish(payment.id, state);
      await db.update(paymentEvents).set({ paymentId: payment.id }).where(eventRow(provider.name, event.id));
    }
  } catch (error) {
    // Not applied: forget the event so the provider's retry is not taken for a duplicate.
    await db.delete(paymentEvents).where(eventRow(provider.name, event.id));
    throw error;
  }
  return { received: true, duplicate: false };
}

const eventRow = (provider: string, eventId: string) => and(eq(paymentEvents.provider, provider), eq(paymentEvents.eventId, eventId));
