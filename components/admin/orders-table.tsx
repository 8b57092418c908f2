"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { ActionButton, type AdminAction } from "./action-button";
import { paymentTrouble } from "@/lib/orders/payment-state";
import { OrderStatusBadge } from "./order-payment-badge";
import { formatMoney } from "@/components/ui/money";
import { formatTime, shortId, variantName } from "./format";
import { ListSearch, listHref } from "./list-search";
import { adminKeys, ordersQuery, type ListView, type OrdersPage } from "./queries";
import { Pager } from "./stock-dashboard";
// The table's phone layout (each order a small card) lives with the other order-shipping styles.
import "./location-pages.css";

/**
 * A page of orders, newest first, kept current; a paid order can be fulfilled (its stock leaves the shelf), and
 * one shipped from some locations only can have the rest shipped. A line split over locations says where from.
 */
export function OrdersTable({ initial, fulfil, view = {} }: { initial: OrdersPage; fulfil: AdminAction; view?: ListView }) {
  const { data, error, isRefetchError } = useQuery({ ...ordersQuery(view), initialData: initial });
  const { orders } = data;

  return (
    <>
      {isRefetchError ? (
        <p className="muted small" role="status">
          Could not refresh: {error?.message ?? "the server did not answer"}. Retrying…
        </p>
      ) : null}
      <ListSearch action="/admin/orders" label="Search orders" placeholder="Email or order number" q={view.q} />
      {orders.length === 0 ? (
        <p className="muted">{view.q ? "No order matches." : "No orders yet."}</p>
      ) : (
        <div className="admin-scroll">
          <table className="table admin-table orders-cards">
            <thead>
              <tr>
                <th scope="col">Order</th>
                <th scope="col">Placed</th>
                <th scope="col">Shopper</th>
                <th scope="col">Items</th>
                <th scope="col" className="num">Total</th>
                <th scope="col">Status</th>
                <th scope="col">
                  <span className="visually-hidden">Action</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {orders.map((order) => (
                <tr key={order.id}>
                  <td className="orders-card-id">
                    <Link href={`/admin/orders/${order.id}`} aria-label={`Order ${shortId(order.id)}, details`}>
                      <code>{shortId(order.id)}</code>
                    </Link>
                  </td>
                  <td className="admin-nowrap orders-card-wide" data-label="Placed">
                    {formatTime(order.createdAt)}
                  </td>
                  <td className="orders-card-wide" data-label="Shopper">
                    {order.shopper.guest ? `guest${order.email ? ` (${order.email})` : ""}` : order.shopper.email}
                  </td>
                  <td className="orders-card-wide" data-label="Items">
                    {order.lines.map((line) => (
                      <div key={line.variantId}>
                        {line.quantity} × {variantName(line.name, line.options)} <code className="small muted">{line.sku}</code>
                        {line.allocations.length > 1 ? (
                          <div className="small muted">{line.allocations.map((a) => `${a.quantity} from ${a.name}`).join(", ")}</div>
                        ) : null}
                      </div>
                    ))}
                  </td>
                  <td className="num orders-card-total" data-label="Total">
                    {formatMoney(order.totalCents)}
                  </td>
                  <td className="orders-card-status">
                    <OrderStatusBadge order={order} />
                  </td>
                  <td className="orders-card-action">
                    {paymentTrouble(order) ? (
                      <Link href={`/admin/orders/${order.id}`}>Resolve</Link>
                    ) : order.status === "paid" || order.status === "partially_fulfilled" ? (
                      <ActionButton
                        action={fulfil}
                        field="orderId"
                        value={order.id}
                        label={order.status === "paid" ? "Fulfil" : "Fulfil the rest"}
                        confirm={{
                          question:
                            order.status === "paid"
                              ? `Ship order ${shortId(order.id)}? Its units leave the shelf.`
                              : `Ship what is left of order ${shortId(order.id)}, from every location?`,
                          yes: "Yes, fulfil",
                        }}
                        refresh={[adminKeys.orders(), adminKeys.stock()]}
                      />
                    ) : order.fulfilledAt ? (
                      <span className="muted small">{formatTime(order.fulfilledAt)}</span>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager
        prev={data.prevCursor ? listHref("/admin/orders", { ...view, cursor: data.prevCursor }) : null}
        next={data.nextCursor ? listHref("/admin/orders", { ...view, cursor: data.nextCursor }) : null}
      />
    </>
  );
}
