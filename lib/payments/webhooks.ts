/**
 * Payment webhooks: the provider telling the shop what became of a payment, which may come before the shop's
 * own request returns, twice, out of order, or late. Each is verified (signature, freshness), then settled
 * through the same function as the pay request and the recovery sweep — from the provider's current state,
 * looked up, not from the event's word — and recorded by its id only once applied, so a failure here gets a
 * 5xx and the provider's retry; a duplicate gets 200 and changes nothing.
 */
import "server-only";
import { and, eq } from "drizzle-orm";
import { db } from "@/db/client";
import { paymentEvents, payments } from "@/db/schema";
import { DomainError } from "../errors";
import { isUuid } from "../ids";
import { paymentProvider } from "./index";
import { PROVIDER_KEY_PREFIX, settleAndFinish } from "./lifecycle";

export async function receiveWebhook(rawBody: string, headers: Headers): Promise<{ received: true; duplicate: boolean }> {
  const provider = paymentProvider();
  const event = provider.parseWebhook(rawBody, headers);
  if (!event) throw new DomainError("invalid_request", "The webhook's signature is missing, wrong or too old.", { issues: [] });

  const [seen] = await db
    .select({ eventId: paymentEvents.eventId })
    .from(paymentEvents)
    .where(and(eq(paymentEvents.provider, provider.name), eq(paymentEvents.eventId, event.id)));
  if (seen) return { received: true, duplicate: true };

  const paymentId = event.idempotencyKey?.startsWith(PROVIDER_KEY_PREFIX) ? event.idempotencyKey.slice(PROVIDER_KEY_PREFIX.length) : null;
  const [payment] =
    paymentId && isUuid(paymentId)
      ? await db.select({ id: payments.id }).from(payments).where(and(eq(payments.id, paymentId), eq(payments.provider, provider.name)))
      : [];
  if (payment) {
    const state = await provider.lookup(event.idempotencyKey!);
    if (state) await settleAndFinish(payment.id, state);
  }
  const [recorded] = await db
    .insert(paymentEvents)
    .values({ provider: provider.name, eventId: event.id, type: event.type, paymentId: payment?.id ?? null })
    .onConflictDoNothing()
    .returning({ eventId: paymentEvents.eventId });
  return { received: true, duplicate: !recorded };
}
