import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { connection } from "next/server";
import { startCheckoutAction } from "@/app/cart/actions";
import { CheckoutSession } from "@/components/shop/checkout-session";
import { currentTicket, getCheckout, isContendedCheckout, pendingNextAction, type CheckoutView } from "@/lib/checkout";
import { formatDuration } from "@/lib/checkout/countdown";
import { Alert } from "@/components/ui/alert";
import "@/components/shop/line.css";
import { kitContentsOf, kitContentsText } from "@/lib/catalog/kits";
import { env } from "@/lib/platform/env";
import { DomainError } from "@/lib/platform/errors";
import { currentShopper } from "@/lib/accounts/identity";
import { cancelCheckoutAction, confirmPaymentAction, payAction } from "../actions";

export const metadata: Metadata = { title: "Checkout" };

async function findCheckout(id: string): Promise<{ checkout: CheckoutView; shopperId: string }> {
  const shopper = await currentShopper();
  // No identity, or someone else's checkout: it does not exist for this visitor.
  if (!shopper) notFound();
  try {
    return { checkout: await getCheckout(id, shopper.id), shopperId: shopper.id };
  } catch (error) {
    if (error instanceof DomainError && error.code === "not_found") notFound();
    throw error;
  }
}

/** The held lines, the countdown to the hold's expiry, the details form and payment. */
export default async function CheckoutPage({ params }: { params: Promise<{ id: string }> }) {
  await connection();
  const { id } = await params;
  const { checkout, shopperId } = await findCheckout(id);
  const live = checkout.status === "active";
  const [kits, ticket, contended] = await Promise.all([
    kitContentsOf(checkout.lines.map((line) => line.variantId)),
    live ? currentTicket(shopperId) : null,
    live ? isContendedCheckout(checkout.id) : false,
  ]);
  // Reloaded while the bank waits for the shopper (3-D Secure): the page opens the bank's check again.
  const nextAction = await pendingNextAction(checkout);
  // This checkout is the shopper's turn in the line: the units were handed to them, and the offer passes on if idle.
  const fromLine = ticket?.status === "offered" && ticket.checkoutId === checkout.id;
  // Said only where it is true: while shoppers wait for what it holds, an idle hold lasts the contended time.
  const contendedSeconds = env.RESERVATION_TTL_CONTENDED_SECONDS;
  const holdNote =
    contended && contendedSeconds < env.RESERVATION_TTL_SECONDS
      ? `Your hold is shorter because others are waiting in line for these items: without activity it lasts ${formatDuration(
          contendedSeconds,
        )} instead of ${formatDuration(env.RESERVATION_TTL_SECONDS)}.`
      : undefined;
  return (
    <>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link href="/cart">Cart</Link> / <span aria-current="page">Checkout</span>
      </nav>
      <h1>Checkout</h1>
      {fromLine ? (
        <div className="checkout-line-offer">
          <Alert tone="success" title="Held for you from the line">
            <p>
              {`Your turn in line came: these items are held for you. The offer lasts ${formatDuration(
                Math.min(env.QUEUE_OFFER_SECONDS, env.RESERVATION_MAX_SECONDS),
              )} if you do nothing (filling in your details keeps it); if checkout is not completed in time, the items go to the next shopper in line.`}
            </p>
          </Alert>
        </div>
      ) : null}
      <CheckoutSession
        holdNote={holdNote}
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
