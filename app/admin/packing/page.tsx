import Link from "next/link";
import { z } from "zod";
import { formatTime, shortId, variantName } from "@/components/admin/format";
import { LocationActionButton } from "@/components/admin/location-action-button";
import { OrderStatusBadge } from "@/components/admin/order-payment-badge";
import { adminKeys } from "@/components/admin/queries";
import "@/components/admin/location-pages.css";
import { Alert } from "@/components/ui/alert";
import { requireAdminPage } from "@/lib/admin/access";
import { listPackingOrders, packingCounts } from "@/lib/admin/packing";
import { listLocations } from "@/lib/inventory";
import { paymentTrouble } from "@/lib/orders/payment-state";
import { firstParam } from "@/lib/platform/search-params";
import { fulfilFromHereAction } from "./actions";

type SearchParams = Record<string, string | string[] | undefined>;

const orders = (n: number) => `${n} ${n === 1 ? "order" : "orders"}`;

/**
 * What to pack at one location: the orders with units still to ship from there, oldest first, each with the
 * lines and quantities to pick, and a button that ships them from here.
 */
export default async function PackingPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const params = await searchParams;
  const asked = firstParam(params.location);
  await requireAdminPage(asked ? `/admin/packing?location=${encodeURIComponent(asked)}` : "/admin/packing");
  const [locations, counts] = await Promise.all([listLocations(), packingCounts()]);
  // The location asked for, else the first active one by priority (where most is held).
  const location = locations.find((l) => l.id === asked) ?? locations.find((l) => l.active) ?? locations[0]!;
  const { orders: due, more } = await listPackingOrders(location.id);
  const shipped = z.uuid().safeParse(firstParam(params.shipped));

  return (
    <>
      <h1>Packing</h1>
      <p className="muted">Orders with units to ship from a location, oldest first. Fulfilling here ships only what is allocated at this location.</p>
      <nav aria-label="Locations" className="admin-choices">
        {locations.map((l) => (
          <Link key={l.id} href={`/admin/packing?location=${l.id}`} className="admin-filter" aria-current={l.id === location.id ? "page" : undefined}>
            {l.name}
            <span className="admin-filter-count">{orders(counts.get(l.id) ?? 0)}</span>
          </Link>
        ))}
      </nav>
      {shipped.success ? (
        <Alert tone="success" title={`Shipped order ${shortId(shipped.data)} from ${location.name}`}>
          <p>
            Its units allocated here have left the shelf. <Link href={`/admin/orders/${shipped.data}`}>See the order</Link>.
          </p>
        </Alert>
      ) : null}
      <h2 id="packing-title">To ship from {location.name}</h2>
      {due.length === 0 ? (
        <p className="muted">Nothing to ship from {location.name}.</p>
      ) : (
        <ol className="packing-list" aria-labelledby="packing-title">
          {due.map((order) => {
            const trouble = paymentTrouble(order);
            return (
              <li key={order.id} className="card packing-order" aria-label={`Order ${shortId(order.id)}`}>
                <div className="packing-order-head">
                  <h3>
                    <Link href={`/admin/orders/${order.id}`}>
                      Order <code>{shortId(order.id)}</code>
                    </Link>
                  </h3>
                  <OrderStatusBadge order={order} />
                </div>
                <p className="small muted admin-break" style={{ margin: 0 }}>
                  {order.guest ? "Guest" : "Account"} · {order.email ?? "no email"} · placed {formatTime(order.createdAt)}
                </p>
                <ul className="packing-lines" aria-label="To pick">
                  {order.lines.map((line) => (
                    <li key={`${line.variantId}:${line.kit?.variantId ?? ""}`}>
                      <span className="packing-qty">{line.quantity} ×</span> {variantName(line.name, line.options)}{" "}
                      <code className="small muted">{line.sku}</code>
                      {line.kit ? <span className="small muted"> for {line.kit.name}</span> : null}
                      {line.quantity < line.ordered ? <span className="small muted"> (of {line.ordered} ordered)</span> : null}
                    </li>
                  ))}
                </ul>
                {trouble ? (
                  <p className="small">
                    Its payment is not in: <Link href={`/admin/orders/${order.id}`}>settle it on the order&apos;s page</Link> before shipping.
                  </p>
                ) : (
                  <LocationActionButton
                    action={fulfilFromHereAction}
                    fields={{ orderId: order.id, locationId: location.id }}
                    label="Fulfil from here"
                    confirm={{ question: `Ship order ${shortId(order.id)}'s units from ${location.name}?`, yes: "Yes, fulfil" }}
                    refresh={[adminKeys.orders(), adminKeys.stock()]}
                  />
                )}
              </li>
            );
          })}
        </ol>
      )}
      {more ? <p className="muted small">Showing the {due.length} oldest; ship these to see the next.</p> : null}
    </>
  );
}
