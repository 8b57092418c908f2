import type { Metadata } from "next";
import Link from "next/link";
import { connection } from "next/server";
import { CartLineControls } from "@/components/shop/cart-line-controls";
import { CheckoutPanel } from "@/components/shop/checkout-panel";
import { HeldNote } from "@/components/shop/held-note";
import { KitLineContents } from "@/components/shop/kit-line-contents";
import { ButtonLink } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { Price } from "@/components/ui/price";
import type { ShortLineNote } from "@/lib/platform/action-state";
import { getCart } from "@/lib/cart";
import { lineName } from "@/lib/catalog/variants";
import { kitContentsOf, kitContentsText } from "@/lib/catalog/kits";
import { env } from "@/lib/platform/env";
import { formatDuration } from "@/lib/checkout/countdown";
import { currentTicket } from "@/lib/checkout";
import { Alert } from "@/components/ui/alert";
import { currentShopper } from "@/lib/accounts/identity";
import { fitCartToStockAction, joinLineAction, setCartLineAction, startCheckoutAction } from "./actions";

export const metadata: Metadata = { title: "Your cart" };

/** A product's page with these options chosen (`?Size=M`). */
function variantHref(slug: string, options: Record<string, string>): string {
  const query = new URLSearchParams(options).toString();
  return `/products/${slug}${query ? `?${query}` : ""}`;
}

/**
 * The cart: lines, prices, subtotal, notes where a line asks for more than this shopper could have (their own
 * live hold counts as theirs; units in other shoppers' checkouts may come back, and when), and checkout.
 */
export default async function CartPage() {
  await connection();
  const shopper = await currentShopper();
  const cart = await getCart(shopper?.id ?? null);
  const [kits, ticket] = await Promise.all([
    kitContentsOf(cart.lines.map((line) => line.variantId)),
    shopper ? currentTicket(shopper.id) : null,
  ]);
  // A shopper waiting in the line (or offered their turn) finds their way back to it from here.
  const ticketNote = ticket ? (
    <Alert tone="info" title={ticket.status === "offered" ? "It's your turn in line" : "You are in line"} action={
      <ButtonLink href={ticket.status === "offered" && ticket.checkoutId ? `/checkout/${ticket.checkoutId}` : `/line/${ticket.id}`} size="sm">
        {ticket.status === "offered" ? "Go to checkout" : "See your place in line"}
      </ButtonLink>
    }>
      <p>
        {ticket.status === "offered"
          ? "The items you waited for are held for you now."
          : `You are #${ticket.position ?? 1} in line for ${ticket.lines.length === 1 ? "an item" : "items"} in your cart.`}
      </p>
    </Alert>
  ) : null;

  if (cart.lines.length === 0) {
    return (
      <>
        <h1>Your cart</h1>
        {ticketNote}
        <EmptyState title="Your cart is empty" action={<ButtonLink href="/">Browse the shop</ButtonLink>}>
          <p>Add something you like; nothing is set aside until you check out.</p>
        </EmptyState>
      </>
    );
  }

  const shortNow: ShortLineNote[] = cart.lines
    .filter((line) => line.quantity > line.available)
    .map((line) => ({ productId: line.productId, name: lineName(line.name, line.options), requested: line.quantity, available: line.available }));
  const cartSignature = cart.lines.map((line) => `${line.variantId}:${line.quantity}`).join(",");

  return (
    <>
      <h1>Your cart</h1>
      {ticketNote}
      <div className="two-col">
        <Card aria-label="Cart lines">
          <ul className="line-list">
            {cart.lines.map((line) => (
              <li key={line.variantId} className="line">
                <div>
                  {/* The link opens the product page on this line's variant. */}
                  <Link href={variantHref(line.slug, line.options)} className="line-name">
                    {lineName(line.name, line.options)}
                  </Link>
                  <KitLineContents text={kits.has(line.variantId) ? kitContentsText(kits.get(line.variantId)!) : undefined} />
                  <div className="muted small">
                    <Price cents={line.unitPriceCents} /> each
                  </div>
                </div>
                <Price cents={line.unitPriceCents * line.quantity} />
                <CartLineControls
                  action={setCartLineAction}
                  productId={line.productId}
                  variantId={line.variantId}
                  productName={lineName(line.name, line.options)}
                  quantity={line.quantity}
                  maxQuantity={env.MAX_QUANTITY_PER_LINE}
                />
                {line.quantity > line.available ? (
                  <div className="line-note">
                    <p>
                      {line.available === 0
                        ? "Sold out right now."
                        : `Only ${line.available} available right now; you have ${line.quantity} in your cart.`}
                    </p>
                    <HeldNote held={line.held} nextReleaseAt={line.nextReleaseAt} />
                  </div>
                ) : null}
              </li>
            ))}
          </ul>
        </Card>
        <Card className="summary" aria-label="Order summary">
          <h2>Summary</h2>
          <div className="summary-row">
            <span>
              Items ({cart.itemCount})
            </span>
            <Price cents={cart.subtotalCents} />
          </div>
          <div className="summary-row summary-total">
            <span>Subtotal</span>
            <Price cents={cart.subtotalCents} />
          </div>
          <p className="muted small">
            {`Checking out holds your items for ${formatDuration(env.RESERVATION_TTL_SECONDS)}.`}
          </p>
          <CheckoutPanel
            startAction={startCheckoutAction}
            fitAction={fitCartToStockAction}
            joinAction={joinLineAction}
            needsEmail={!shopper?.email}
            accountEmail={shopper?.email ?? null}
            shortNow={shortNow}
            cartSignature={cartSignature}
          />
        </Card>
      </div>
    </>
  );
}
