"use client";

import { useQuery } from "@tanstack/react-query";
import { Badge, type BadgeTone } from "@/components/ui/badge";
import type { OfferOutcome } from "@/lib/admin/line";
import { formatTime } from "./format";
import { handOnsQuery, type HandOns } from "./queries";
import "./line-hand-ons.css";

/** A variant's (or product's) line on the stock dashboard: "3 waiting", only when someone is. */
export function WaitingBadge({ waiting }: { waiting: number }) {
  return waiting > 0 ? <Badge tone="info">{`${waiting} waiting`}</Badge> : null;
}

const outcomes: Record<OfferOutcome, { label: string; tone: BadgeTone }> = {
  held: { label: "Held for them", tone: "info" },
  paying: { label: "Paying", tone: "info" },
  paid: { label: "Paid", tone: "success" },
  lapsed: { label: "Lapsed, passed on", tone: "warning" },
  declined: { label: "Card declined", tone: "danger" },
  given_up: { label: "Given up", tone: "neutral" },
};

const variantText = (options: Record<string, string>, sku: string) => Object.values(options).join(" / ") || sku;

/**
 * The line's recent hand-ons: each ticket offered in the last hour, when, what it was offered, to whom, and what
 * became of the offer, polled like the rest of the dashboard. On a phone the table scrolls inside its own box, as
 * the dashboard's does.
 */
export function LineHandOns({ initial }: { initial: HandOns }) {
  const { data } = useQuery({ ...handOnsQuery(), initialData: initial });
  const { handOns, windowSeconds } = data;
  if (handOns.length === 0) {
    return <p className="muted">{`No units were handed on from the line in the last ${windowSeconds / 60} minutes.`}</p>;
  }
  return (
    <div className="admin-scroll">
      <table className="table admin-table hand-ons">
        <caption>
          Units freed while shoppers waited go to the oldest ticket they complete, held in a new checkout for that shopper.
        </caption>
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Items</th>
            <th scope="col">Shopper</th>
            <th scope="col">Offer</th>
          </tr>
        </thead>
        <tbody>
          {handOns.map((h) => (
            <tr key={h.ticketId}>
              <td data-label="When">{formatTime(h.offeredAt)}</td>
              <td data-label="Items">
                <ul className="hand-on-lines">
                  {h.lines.map((l) => (
                    <li key={l.variantId}>
                      {l.quantity} × {l.productName} <span className="muted small">{variantText(l.options, l.sku)}</span>
                    </li>
                  ))}
                </ul>
              </td>
              <td data-label="Shopper" className="hand-on-email">
                {h.email ?? <span className="muted">unknown</span>}
              </td>
              <td data-label="Offer">
                <Badge tone={outcomes[h.outcome].tone}>{outcomes[h.outcome].label}</Badge>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
