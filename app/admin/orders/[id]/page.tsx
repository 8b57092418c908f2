import Link from "next/link";
import { notFound } from "next/navigation";
import { z } from "zod";
import { ActionButton } from "@/components/admin/action-button";
import { formatTime, shortId, variantName } from "@/components/admin/format";
import { FailedPaymentActions } from "@/components/admin/failed-payment-actions";
import { LedgerTable } from "@/components/admin/ledger-table";
import { OrderStatusBadge } from "@/components/admin/order-payment-badge";
import { adminKeys } from "@/components/admin/queries";
import { Badge } from "@/components/ui/badge";
import { formatMoney } from "@/components/ui/money";
import { requireAdminPage } from "@/lib/admin/access";
import { getAdminOrderDetail } from "@/lib/orders";
import { DomainError } from "@/lib/platform/errors";
import { countryName } from "@/lib/checkout/countries";
import { paymentTrouble } from "@/lib/orders/payment-state";
import { cancelOrderAction, fulfilOrderAction, retryCaptureAction } from "../actions";

const deliveryFields = [
  ["name", "Name"],
  ["address", "Address"],
  ["city", "City"],
  ["postcode", "Postcode"],
  ["country", "Country"],
] as const;

/** One order for the merchant: what was bought, by whom, where it goes, how it was paid, and its ledger rows. */
export default async function AdminOrderPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  await requireAdminPage(`/admin/orders/${encodeURIComponent(id)}`);
  if (!z.uuid().safeParse(id).success) notFound();
  const order = await getAdminOrderDetail(id).catch((error: unknown) => {
    if (error instanceof DomainError && error.code === "not_found") notFound();
    throw error;
  });

  const trouble = paymentTrouble(order);

  return (
    <>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link href="/admin/orders">Orders</Link> / <span aria-current="page">{shortId(order.id)}</span>
      </nav>
      <div className="admin-order-head">
        <h1>Order {shortId(order.id)}</h1>
        <OrderStatusBadge order={order} />
        {order.status === "paid" && !trouble ? (
          <ActionButton
            action={fulfilOrderAction}
            field="orderId"
            value={order.id}
            label="Fulfil"
            confirm={{ question: `Ship order ${shortId(order.id)}? Its units leave the shelf.`, yes: "Yes, fulfil" }}
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
          <table className="table admin-table">
            <thead>
              <tr>
                <th scope="col">Product</th>
                <th scope="col" className="num">Quantity</th>
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
                  <td className="num">{line.quantity}</td>
                  <td className="num">{formatMoney(line.unitPriceCents)}</td>
                  <td className="num">{formatMoney(line.quantity * line.unitPriceCents)}</td>
                </tr>
              ))}
            </tbody>
            <tfoot>
              <tr>
                <th scope="row" colSpan={3}>
                  Total
                </th>
                <td className="num strong">{formatMoney(order.totalCents)}</td>
              </tr>
            </tfoot>
          </table>
        </div>
      </section>

      <section aria-labelledby="order-ledger">
        <h2 id="order-ledger">Ledger rows of this order, newest first</h2>
        <div className="admin-scroll">
          <LedgerTable movements={order.movements} showProduct />
        </div>
      </section>
    </>
  );
}
