/**
 * The Stripe provider (PAYMENT_PROVIDER=stripe): one PaymentIntent per payment record, with manual capture —
 * authorized when the shopper pays, captured only once the stock is allocated to an order, cancelled when it
 * cannot be. The browser makes the PaymentMethod with Stripe Elements (components/shop/stripe-card-field.tsx)
 * and the shop only ever sees its `pm_…` id.
 *
 * Every call carries a Stripe idempotency key derived from the shop's own key (`key`, `key:capture`,
 * `key:cancel`, `key:refund`), and the intent carries the shop's key in its metadata, so "what became of this
 * payment?" can be asked after a crash (`lookup`) and a webhook can name the payment it is about.
 */
import "server-only";
import Stripe from "stripe";
import { env } from "../platform/env";
import type { DeclineCode, PaymentNextAction, PaymentProvider, ProviderPayment, ProviderRefund, WebhookEvent } from "./provider";

export interface StripeProviderConfig {
  secretKey: string;
  webhookSecret: string;
  currency?: string;
  /** Where the SDK sends its requests (a local stand-in in tests); unset = api.stripe.com. */
  host?: string;
  port?: number;
  protocol?: "http" | "https";
}

const METADATA_KEY = "idempotency_key";
/** How far back, and how many, `lookup` lists when search has not indexed an intent yet (a recent one). */
const LIST_LOOKBACK_SECONDS = 24 * 60 * 60;
const LIST_LOOKBACK_LIMIT = 300;

const declineCodes = new Set<DeclineCode>(["card_declined", "insufficient_funds", "card_not_supported", "processing_error"]);

/** Stripe's decline reasons in the shop's words: the specific `decline_code` when the shop knows it. */
function declineCodeOf(error: { code?: string | null; decline_code?: string | null }): DeclineCode {
  for (const code of [error.decline_code, error.code]) {
    if (code && declineCodes.has(code as DeclineCode)) return code as DeclineCode;
  }
  return "card_declined";
}

/** Where a PaymentIntent stands, in the shop's terms. */
export function paymentOf(intent: Stripe.PaymentIntent): ProviderPayment {
  const reference = intent.id;
  switch (intent.status) {
    case "requires_capture":
      return { status: "authorized", reference };
    case "succeeded": {
      // Refunded in full after the capture: the money went back.
      const refunded = typeof intent.latest_charge === "object" && intent.latest_charge?.refunded;
      return { status: refunded ? "refunded" : "captured", reference };
    }
    case "canceled":
      return { status: "voided", reference };
    case "requires_action": {
      // 3-D Secure: the bank waits for the shopper, whose browser needs the client secret (Stripe.js).
      const nextAction = nextActionOf(intent);
      return nextAction ? { status: "processing", reference, nextAction } : { status: "processing", reference };
    }
    case "processing":
    case "requires_confirmation":
      return { status: "processing", reference };
    case "requires_payment_method": {
      // Confirmed at creation, so this means the card was refused.
      const failure = intent.last_payment_error;
      return {
        status: "declined",
        reference,
        code: failure ? declineCodeOf(failure) : "card_declined",
        message: failure?.message ?? "Your card was declined.",
      };
    }
    default:
      return { status: "processing", reference };
  }
}

/** The shopper's part of an intent that waits for them (3-D Secure), or null. */
function nextActionOf(intent: Stripe.PaymentIntent): PaymentNextAction | null {
  return intent.status === "requires_action" && intent.client_secret ? { type: "stripe_3ds", clientSecret: intent.client_secret } : null;
}

/** A Stripe Refund in the shop's terms: pending (and requires_action) is money on its way back. */
function refundOf(refund: Stripe.Refund): ProviderRefund {
  const status = refund.status === "succeeded" ? "succeeded" : refund.status === "failed" || refund.status === "canceled" ? "failed" : "pending";
  return { status, reference: refund.id };
}

/** A card error (HTTP 402) is the card's answer, not a failure of the call: the payment is declined. */
function declineOf(error: unknown): ProviderPayment | null {
  if (!(error instanceof Stripe.errors.StripeCardError)) return null;
  return {
    status: "declined",
    reference: error.payment_intent?.id ?? null,
    code: declineCodeOf(error),
    message: error.message || "Your card was declined.",
  };
}

