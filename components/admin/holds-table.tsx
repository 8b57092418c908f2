"use client";

import { useQuery } from "@tanstack/react-query";
import { useClientClock } from "@/components/shop/use-client-clock";
import { clockOffsetMs, countdown } from "@/lib/checkout/countdown";
import { ActionButton, type AdminAction } from "./action-button";
import { formatTime, shortId, variantName } from "./format";
import { ListSearch, listHref } from "./list-search";
import { activeHoldsQuery, adminKeys, type ActiveHolds, type ListView } from "./queries";
import { Pager } from "./stock-dashboard";

/**
 * Every active hold with the location it draws on (a line split over locations is a hold at each) and a live
 * countdown, measured on the database's clock: the offset between the response's serverTime and the browser's
 * clock when it arrived corrects every later reading, so a wrong browser clock does not matter.
 */
export function HoldsTable({ initial, release, view = {} }: { initial: ActiveHolds; release: AdminAction; view?: ListView }) {
  const { data, dataUpdatedAt, error, isRefetchError } = useQuery({ ...activeHoldsQuery(view), initialData: initial });
  const clock = useClientClock();
  // Before the first tick (and on the server) the countdown reads as of the response itself.
  const offset = clockOffsetMs(data.serverTime, dataUpdatedAt);
  const now = clock ?? dataUpdatedAt;
  const count = data.reservations.length;

  return (
    <>
      <ListSearch action="/admin/holds" label="Search holds" placeholder="Product, SKU, location or email" q={view.q} />
      <p className="muted small" aria-live="polite">
        {isRefetchError
          ? `Could not refresh: ${error?.message ?? "the server did not answer"}. Retrying…`
          : `${count}${data.nextCursor ? "+" : ""} active hold${count === 1 ? "" : "s"}${view.q ? " matching" : ""} · as of ${formatTime(data.serverTime)}`}
      </p>
      {count === 0 ? (
        <p className="muted">{view.q ? "No active hold matches." : "No one holds any stock right now."}</p>
      ) : (
        <div className="admin-scroll">
          {/* On a phone each hold is a card with Release beside its product (admin.css .admin-cards). */}
          <table className="table admin-table admin-cards">
            <thead>
              <tr>
                <th scope="col">Shopper</th>
                <th scope="col">Product</th>
                <th scope="col">Location</th>
                <th scope="col" className="num">
                  Quantity
                </th>
                <th scope="col" className="num">
                  Time left
                </th>
                <th scope="col">Checkout</th>
                <th scope="col">
                  <span className="visually-hidden">Action</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {data.reservations.map((hold) => {
                const left = countdown(hold.expiresAt, offset, now);
                const name = variantName(hold.productName, hold.options);
                return (
                  <tr key={hold.id} className={left.phase === "running" ? undefined : "is-low"}>
                    <td className="admin-card-wide" data-label="Shopper">
                      {hold.shopper.guest ? (
                        <>
                          guest{hold.shopper.email ? <span className="muted"> ({hold.shopper.email})</span> : null}
                        </>
                      ) : (
                        hold.shopper.email
                      )}
                    </td>
                    <td className="admin-card-title">
                      <span>{name}</span> <code className="small muted admin-sku">{hold.sku}</code>
                    </td>
                    <td data-label="Location">{hold.locationName}</td>
                    <td className="num" data-label="Quantity">
                      {hold.quantity}
                    </td>
                    <td className="num" data-label="Time left">
                      <time dateTime={hold.expiresAt} title={left.words} suppressHydrationWarning>
                        {left.phase === "expired" ? "expired" : left.clock}
                      </time>
                    </td>
                    <td data-label="Checkout">
                      <code>{shortId(hold.checkoutId)}</code>
                    </td>
                    <td className="admin-card-action">
                      <ActionButton
                        action={release}
                        field="reservationId"
                        value={hold.id}
                        label="Release"
                        confirm={{
                          question: `Release ${hold.quantity} × ${name} (${hold.sku})? The checkout ends and the units go back on sale.`,
                          yes: "Yes, release",
                        }}
                        refresh={[adminKeys.activeHolds(), adminKeys.stock()]}
                      />
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      <Pager
        prev={data.prevCursor ? listHref("/admin/holds", { ...view, cursor: data.prevCursor }) : null}
        next={data.nextCursor ? listHref("/admin/holds", { ...view, cursor: data.nextCursor }) : null}
      />
    </>
  );
}
