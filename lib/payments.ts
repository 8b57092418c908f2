/**
 * Payments behind an interface a real provider (Stripe, Adyen, …) could implement. The built-in test provider
 * stands in for one: its cards are listed in the Store API contract.
 */
import "server-only";
import { createHash } from "node:crypto";

export interface ChargeRequest {
  amountCents: number;
  cardNumber: string;
  /** The provider must treat two charges with the same key as one (a retried request charges once). */
  idempotencyKey: string;
  description: string;
}

export type ChargeResult =
  | { outcome: "succeeded"; reference: string }
  | { outcome: "declined"; code: "card_declined" | "insufficient_funds" | "card_not_supported"; message: string };

export interface PaymentProvider {
  charge(request: ChargeRequest): Promise<ChargeResult>;
}

export const TEST_CARDS = {
  succeeds: "4242424242424242",
  declined: "4000000000000002",
  insufficientFunds: "4000000000009995",
} as const;

export const testPaymentProvider: PaymentProvider = {
  async charge({ cardNumber, idempotencyKey }) {
    switch (cardNumber) {
      case TEST_CARDS.succeeds:
        // Same key, same reference: what a real provider's idempotency gives.
        return { outcome: "succeeded", reference: `test_ch_${createHash("sha256").update(idempotencyKey).digest("hex").slice(0, 24)}` };
      case TEST_CARDS.declined:
        return { outcome: "declined", code: "card_declined", message: "Your card was declined." };
      case TEST_CARDS.insufficientFunds:
        return { outcome: "declined", code: "insufficient_funds", message: "Your card has insufficient funds." };
      default:
        return {
          outcome: "declined",
          code: "card_not_supported",
          message: "This card is not accepted by the test payment provider. Use 4242 4242 4242 4242.",
        };
    }
  },
};

let provider: PaymentProvider = testPaymentProvider;

export function paymentProvider(): PaymentProvider {
  return provider;
}

/** For tests that need a provider which fails or stalls. */
export function setPaymentProvider(next: PaymentProvider): void {
  provider = next;
}
