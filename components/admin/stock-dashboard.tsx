"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { Fragment, useState } from "react";
import { Badge } from "@/components/ui/badge";
import { buttonClass } from "@/components/ui/button";
import type { StockFilter, StockOverview, StockRow, VariantLocationRow, VariantStockRow } from "@/lib/admin/stock";
import { formatTime } from "./format";
import { WaitingBadge } from "./line-hand-ons";
import { LIVE_REFRESH_MS, searchOf, stockQuery, type StockView } from "./queries";
import "./stock-locations.css";

const filterLabels: Record<StockFilter, string> = { all: "All", low: "Low", sold_out: "Sold out", held: "Held" };

const hrefOf = (view: StockView) => {
  const search = searchOf({ q: view.q, filter: view.filter === "all" ? undefined : view.filter, cursor: view.cursor });
  return search ? `/admin?${search}` : "/admin";
};

/** A variant's name on the dashboard: its option values ("M / Red"). */
const variantLabel = (v: VariantStockRow) => Object.values(v.options).join(" / ") || v.sku;

/**
 * The locations a variant's expanded rows list: none in a one-location shop (its row says it all); otherwise every
 * active location, and an inactive one only while it still has units (they are not on sale).
 */
const shownLocations = (v: VariantStockRow): VariantLocationRow[] =>
  v.locations.length > 1 ? v.locations.filter((l) => l.active || l.onHand > 0) : [];

/** Whether a variant is what the filter looks for (it is highlighted in the expanded product). */
const meetsFilter = (v: VariantStockRow, filter: StockFilter) =>
  filter === "low" ? v.low : filter === "sold_out" ? v.soldOut : filter === "held" ? v.reserved > 0 : false;

/**
 * A page of products' stock, polled about every two seconds (only that page, plus the shop's totals); search
 * and the low / sold-out / held filters live in the URL. Low and sold-out rows stand out. A product sold in
 * several variants is one row of sums that expands to its variants' rows, and in a shop with several locations
 * each variant's row is followed by its levels at each location (a one-variant product expands to those); the
 * filters list a product when any of its variants is low, sold out or held, and show it expanded with those
 * variants marked. The counts on the filters and in the totals count variants; available counts active
 * locations only.
 */
