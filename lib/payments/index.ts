/**
 * Payments: the provider interface (provider.ts), the built-in test provider (test-provider.ts), Stripe
 * (stripe-provider.ts, PAYMENT_PROVIDER=stripe), the payment lifecycle that turns a held checkout into an order
 * exactly once (lifecycle.ts), and the recovery sweep that settles payments whose answer was lost (recovery.ts).
 */
import "server-only";
import { env } from "../env";
import type { PaymentProvider } from "./provider";
import { stripeProviderFromEnv } from "./stripe-provider";
import { testPaymentProvider } from "./test-provider";

const globalForProvider = globalThis as unknown as { stockholdPaymentProvider?: PaymentProvider; stockholdStripeProvider?: PaymentProvider };

export function paymentProvider(): PaymentProvider {
  if (globalForProvider.stockholdPaymentProvider) return globalForProvider.stockholdPaymentProvider;
  if (env.PAYMENT_PROVIDER === "stripe") return (globalForProvider.stockholdStripeProvider ??= stripeProviderFromEnv());
  return testPaymentProvider;
}

/** For tests that need a provider which fails, stalls or answers late. */
export function setPaymentProvider(next: PaymentProvider | undefined): void {
  globalForProvider.stockholdPaymentProvider = next;
}

export { TEST_CARDS } from "./test-provider";
export type { PaymentProvider, ProviderPayment } from "./provider";
