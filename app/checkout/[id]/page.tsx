import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { connection } from "next/server";
import { startCheckoutAction } from "@/app/cart/actions";
import { CheckoutSession } from "@/components/shop/checkout-session";
import { getCheckout, pendingNextAction, type CheckoutView } from "@/lib/checkout";
import { kitContentsOf, kitContentsText } from "@/lib/catalog/kits";
import { env } from "@/lib/platform/env";
import { DomainError } from "@/lib/platform/errors";
import { currentShopper } from "@/lib/accounts/identity";
import { cancelCheckoutAction, confirmPaymentAction, payAction } from "../actions";

export const metadata: Metadata = { title: "Checkout" };

async function findCheckout(id: string): Promise<CheckoutView> {
  const shopper = await currentShopper();
  // No identity, or someone else's checkout: it does not exist for this visitor.
  if (!shopper) notFound();
  try {
    return await getCheckout(id, shopper.id);
  } catch (error) {
    if (error instanceof DomainError && error.code === "not_found") notFound();
    throw error;
  }
}

/** The held lines, the countdown to the hold's expiry, the details form and payment. */
export default async function CheckoutPage({ params }: { params: Promise<{ id: string }> }) {
  await connection();
  const { id } = await params;
  const checkout = await findCheckout(id);
  const kits = await kitContentsOf(checkout.lines.map((line) => line.variantId));
  // Reloaded while the bank waits for the shopper (3-D Secure): the page opens the bank's check again.
  const nextAction = await pendingNextAction(checkout);
  return (
    <>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link href="/cart">Cart</Link> / <span aria-current="page">Checkout</span>
      </nav>
      <h1>Checkout</h1>
      <CheckoutSession
        initial={checkout}
        kitContents={Object.fromEntries([...kits].map(([variantId, components]) => [variantId, kitContentsText(components)]))}
        // A checkout is paid at most once (a declined one is over): its id names the one payment attempt, so a
        // double click, a reload or a retry after an error can never charge twice.
        idempotencyKey={`checkout-${checkout.id}`}
        payAction={payAction}
        confirmAction={confirmPaymentAction}
        initialNextAction={nextAction ?? undefined}
        cancelAction={cancelCheckoutAction}
        restartAction={startCheckoutAction}
        stripePublishableKey={env.PAYMENT_PROVIDER === "stripe" ? env.STRIPE_PUBLISHABLE_KEY : undefined}
        shipsGoods={env.SHOP_SHIPS_GOODS}
      />
    </>
  );
}
