/**
 * Payments: the provider interface (provider.ts), the built-in test provider (test-provider.ts), Stripe
 * (stripe-provider.ts, PAYMENT_PROVIDER=stripe), signatures (signature.ts), webhooks (webhooks.ts), the recovery
 * sweep that settles payments whose answer was lost (recovery.ts), and what the admin can still do to an order's
 * payment (after-order.ts). How a payment becomes an order is lib/checkout/pay.ts.
 */
import "server-only";
import { env } from "../platform/env";
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
