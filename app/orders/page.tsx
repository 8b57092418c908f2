import type { Metadata } from "next";
import Link from "next/link";
import { connection } from "next/server";
import { Badge } from "@/components/ui/badge";
import { ButtonLink } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { Price } from "@/components/ui/price";
import { currentAccount } from "@/lib/identity";
import { listOrdersForShopper } from "@/lib/orders";

export const metadata: Metadata = { title: "Your orders" };

const dateFormat = new Intl.DateTimeFormat("en-US", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });

/** Order history, for shoppers with an account. Guests see each order on its confirmation page. */
export default async function OrdersPage() {
  await connection();
  const account = await currentAccount();
  if (!account) {
    return (
      <>
        <h1>Your orders</h1>
        <EmptyState
          title="Sign in to see your orders"
          action={<ButtonLink href="/signin?callbackUrl=/orders">Sign in</ButtonLink>}
        >
          <p>
            Order history is kept for accounts. If you checked out as a guest, your order confirmation page shows
            your order.
          </p>
        </EmptyState>
      </>
    );
  }
  const orders = await listOrdersForShopper(account.id);
  return (
    <>
      <h1>Your orders</h1>
      {orders.length === 0 ? (
        <EmptyState title="No orders yet" action={<ButtonLink href="/">Browse the shop</ButtonLink>}>
          <p>When you buy something, it shows up here.</p>
        </EmptyState>
      ) : (
        <Card>
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Order</th>
                <th scope="col">Placed (UTC)</th>
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
                  <td>
                    <Link href={`/orders/${order.id}`}>#{order.id.slice(0, 8)}</Link>
                  </td>
                  <td>{dateFormat.format(new Date(order.createdAt))}</td>
                  <td>{order.lines.map((line) => `${line.quantity} × ${line.name}`).join(", ")}</td>
                  <td>
                    <Badge tone={order.status === "fulfilled" ? "success" : "info"}>{order.status}</Badge>
                  </td>
                  <td className="num">
                    <Price cents={order.totalCents} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </Card>
      )}
    </>
  );
}
