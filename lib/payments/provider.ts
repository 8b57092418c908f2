/**
 * What the shop needs of a payment provider (Stripe, Adyen, … or the built-in test provider): the calls of a
 * PaymentIntent-style lifecycle. Every call is idempotent under its key, and `lookup` answers "what became of
 * this key?" so a payment whose answer was lost (a crash, a timeout) can be settled afterwards.
 *
 * No provider call ever runs inside a database transaction or while holding a pooled connection
 * (lib/checkout/pay.ts calls them between its short transactions).
 */
export type DeclineCode = "card_declined" | "insufficient_funds" | "card_not_supported" | "processing_error";

/**
 * What the shopper's browser must do before the bank answers: Stripe's 3-D Secure, done by Stripe.js
 * `handleNextAction` with the PaymentIntent's client secret. Given only to the shopper who pays; never stored.
 */
export type PaymentNextAction = { type: "stripe_3ds"; clientSecret: string };

/** Where a payment stands at the provider. */
export type ProviderPayment =
  | { status: "processing"; reference: string; nextAction?: PaymentNextAction }
  | { status: "authorized" | "captured" | "voided" | "refunded"; reference: string }
  | { status: "declined"; reference: string | null; code: DeclineCode; message: string };

export interface AuthorizeRequest {
  /** Derived from the shop's payment record: the same record can never be charged twice. */
  idempotencyKey: string;
  amountCents: number;
  /** The test provider takes a card number; a real one a token from its own browser fields. */
  paymentMethod: string;
  description: string;
}

/** Where a refund stands at the provider: `pending` is on its way back to the card (the money has left the shop). */
export type ProviderRefund = { status: "succeeded" | "pending" | "failed"; reference: string };

/** A refund of part (or all) of a captured payment, under the refund's own key (lib/orders/refunds.ts `refundKey`). */
export interface RefundRequest {
  idempotencyKey: string;
  /** The payment's key and reference, as capture takes them. */
  paymentKey: string;
  reference: string;
  amountCents: number;
}

/** A webhook event as the shop needs it: which event (for de-duplication) about which payment. */
export interface WebhookEvent {
  id: string;
  type: string;
  /** The idempotency key the shop gave the payment (lib/checkout/pay.ts `providerKey`), if any. */
  idempotencyKey: string | null;
  /** A refund event: the refund's key when the event names it, else the refunded payment's reference. */
  refund?: { idempotencyKey: string | null; paymentReference: string | null };
}

export interface PaymentProvider {
  readonly name: string;
  /** Reserves the money on the card (manual capture). May answer "processing" and settle later by webhook. */
  authorize(request: AuthorizeRequest): Promise<ProviderPayment>;
  /** Takes the authorized money; called only once the stock is allocated to an order. */
  capture(request: { idempotencyKey: string; reference: string; amountCents: number }): Promise<ProviderPayment>;
  /** Gives an authorization back (nothing is taken). */
  void(request: { idempotencyKey: string; reference: string }): Promise<ProviderPayment>;
  /** Gives captured money back. */
  refund(request: { idempotencyKey: string; reference: string; amountCents: number }): Promise<ProviderPayment>;
  /** Gives part of captured money back, once per refund key; the refunds of a payment never exceed its capture. */
  refundAmount(request: RefundRequest): Promise<ProviderRefund>;
  /** What became of the refund made under this key; null if the provider never saw it. */
  lookupRefund(request: Omit<RefundRequest, "amountCents">): Promise<ProviderRefund | null>;
  /** What became of the payment made under this key; null if the provider never saw it. */
  lookup(idempotencyKey: string): Promise<ProviderPayment | null>;
  /**
   * What the shopper must still do for this payment, if anything (a provider whose payments may wait for the
   * shopper's bank implements it); null when nothing.
   */
  pendingAction?(reference: string): Promise<PaymentNextAction | null>;
  /** Verifies a webhook's signature (and freshness) and reads it; null when it is not genuine. */
  parseWebhook(rawBody: string, headers: Headers): WebhookEvent | null;
}