export function StockDashboard({ initial, view, pageSize }: { initial: StockOverview; view: StockView; pageSize: number }) {
  const { data, error, isRefetchError } = useQuery({ ...stockQuery(view, pageSize), initialData: initial });
  const { totals } = data;
  const filter = view.filter ?? "all";
  const counts: Record<StockFilter, number> = { all: totals.products, low: totals.low, sold_out: totals.soldOut, held: totals.held };
  // Under a filter, products open on the variants it found; the admin may fold or unfold any of them.
  const [toggled, setToggled] = useState<ReadonlySet<string>>(new Set());
  const isOpen = (id: string) => toggled.has(id) !== (filter !== "all");
  const toggle = (id: string) =>
    setToggled((current) => {
      const next = new Set(current);
      if (!next.delete(id)) next.add(id);
      return next;
    });

  return (
    <>
      <dl className="admin-totals" aria-label="Totals">
        <Total label="Products" value={totals.products} />
        {data.variantCount > totals.products ? <Total label="Variants" value={data.variantCount} /> : null}
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
          {/* On a phone the product column (name, ledger link, the variants' toggle) stays put as the figures scroll. */}
          <table className="table admin-table admin-sticky-first">
            <caption>
              On hand = on the shelf; reserved = held by open checkouts; allocated = sold, not yet shipped; available =
              free at active locations. Low, sold-out and held counts are of variants. A kit has no stock of its own: its
              available is the kits its components allow, and it is not in the totals.
            </caption>
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
            {data.products.map((p) => (
              <ProductRows key={p.id} product={p} filter={filter} open={isOpen(p.id)} onToggle={() => toggle(p.id)} />
            ))}
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

/** How a row's stock reads: sold out, low or in stock (a retired variant is no longer sold). */
function StateBadge({ row, retired = false }: { row: { low: boolean; soldOut: boolean }; retired?: boolean }) {
  if (retired) return <Badge>Retired</Badge>;
  if (row.soldOut) return <Badge tone="danger">Sold out</Badge>;
  if (row.low) return <Badge tone="warning">Low</Badge>;
  return <Badge tone="success">In stock</Badge>;
}

const rowTone = (row: { low: boolean; soldOut: boolean }) => (row.soldOut ? "is-zero" : row.low ? "is-low" : undefined);

/**
 * One product: a row of its sums and, for a product sold in several variants, its variants' rows, each followed by
 * its levels per location when the shop has several; the product's button shows or hides them. A tbody of its own
 * keeps a product and its rows together.
 */
function ProductRows({ product: p, filter, open, onToggle }: { product: StockRow; filter: StockFilter; open: boolean; onToggle: () => void }) {
  if (p.kit) return <KitRows product={p} kit={p.kit} open={open} onToggle={onToggle} />;
  const several = p.variants.length > 1;
  const only = several ? undefined : p.variants[0];
  const rowId = (v: VariantStockRow) => `variant-${v.id}`;
  const locationRowId = (v: VariantStockRow, l: VariantLocationRow) => `variant-${v.id}-at-${l.locationId}`;
  // The rows the product's button shows or hides: its variants' and their locations'.
  const hiddenRows = p.variants.flatMap((v) => [...(several ? [rowId(v)] : []), ...shownLocations(v).map((l) => locationRowId(v, l))]);
  // What the product's sum hides: some of its variants sold out or low.
  const flagged = [
    p.soldOutVariants > 0 && !p.soldOut ? `${p.soldOutVariants} sold out` : null,
    p.lowVariants > 0 ? `${p.lowVariants} low` : null,
  ].filter(Boolean);
  const what = several ? `the ${p.variants.length} variants of ${p.name}` : `${p.name} by location`;
  return (
    <tbody className={hiddenRows.length > 0 ? "stock-product has-variants" : "stock-product"}>
      <tr className={rowTone(p)}>
        <th scope="row">
          <div className="stock-name">
            {hiddenRows.length > 0 ? (
              <button
                type="button"
                className="stock-toggle"
                aria-expanded={open}
                aria-controls={hiddenRows.join(" ")}
                aria-label={`${open ? "Hide" : "Show"} ${what}`}
                onClick={onToggle}
              >
                <span aria-hidden="true">{open ? "▾" : "▸"}</span>
              </button>
            ) : null}
            <span className="stock-name-text">
              <Link href={`/admin/ledger?productId=${p.id}`}>{p.name}</Link>
              <span className="muted small stock-sku">{several ? `${p.variants.length} variants` : only?.sku}</span>
            </span>
          </div>
        </th>
        <td className="num">{p.onHand}</td>
        <td className="num">{p.reserved}</td>
        <td className="num">{p.allocated}</td>
        <td className="num strong">{p.available}</td>
        <td>
          <div className="stock-badges">
            <StateBadge row={p} />
            <WaitingBadge waiting={p.variants.reduce((sum, v) => sum + v.waiting, 0)} />
            {several && flagged.length > 0 ? <Badge tone={p.soldOutVariants > 0 ? "danger" : "warning"}>{flagged.join(", ")}</Badge> : null}
          </div>
        </td>
      </tr>
      {p.variants.map((v) => (
        <Fragment key={v.id}>
          {several ? (
            <tr
              id={rowId(v)}
              hidden={!open}
              className={["stock-variant", rowTone(v), meetsFilter(v, filter) ? "is-match" : undefined].filter(Boolean).join(" ")}
            >
              <th scope="row">
                <span className="stock-variant-name">
                  <span>{variantLabel(v)}</span> <code className="small stock-sku">{v.sku}</code>
                </span>
              </th>
              <td className="num">{v.onHand}</td>
              <td className="num">{v.reserved}</td>
              <td className="num">{v.allocated}</td>
              <td className="num strong">{v.available}</td>
              <td>
                <div className="stock-badges">
                  <StateBadge row={v} retired={v.retired} />
                  <WaitingBadge waiting={v.waiting} />
                </div>
              </td>
            </tr>
          ) : null}
          {shownLocations(v).map((l) => (
            <tr key={l.locationId} id={locationRowId(v, l)} hidden={!open} className={several ? "stock-location under-variant" : "stock-location"}>
              <th scope="row">
                <span className="stock-location-name">
                  <span className="muted">at</span> {l.name}
                  {several ? <span className="visually-hidden"> ({variantLabel(v)})</span> : null}
                </span>
              </th>
              <td className="num">{l.onHand}</td>
              <td className="num">{l.reserved}</td>
              <td className="num">{l.allocated}</td>
              <td className="num">{l.available}</td>
              <td>{l.active ? null : <Badge>Inactive</Badge>}</td>
            </tr>
          ))}
        </Fragment>
      ))}
    </tbody>
  );
}

/**
 * A kit: no stock of its own (its components' rows hold it, under their own products, so its on hand, reserved and
 * allocated are dashes and it is not in the totals); available is the kits its components allow. Its button shows
 * each component: how many one kit takes, its available units, and the kits they allow.
 */
function KitRows({ product: p, kit, open, onToggle }: { product: StockRow; kit: NonNullable<StockRow["kit"]>; open: boolean; onToggle: () => void }) {
  const rowId = (c: { variantId: string }) => `kit-${p.id}-${c.variantId}`;
  const none = (
    <>
      <span aria-hidden="true">–</span>
      <span className="visually-hidden">none of its own</span>
    </>
  );
  return (
    <tbody className="stock-product has-variants stock-kit">
      <tr className={rowTone(p)}>
        <th scope="row">
          <div className="stock-name">
            {kit.components.length > 0 ? (
              <button
                type="button"
                className="stock-toggle"
                aria-expanded={open}
                aria-controls={kit.components.map(rowId).join(" ")}
                aria-label={`${open ? "Hide" : "Show"} what is in ${p.name}`}
                onClick={onToggle}
              >
                <span aria-hidden="true">{open ? "▾" : "▸"}</span>
              </button>
            ) : null}
            <span className="stock-name-text">
              <Link href={`/admin/ledger?productId=${p.id}`}>{p.name}</Link>
              <span className="muted small stock-sku">
                Kit of {kit.components.length} · {kit.sku}
              </span>
            </span>
          </div>
        </th>
        <td className="num muted">{none}</td>
        <td className="num muted">{none}</td>
        <td className="num muted">{none}</td>
        <td className="num strong">{p.available}</td>
        <td>
          <div className="stock-badges">
            <StateBadge row={p} />
            <Badge tone="info">Kit</Badge>
          </div>
        </td>
      </tr>
      {kit.components.map((c) => (
        <tr key={c.variantId} id={rowId(c)} hidden={!open} className={["stock-variant", c.kits === kit.available ? "is-match" : undefined].filter(Boolean).join(" ")}>
          <th scope="row">
            <span className="stock-variant-name">
              <span>
                {c.quantity} × {c.name}
              </span>{" "}
              <code className="small stock-sku">{c.sku}</code>
            </span>
          </th>
          <td className="num muted" colSpan={3}>
            <span className="small">{c.available} available</span>
          </td>
          <td className="num">{c.kits}</td>
          <td>{c.kits === kit.available && kit.components.length > 1 ? <span className="small muted">sets the limit</span> : null}</td>
        </tr>
      ))}
    </tbody>
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
