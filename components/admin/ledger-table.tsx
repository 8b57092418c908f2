import type { MovementView } from "@/lib/admin/ledger";
import { formatTime, shortId, signed, variantName } from "./format";

const kindLabels: Record<MovementView["kind"], string> = {
  receive: "Received",
  write_off: "Written off",
  reserve: "Held",
  release: "Released",
  expire: "Hold expired",
  allocate: "Sold",
  fulfil: "Shipped",
  transfer: "Moved",
  incoming: "On its way",
  return: "Returned",
};

/** A movement in words; a transfer is two movements, one out of a location and one into another. */
const movementLabel = (m: MovementView) => (m.kind === "transfer" ? (m.onHandDelta < 0 ? "Moved out" : "Moved in") : kindLabels[m.kind]);

/**
 * Stock movements, newest first, with where and who or what caused each one. Each names its variant by SKU: beside
 * the product's name, or (one product's ledger) in a column of its own when the product comes in several.
 */
export function LedgerTable({ movements, showProduct }: { movements: MovementView[]; showProduct: boolean }) {
  if (movements.length === 0) return <p className="muted">No stock movements yet.</p>;
  const showVariant = !showProduct && movements.some((m) => Object.keys(m.options).length > 0);
  return (
    <table className="table admin-table admin-sticky-first">
      <thead>
        <tr>
          <th scope="col">When</th>
          {showProduct ? <th scope="col">Product</th> : null}
          {showVariant ? <th scope="col">Variant</th> : null}
          <th scope="col">Movement</th>
          <th scope="col">Location</th>
          <th scope="col" className="num">On hand</th>
          <th scope="col" className="num">Reserved</th>
          <th scope="col" className="num">Allocated</th>
          <th scope="col" className="num">Available</th>
          <th scope="col">Caused by</th>
          <th scope="col">Reason</th>
        </tr>
      </thead>
      <tbody>
        {movements.map((m) => (
          <tr key={m.id}>
            <td className="admin-nowrap">{formatTime(m.createdAt)}</td>
            {showProduct ? (
              <td>
                <span>{variantName(m.productName, m.options)}</span> <code className="small muted admin-sku">{m.sku}</code>
              </td>
            ) : null}
            {showVariant ? (
              <td>
                <span>{Object.values(m.options).join(" / ")}</span> <code className="small muted admin-sku">{m.sku}</code>
              </td>
            ) : null}
            <td>
              {movementLabel(m)}
              {m.orderId ? (
                <span className="muted"> · order {shortId(m.orderId)}</span>
              ) : m.checkoutId ? (
                <span className="muted"> · checkout {shortId(m.checkoutId)}</span>
              ) : null}
            </td>
            <td>{m.locationName}</td>
            <td className="num">{signed(m.onHandDelta)}</td>
            <td className="num">{signed(m.reservedDelta)}</td>
            <td className="num">{signed(m.allocatedDelta)}</td>
            <td className={`num strong ${m.availableDelta < 0 ? "down" : m.availableDelta > 0 ? "up" : ""}`}>
              {signed(m.availableDelta)}
            </td>
            <td>{m.causedBy}</td>
            <td>{m.reason ?? ""}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
