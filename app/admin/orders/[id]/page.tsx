import { randomUUID } from "node:crypto";
import Link from "next/link";
import { notFound } from "next/navigation";
import { z } from "zod";
import { formatTime, shortId, variantName } from "@/components/admin/format";
import { AfterOrderForms } from "@/components/admin/after-order-forms";
import { FailedPaymentActions } from "@/components/admin/failed-payment-actions";
import { LedgerTable } from "@/components/admin/ledger-table";
import { LocationActionButton } from "@/components/admin/location-action-button";
import { OrderStatusBadge } from "@/components/admin/order-payment-badge";
import { adminKeys } from "@/components/admin/queries";
import "@/components/admin/location-pages.css";
import "@/components/admin/after-order.css";
import { Badge } from "@/components/ui/badge";
import { formatMoney } from "@/components/ui/money";
import { requireAdminPage } from "@/lib/admin/access";
import { getAdminOrderDetail, type OrderEvent } from "@/lib/orders";
import { shippingOf } from "@/lib/inventory";
import { DomainError } from "@/lib/platform/errors";
import { countryName } from "@/lib/checkout/countries";
import { paymentTrouble } from "@/lib/orders/payment-state";
import { cancelOrderAction, fulfilOrderAction, refundOrderAction, retryCaptureAction, shipUnitsAction } from "../actions";
import { allocationText, shippedText, shippingByLocation, units } from "../shipping";

const deliveryFields = [
  ["name", "Name"],
  ["address", "Address"],
  ["city", "City"],
  ["postcode", "Postcode"],
  ["country", "Country"],
] as const;

/**
 * One order for the merchant: what was bought, by whom, where it goes, how it was paid, where its units are
 * allocated (and shipping them location by location, or all at once), and its ledger rows.
 */
