"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { Badge } from "@/components/ui/badge";
import type { StockOverview } from "@/lib/admin-queries";
import { formatTime } from "./format";
import { LIVE_REFRESH_MS, stockQuery } from "./queries";

/** Every product's stock, polled about every two seconds; low and sold-out rows stand out. */
export function StockDashboard({ initial }: { initial: StockOverview }) {
  const { data, error, isRefetchError } = useQuery({ ...stockQuery(), initialData: initial });
  const { totals } = data;

  return (
    <>
      <dl className="admin-totals" aria-label="Totals">
        <Total label="Products" value={totals.products} />
        <Total label="On hand" value={totals.onHand} />
        <Total label="Reserved" value={totals.reserved} />
        <Total label="Allocated" value={totals.allocated} />
        <Total label="Available" value={totals.available} />
        <Total label="Low" value={totals.low} tone={totals.low > 0 ? "low" : undefined} />
        <Total label="Sold out" value={totals.soldOut} tone={totals.soldOut > 0 ? "zero" : undefined} />
      </dl>

      <p className="muted small" aria-live="polite">
        {isRefetchError
          ? `Could not refresh: ${error?.message ?? "the server did not answer"}. Retrying…`
          : `Live: refreshed every ${LIVE_REFRESH_MS / 1000} s · as of ${formatTime(data.serverTime)}`}
      </p>

      {/* On a phone the table scrolls inside this box, never the page. */}
      <div className="admin-scroll">
      <table className="table admin-table">
        <caption>On hand = on the shelf; reserved = held by open checkouts; allocated = sold, not yet shipped.</caption>
        <thead>
          <tr>
            <th scope="col">Product</th>
            <th scope="col" className="num">On hand</th>
            <th scope="col" className="num">Reserved</th>
            <th scope="col" className="num">Allocated</th>
            <th scope="col" className="num">Available</th>
            <th scope="col">State</th>
          </tr>
        </thead>
        <tbody>
          {data.products.map((p) => (
            <tr key={p.id} className={p.soldOut ? "is-zero" : p.low ? "is-low" : undefined}>
              <th scope="row">
                <Link href={`/admin/ledger?productId=${p.id}`}>{p.name}</Link>
              </th>
              <td className="num">{p.onHand}</td>
              <td className="num">{p.reserved}</td>
              <td className="num">{p.allocated}</td>
              <td className="num strong">{p.available}</td>
              <td>
                {p.soldOut ? (
                  <Badge tone="danger">Sold out</Badge>
                ) : p.low ? (
                  <Badge tone="warning">Low</Badge>
                ) : (
                  <Badge tone="success">In stock</Badge>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      </div>
    </>
  );
}

function Total({ label, value, tone }: { label: string; value: number; tone?: "low" | "zero" }) {
  return (
    <div className={tone ? `admin-total ${tone}` : "admin-total"}>
      <dt>{label}</dt>
      <dd>{value}</dd>
    </div>
  );
}
