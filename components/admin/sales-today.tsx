"use client";

import { useQuery } from "@tanstack/react-query";
import { formatMoney } from "@/components/ui/money";
import type { SalesToday } from "@/lib/admin/sales";
import { salesTodayQuery } from "./queries";
import "./sales-today.css";

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/**
 * Today's figures above the stock table: revenue, refunds, net and held → paid conversion, polled like the rest of
 * the dashboard. "Today" is the database's: since midnight UTC.
 */
export function SalesTodayCards({ initial }: { initial: SalesToday }) {
  const { data, isRefetchError } = useQuery({ ...salesTodayQuery(), initialData: initial });
  const { revenue, refunds, netCents, conversion } = data;
  return (
    <section className="sales-today" aria-labelledby="sales-today-title">
      <h2 id="sales-today-title" className="sales-today-title">
        Today <span className="muted small">since 00:00 UTC{isRefetchError ? " · could not refresh, retrying…" : ""}</span>
      </h2>
      <dl className="sales-cards">
        <div className="sales-card">
          <dt>Revenue</dt>
          <dd>{formatMoney(revenue.cents)}</dd>
          <dd className="sales-card-note">{plural(revenue.orders, "order", "orders")}</dd>
        </div>
        <div className={refunds.count > 0 ? "sales-card is-refunds" : "sales-card"}>
          <dt>Refunds</dt>
          <dd>{refunds.cents > 0 ? `−${formatMoney(refunds.cents)}` : formatMoney(0)}</dd>
          <dd className="sales-card-note">{plural(refunds.count, "refund", "refunds")}</dd>
        </div>
        <div className="sales-card">
          <dt>Net</dt>
          <dd>{formatMoney(netCents)}</dd>
          <dd className="sales-card-note">revenue − refunds</dd>
        </div>
        <div className="sales-card">
          <dt>Held → paid</dt>
          <dd>{conversion.percent === null ? "–" : `${conversion.percent} %`}</dd>
          <dd className="sales-card-note">
            {conversion.paid} of {plural(conversion.ended, "checkout", "checkouts")} paid
          </dd>
        </div>
      </dl>
    </section>
  );
}
