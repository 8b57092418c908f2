import "./line.css";

/**
 * A variant's live demand on its product page: "12 checking out · 40 waiting" (only when someone is), and the
 * product's limit per customer when it has one.
 */
export function LineDemand({ demand, limitPerCustomer }: { demand: { checkingOut: number; waiting: number } | null; limitPerCustomer: number | null }) {
  const parts = demand
    ? [demand.checkingOut > 0 ? `${demand.checkingOut} checking out` : null, demand.waiting > 0 ? `${demand.waiting} waiting` : null].filter(Boolean)
    : [];
  if (parts.length === 0 && limitPerCustomer === null) return null;
  return (
    <div className="line-demand-box">
      {parts.length > 0 ? (
        <p className="line-demand" aria-label="Demand right now">
          {parts.join(" · ")}
        </p>
      ) : null}
      {limitPerCustomer !== null ? <p className="line-limit">Limit {limitPerCustomer} per customer</p> : null}
    </div>
  );
}
