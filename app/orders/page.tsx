import type { Metadata } from "next";
import Link from "next/link";
import { connection } from "next/server";
import { resendVerificationAction } from "@/app/account/verify/actions";
import { ResendVerificationForm } from "@/components/account/resend-verification-form";
import { OrderLookupForm } from "@/components/shop/order-lookup-form";
import { Alert } from "@/components/ui/alert";
import { ButtonLink } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { LocalTime } from "@/components/ui/local-time";
import { Price } from "@/components/ui/price";
import { emailStatus } from "@/lib/accounts";
import { currentAccount, currentGuest } from "@/lib/accounts/identity";
import { lineName } from "@/lib/catalog/variants";
import { OrderStatusText } from "./status";
import "./orders.css";
import { listOrdersForShopper, type OrderView } from "@/lib/orders";
import { lookupOrderAction } from "./actions";

export const metadata: Metadata = { title: "Your orders" };

function OrdersTable({ orders }: { orders: OrderView[] }) {
  return (
    <Card>
      <div className="table-scroll">
        <table className="table orders-history">
          <thead>
            <tr>
              <th scope="col">Order</th>
              <th scope="col">Placed</th>
              <th scope="col">Items</th>
              <th scope="col">Status</th>
              <th scope="col" className="num">
                Total
              </th>
            </tr>
          </thead>
          <tbody>
            {orders.map((order) => (
              <tr key={order.id}>
                <td className="orders-history-id">
                  <Link href={`/orders/${order.id}`}>{`#${order.id.slice(0, 8)}`}</Link>
                </td>
                <td className="orders-history-wide" data-label="Placed">
                  <LocalTime iso={order.createdAt} />
                </td>
                <td className="orders-history-wide" data-label="Items">
                  {order.lines.map((line) => `${line.quantity} × ${lineName(line.name, line.options)}`).join(", ")}
                </td>
                <td className="orders-history-status">
                  <OrderStatusText status={order.status} />
                </td>
                <td className="num orders-history-total" data-label="Total">
                  <Price cents={order.totalCents} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Card>
  );
}

/**
 * Order history for accounts. Guests see the orders placed in this browser and can find any other order by
 * email and order number.
 */
export default async function OrdersPage() {
  await connection();
  const account = await currentAccount();
  if (!account) {
    const guest = await currentGuest();
    const orders = guest ? await listOrdersForShopper(guest.id) : [];
    return (
      <div className="stack">
        <h1>Your orders</h1>
        {orders.length > 0 ? (
          <section aria-labelledby="browser-orders-title" className="stack">
            <h2 id="browser-orders-title">Placed in this browser</h2>
            <OrdersTable orders={orders} />
          </section>
        ) : null}
        <OrderLookupForm action={lookupOrderAction} />
        <p className="muted small">
          Have an account? <Link href="/signin?callbackUrl=/orders">Sign in</Link> to see your order history. Orders
          you placed as a guest with the same email join it once you have confirmed that email.
        </p>
      </div>
    );
  }
  const [orders, email] = await Promise.all([listOrdersForShopper(account.id), emailStatus(account.id)]);
  return (
    <div className="stack">
      <h1>Your orders</h1>
      {email.verified ? null : (
        <Alert
          tone="info"
          title="Confirm your email to see orders placed as a guest"
          action={<ResendVerificationForm action={resendVerificationAction} />}
        >
          <p>
            We sent a link to <strong>{email.email}</strong>. Orders placed as a guest with this address join your
            account once you open it.
          </p>
        </Alert>
      )}
      {orders.length === 0 ? (
        <EmptyState title="No orders yet" action={<ButtonLink href="/">Browse the shop</ButtonLink>}>
          <p>When you buy something, it shows up here.</p>
        </EmptyState>
      ) : (
        <OrdersTable orders={orders} />
      )}
    </div>
  );
}
