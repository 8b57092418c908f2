"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { Badge } from "@/components/ui/badge";
import { buttonClass } from "@/components/ui/button";
import type { StockFilter, StockOverview } from "@/lib/admin/stock";
import { formatTime } from "./format";
import { LIVE_REFRESH_MS, searchOf, stockQuery, type StockView } from "./queries";

const filterLabels: Record<StockFilter, string> = { all: "All", low: "Low", sold_out: "Sold out", held: "Held" };

const hrefOf = (view: StockView) => {
  const search = searchOf({ q: view.q, filter: view.filter === "all" ? undefined : view.filter, cursor: view.cursor });
  return search ? `/admin?${search}` : "/admin";
};

/**
 * A page of products' stock, polled about every two seconds (only that page, plus the shop's totals); search
 * and the low / sold-out / held filters live in the URL. Low and sold-out rows stand out.
 */
export function StockDashboard({ initial, view, pageSize }: { initial: StockOverview; view: StockView; pageSize: number }) {
  const { data, error, isRefetchError } = useQuery({ ...stockQuery(view, pageSize), initialData: initial });
  const { totals } = data;
  const filter = view.filter ?? "all";
  const counts: Record<StockFilter, number> = { all: totals.products, low: totals.low, sold_out: totals.soldOut, held: totals.held };

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

      <div className="admin-toolbar">
        <nav aria-label="Show" className="admin-filters">
          {(Object.keys(filterLabels) as StockFilter[]).map((value) => (
            <Link
              key={value}
              href={hrefOf({ q: view.q, filter: value })}
              className="admin-filter"
              aria-current={value === filter ? "page" : undefined}
            >
              {filterLabels[value]} <span className="admin-filter-count">{counts[value]}</span>
            </Link>
          ))}
        </nav>
        <form method="get" action="/admin" role="search" aria-label="Stock" className="admin-search">
          {filter !== "all" ? <input type="hidden" name="filter" value={filter} /> : null}
          <label htmlFor="stock-q" className="visually-hidden">
            Search products
          </label>
          <input id="stock-q" name="q" type="search" className="input" defaultValue={view.q ?? ""} placeholder="Search products" maxLength={200} />
          <button type="submit" className={buttonClass("secondary")}>
            Search
          </button>
        </form>
      </div>

      <p className="muted small" aria-live="polite">
        {isRefetchError
          ? `Could not refresh: ${error?.message ?? "the server did not answer"}. Retrying…`
          : `Live: refreshed every ${LIVE_REFRESH_MS / 1000} s · as of ${formatTime(data.serverTime)}`}
      </p>

      {data.products.length === 0 ? (
        <p className="muted">{view.q || filter !== "all" ? "No products match." : "No products yet."}</p>
      ) : (
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
      )}
      <Pager
        prev={data.prevCursor ? hrefOf({ ...view, cursor: data.prevCursor }) : null}
        next={data.nextCursor ? hrefOf({ ...view, cursor: data.nextCursor }) : null}
      />
    </>
  );
}

/** Previous / next page links of an admin list (plain links: they work without JavaScript). */
export function Pager({ prev, next }: { prev: string | null; next: string | null }) {
  if (!prev && !next) return null;
  return (
    <nav className="pager" aria-label="Pages">
      {prev ? (
        <Link href={prev} rel="prev" className="pager-link">
          ← Previous
        </Link>
      ) : (
        <span />
      )}
      {next ? (
        <Link href={next} rel="next" className="pager-link">
          Next →
        </Link>
      ) : null}
    </nav>
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
