/**
 * Payments behind an interface a real provider (Stripe, Adyen, …) could implement. The built-in test provider
 * stands in for one: its cards are listed in the Store API contract.
 */
import "server-only";
import { createHash } from "node:crypto";
import { env } from "./env";

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
  /** Succeeds after PAYMENT_TEST_STALL_MS, like a slow provider; refused when that is 0 (the default). */
  slowSucceeds: "4000000000000077",
} as const;

const succeeded = (idempotencyKey: string): ChargeResult => ({
  outcome: "succeeded",
  // Same key, same reference: what a real provider's idempotency gives.
  reference: `test_ch_${createHash("sha256").update(idempotencyKey).digest("hex").slice(0, 24)}`,
});

const notSupported: ChargeResult = {
  outcome: "declined",
  code: "card_not_supported",
  message: "This card is not accepted by the test payment provider. Use 4242 4242 4242 4242.",
};

export const testPaymentProvider: PaymentProvider = {
  async charge({ cardNumber, idempotencyKey }) {
    switch (cardNumber) {
      case TEST_CARDS.succeeds:
        return succeeded(idempotencyKey);
      case TEST_CARDS.slowSucceeds:
        if (env.PAYMENT_TEST_STALL_MS > 0) {
          await new Promise((resolve) => setTimeout(resolve, env.PAYMENT_TEST_STALL_MS));
          return succeeded(idempotencyKey);
        }
        return notSupported;
      case TEST_CARDS.declined:
        return { outcome: "declined", code: "card_declined", message: "Your card was declined." };
      case TEST_CARDS.insufficientFunds:
        return { outcome: "declined", code: "insufficient_funds", message: "Your card has insufficient funds." };
      default:
        return notSupported;
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