const unusablePaymentMethod: ProviderPayment = {
  status: "declined",
  reference: null,
  code: "card_not_supported",
  message: "This card could not be used. Enter your card details again.",
};

/** Capturing a captured intent or cancelling a cancelled one is refused by Stripe; the shop only needs the state. */
const isUnexpectedState = (error: unknown) =>
  error instanceof Stripe.errors.StripeInvalidRequestError && error.code === "payment_intent_unexpected_state";

/**
 * Another request under the same key is still in flight at Stripe (409 idempotency_key_in_use): another settler
 * is making this very call, so this one re-reads the intent instead of failing.
 */
const isKeyInUse = (error: unknown) => error instanceof Stripe.errors.StripeError && error.statusCode === 409;

export function createStripeProvider(config: StripeProviderConfig): PaymentProvider {
  const stripe = new Stripe(config.secretKey, {
    host: config.host,
    port: config.port,
    protocol: config.protocol,
    // The shop's own recovery sweep retries; one SDK retry (same idempotency key) covers a dropped connection.
    maxNetworkRetries: 1,
    timeout: 20_000,
    telemetry: false,
  });
  const currency = config.currency ?? "usd";

  /**
   * The intent made under the shop's key. Search first (PaymentIntents search API, by metadata); search is
   * indexed with a delay of up to a minute, so a miss is checked against a list of the recent intents, which
   * is read-after-write.
   */
  async function findIntent(idempotencyKey: string): Promise<Stripe.PaymentIntent | null> {
    const found = await stripe.paymentIntents.search({
      query: `metadata['${METADATA_KEY}']:'${idempotencyKey.replace(/'/g, "\\'")}'`,
      limit: 1,
      expand: ["data.latest_charge"],
    });
    if (found.data[0]) return found.data[0];
    const since = Math.floor(Date.now() / 1000) - LIST_LOOKBACK_SECONDS;
    let read = 0;
    for await (const intent of stripe.paymentIntents.list({ created: { gte: since }, limit: 100, expand: ["data.latest_charge"] })) {
      if (intent.metadata?.[METADATA_KEY] === idempotencyKey) return intent;
      if (++read >= LIST_LOOKBACK_LIMIT) break;
    }
    return null;
  }

  /** The intent's id: the reference the shop recorded, or (lost with a crash) found by the shop's key. */
  async function intentIdOf(request: { idempotencyKey: string; reference: string }): Promise<string> {
    if (request.reference) return request.reference;
    const intent = await findIntent(request.idempotencyKey);
    if (!intent) throw new Error(`stripe: no PaymentIntent under key ${request.idempotencyKey}`);
    return intent.id;
  }

  const retrieve = async (id: string) => paymentOf(await stripe.paymentIntents.retrieve(id, { expand: ["latest_charge"] }));

  return {
    name: "stripe",

    async authorize({ idempotencyKey, amountCents, paymentMethod, description }) {
      // A card number sent to a Stripe shop: Stripe would refuse it; nothing is charged.
      if (!paymentMethod.startsWith("pm_")) return unusablePaymentMethod;
      try {
        const intent = await stripe.paymentIntents.create(
          {
            amount: amountCents,
            currency,
            capture_method: "manual",
            confirm: true,
            payment_method: paymentMethod,
            allowed_payment_method_types: ["card"],
            description,
            metadata: { [METADATA_KEY]: idempotencyKey },
          },
          { idempotencyKey },
        );
        return paymentOf(intent);
      } catch (error) {
        const declined = declineOf(error);
        if (declined) return declined;
        // A PaymentMethod Stripe does not know (another account's, expired): a definite refusal, no intent made.
        if (error instanceof Stripe.errors.StripeInvalidRequestError && error.param === "payment_method") return unusablePaymentMethod;
        throw error;
      }
    },

    async capture(request) {
      const id = await intentIdOf(request);
      try {
        const intent = await stripe.paymentIntents.capture(
          id,
          { amount_to_capture: request.amountCents },
          { idempotencyKey: `${request.idempotencyKey}:capture` },
        );
        return paymentOf(intent);
      } catch (error) {
        if (isUnexpectedState(error) || isKeyInUse(error)) return retrieve(id);
        throw error;
      }
    },

    async void(request) {
      const id = await intentIdOf(request);
      try {
        return paymentOf(await stripe.paymentIntents.cancel(id, {}, { idempotencyKey: `${request.idempotencyKey}:cancel` }));
      } catch (error) {
        if (isUnexpectedState(error) || isKeyInUse(error)) return retrieve(id);
        throw error;
      }
    },

    async refund(request) {
      const id = await intentIdOf(request);
      let refund: Stripe.Refund;
      try {
        refund = await stripe.refunds.create({ payment_intent: id, amount: request.amountCents }, { idempotencyKey: `${request.idempotencyKey}:refund` });
      } catch (error) {
        if (isKeyInUse(error)) return retrieve(id);
        throw error;
      }
      if (refund.status === "failed" || refund.status === "canceled") {
        throw new Error(`stripe: refund ${refund.id} of ${id} ${refund.status}`);
      }
      // Pending refunds complete at the bank; the money is on its way back either way.
      return { status: "refunded", reference: id };
    },

    async pendingAction(reference) {
      return nextActionOf(await stripe.paymentIntents.retrieve(reference));
    },

    async refundAmount(request) {
      const id = await intentIdOf({ idempotencyKey: request.paymentKey, reference: request.reference });
      // Stripe's idempotency key is the refund record's own key; the metadata lets lookupRefund find it after a crash.
      const refund = await stripe.refunds.create(
        { payment_intent: id, amount: request.amountCents, metadata: { [METADATA_KEY]: request.idempotencyKey } },
        { idempotencyKey: request.idempotencyKey },
      );
      return refundOf(refund);
    },

    async lookupRefund(request) {
      const id = await intentIdOf({ idempotencyKey: request.paymentKey, reference: request.reference });
      for await (const refund of stripe.refunds.list({ payment_intent: id, limit: 100 })) {
        if (refund.metadata?.[METADATA_KEY] === request.idempotencyKey) return refundOf(refund);
      }
      return null;
    },

    async lookup(idempotencyKey) {
      const intent = await findIntent(idempotencyKey);
      return intent ? paymentOf(intent) : null;
    },

    parseWebhook(rawBody, headers): WebhookEvent | null {
      const signature = headers.get("stripe-signature");
      if (!signature) return null;
      let event: Stripe.Event;
      try {
        // Checks the HMAC and the timestamp (300 s tolerance against replays).
        event = stripe.webhooks.constructEvent(rawBody, signature, config.webhookSecret);
      } catch {
        return null;
      }
      const object = event.data.object as { object?: string; metadata?: Record<string, string> | null; payment_intent?: string | { id: string } | null };
      // A refund (charge.refunded, refund.updated): the shop settles that payment's refunds by asking Stripe.
      if (object.object === "charge" || object.object === "refund") {
        const intent = typeof object.payment_intent === "string" ? object.payment_intent : (object.payment_intent?.id ?? null);
        const refundKey = object.object === "refund" ? (object.metadata?.[METADATA_KEY] ?? null) : null;
        if (event.type === "charge.refunded" || event.type.startsWith("refund.") || event.type.startsWith("charge.refund.")) {
          return { id: event.id, type: event.type, idempotencyKey: null, refund: { idempotencyKey: refundKey, paymentReference: intent } };
        }
      }
      // Other events (charges, disputes) are acknowledged and recorded; the shop acts on its PaymentIntents.
      const idempotencyKey = event.type.startsWith("payment_intent.") && object.object === "payment_intent" ? (object.metadata?.[METADATA_KEY] ?? null) : null;
      return { id: event.id, type: event.type, idempotencyKey };
    },
  };
}

/** The provider configured by the environment (lib/platform/env.ts requires the keys when PAYMENT_PROVIDER=stripe). */
export function stripeProviderFromEnv(): PaymentProvider {
  if (!env.STRIPE_SECRET_KEY || !env.STRIPE_WEBHOOK_SECRET) {
    throw new Error("PAYMENT_PROVIDER=stripe needs STRIPE_SECRET_KEY, STRIPE_PUBLISHABLE_KEY and STRIPE_WEBHOOK_SECRET");
  }
  return createStripeProvider({
    secretKey: env.STRIPE_SECRET_KEY,
    webhookSecret: env.STRIPE_WEBHOOK_SECRET,
    currency: env.STRIPE_CURRENCY,
    host: env.STRIPE_API_HOST,
    port: env.STRIPE_API_PORT,
    protocol: env.STRIPE_API_PROTOCOL,
  });
}