export default async function AdminOrderPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  await requireAdminPage(`/admin/orders/${encodeURIComponent(id)}`);
  if (!z.uuid().safeParse(id).success) notFound();
  const order = await getAdminOrderDetail(id).catch((error: unknown) => {
    if (error instanceof DomainError && error.code === "not_found") notFound();
    throw error;
  });

  const trouble = paymentTrouble(order);
  const shipFrom = shippingByLocation(order.lines);
  // Only an order whose money is in is shipped; a cancelled or shipped one has nothing left to ship.
  const shippable = order.status !== "cancelled" && !trouble && shipFrom.some((s) => s.left > 0);
  const afterOrderLines = order.lines.map((line) => ({
    variantId: line.variantId,
    label: variantName(line.name, line.options),
    refundable: line.quantity - line.refunded,
    shippable: shippingOf(line.allocations, line.quantity).open,
  }));
  // Refunds and partial shipping need the money in; cancelling also needs nothing shipped.
  const moneyIn = order.status !== "cancelled" && order.payment.status === "captured";
  const canCancel = moneyIn && order.refundedCents < order.totalCents && order.lines.every((l) => l.fulfilled === 0);
  // Units at several locations ship location by location (or all at once); from one, the one Fulfil ships them.
  const split = shipFrom.length > 1;

  return (
    <>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link href="/admin/orders">Orders</Link> / <span aria-current="page">{shortId(order.id)}</span>
      </nav>
      <div className="admin-order-head">
        <h1>Order {shortId(order.id)}</h1>
        <OrderStatusBadge order={order} />
        {shippable ? (
          <LocationActionButton
            action={fulfilOrderAction}
            fields={{ orderId: order.id }}
            label={split ? "Fulfil everything" : "Fulfil"}
            variant={split ? "primary" : "secondary"}
            confirm={{
              question:
                split
                  ? `Ship every unit of order ${shortId(order.id)} left to ship, from ${shipFrom.filter((s) => s.left > 0).map((s) => s.name).join(" and ")}?`
                  : `Ship order ${shortId(order.id)}? Its units leave the shelf.`,
              yes: "Yes, fulfil",
            }}
            refresh={[adminKeys.orders(), adminKeys.stock()]}
          />
        ) : null}
      </div>

      <div className="admin-facts">
        <section aria-labelledby="order-shopper" className="card">
          <h2 id="order-shopper">Shopper</h2>
          <dl className="admin-dl">
            <dt>Who</dt>
            <dd>{order.shopper.guest ? "Guest" : "Account"}</dd>
            <dt>Email</dt>
            <dd className="admin-break">{order.email ?? order.shopper.email ?? "—"}</dd>
            <dt>Placed</dt>
            <dd className="admin-nowrap">{formatTime(order.createdAt)}</dd>
            {order.fulfilledAt ? (
              <>
                <dt>Shipped</dt>
                <dd className="admin-nowrap">{formatTime(order.fulfilledAt)}</dd>
              </>
            ) : null}
            {order.cancelledAt ? (
              <>
                <dt>Cancelled</dt>
                <dd className="admin-nowrap">{formatTime(order.cancelledAt)}</dd>
              </>
            ) : null}
          </dl>
        </section>
        <section aria-labelledby="order-delivery" className="card">
          <h2 id="order-delivery">Delivery</h2>
          <dl className="admin-dl">
            {deliveryFields.map(([key, label]) => (
              <div key={key} className="admin-dl-row">
                <dt>{label}</dt>
                <dd>{(key === "country" ? countryName(order.delivery[key]) : order.delivery[key]) ?? "—"}</dd>
              </div>
            ))}
          </dl>
        </section>
        <section aria-labelledby="order-payment" className="card">
          <h2 id="order-payment">Payment</h2>
          <dl className="admin-dl">
            <dt>Status</dt>
            <dd>
              {order.payment.status === "captured" ? (
                <Badge tone="success">Captured</Badge>
              ) : trouble === "failed" ? (
                <Badge tone="danger">Payment failed ({order.payment.status})</Badge>
              ) : trouble === "uncaptured" ? (
                <Badge tone="warning">Not captured ({order.payment.status})</Badge>
              ) : (
                order.payment.status
              )}{" "}
              ({order.payment.provider})
            </dd>
            <dt>Amount</dt>
            <dd>{formatMoney(order.payment.amountCents)}</dd>
            <dt>Reference</dt>
            <dd className="admin-break">
              <code>{order.payment.reference}</code>
            </dd>
            <dt>Attempts</dt>
            <dd>
              {order.payment.attempts.length === 0
                ? "—"
                : order.payment.attempts
                    .map((a) => (a.status === "declined" ? `declined (${a.declineCode ?? "no code"})` : a.status))
                    .join(", ")}
            </dd>
          </dl>
          {trouble ? (
            <>
              <p className="small" style={{ marginTop: "1rem" }}>
                {trouble === "failed"
                  ? "The payment failed after the order was placed: no money was taken, but the units are set aside for it."
                  : "The payment was authorized but its capture has not gone through: no money was taken yet."}
              </p>
              <FailedPaymentActions orderId={order.id} canCancel={trouble === "failed"} retryAction={retryCaptureAction} cancelAction={cancelOrderAction} />
            </>
          ) : null}
        </section>
      </div>

      <section aria-labelledby="order-lines">
        <h2 id="order-lines">Lines</h2>
        <div className="admin-scroll">
          <table className="table admin-table order-lines">
            <thead>
              <tr>
                <th scope="col">Product</th>
                <th scope="col" className="num">Quantity</th>
                <th scope="col">From</th>
                <th scope="col" className="num">Unit price</th>
                <th scope="col" className="num">Line total</th>
              </tr>
            </thead>
            <tbody>
              {order.lines.map((line) => (
                <tr key={line.variantId}>
                  <th scope="row">
                    <Link href={`/admin/ledger?productId=${line.productId}`}>{variantName(line.name, line.options)}</Link>{" "}
                    <code className="small muted admin-sku">{line.sku}</code>
                  </th>
                  <td className="num" data-label="Quantity">{line.quantity}</td>
                  <td data-label="From">
                    {allocationText(line)}
                    {shippedText(line) ? <div className="small muted">{shippedText(line)}</div> : null}
                    {line.refunded > 0 ? (
                      <div className="small muted">
                        {line.refunded} refunded{line.returned > 0 ? `, ${line.returned} returned` : ""}
                      </div>
                    ) : null}
                  </td>
                  <td className="num" data-label="Unit price">{formatMoney(line.unitPriceCents)}</td>
                  <td className="num" data-label="Line total">{formatMoney(line.quantity * line.unitPriceCents)}</td>
                </tr>
              ))}
            </tbody>
            <tfoot>
              <tr>
                <th scope="row" colSpan={4}>
                  Total
                </th>
                <td className="num strong">{formatMoney(order.totalCents)}</td>
              </tr>
            </tfoot>
          </table>
        </div>
      </section>

      {shipFrom.length > 0 && order.status !== "cancelled" ? (
        <section aria-labelledby="order-shipping">
          <h2 id="order-shipping">Shipping, by location</h2>
          <ul className="location-ship-list">
            {shipFrom.map((at) => (
              <li key={at.locationId} className="location-ship card" aria-label={at.name}>
                <div>
                  <strong>{at.name}</strong>
                  <p className="small muted location-ship-count">
                    {at.left === 0
                      ? `All ${units(at.allocated)} shipped`
                      : at.shipped > 0
                        ? `${units(at.left)} to ship (${at.shipped} of ${at.allocated} shipped)`
                        : `${units(at.left)} to ship`}
                  </p>
                </div>
                {split && shippable && at.left > 0 ? (
                  <LocationActionButton
                    action={fulfilOrderAction}
                    fields={{ orderId: order.id, locationId: at.locationId }}
                    label={`Fulfil from ${at.name}`}
                    confirm={{ question: `Ship the ${units(at.left)} allocated at ${at.name}? They leave its shelf.`, yes: "Yes, fulfil" }}
                    refresh={[adminKeys.orders(), adminKeys.stock()]}
                  />
                ) : at.left === 0 ? (
                  <Badge tone="success">Shipped</Badge>
                ) : null}
              </li>
            ))}
          </ul>
          {trouble ? <p className="small muted">Settle the payment before shipping.</p> : null}
        </section>
      ) : null}

      {moneyIn ? (
        <section aria-labelledby="order-after">
          <h2 id="order-after">Ship, refund or cancel</h2>
          <AfterOrderForms
            orderId={order.id}
            lines={afterOrderLines}
            requestKey={randomUUID()}
            canCancel={canCancel}
            refundAction={refundOrderAction}
            shipAction={shipUnitsAction}
            cancelAction={cancelOrderAction}
          />
        </section>
      ) : null}

      <section aria-labelledby="order-timeline">
        <h2 id="order-timeline">Timeline</h2>
        <ol className="order-timeline">
          {order.timeline.map((event, i) => (
            <li key={i}>
              <span className="small muted admin-nowrap">{formatTime(event.at)}</span> {eventText(event)}
            </li>
          ))}
        </ol>
      </section>

      <section aria-labelledby="order-ledger">
        <h2 id="order-ledger">Ledger rows of this order, newest first</h2>
        <p className="small muted location-scroll-cue">The table is wider than the screen: scroll it sideways for every column.</p>
        <div className="admin-scroll" role="region" aria-label="Ledger rows table" tabIndex={0}>
          <LedgerTable movements={order.movements} showProduct />
        </div>
      </section>
    </>
  );
}

/** One timeline entry in words: "Shipped 2 of 3 units (UPS 1Z…)", "Refunded $12.00: damaged (1 returned)". */
function eventText(event: OrderEvent): string {
  switch (event.kind) {
    case "paid":
      return `Paid ${formatMoney(event.amountCents)}`;
    case "shipped": {
      const parcel = [event.carrier, event.trackingNumber].filter(Boolean).join(" ");
      return `Shipped ${event.units} of ${event.of} ${event.of === 1 ? "unit" : "units"}${parcel ? ` (${parcel})` : " (no tracking number)"}`;
    }
    case "refunded": {
      const state = event.status === "processing" ? " — with the payment provider" : event.status === "failed" ? " — refused by the payment provider" : "";
      const returned = event.returned > 0 ? ` (${event.returned} returned)` : "";
      return `${event.cancellation ? "Cancelled and refunded" : "Refunded"} ${formatMoney(event.amountCents)}: ${event.reason}${returned}${state}`;
    }
    case "cancelled":
      return "Cancelled";
  }
}
