/**
 * Where an order's units ship from, read off its lines' allocations: per location, how many were allocated there
 * and how many have shipped. Plain functions over the order view, for the order page and the fulfil action.
 */
import type { OrderLineView } from "@/lib/orders";

export type ShipFrom = { locationId: string; name: string; allocated: number; shipped: number; left: number };

/** Each location the order's units are allocated at, in the order holds drew on them. */
export function shippingByLocation(lines: readonly OrderLineView[]): ShipFrom[] {
  const byLocation = new Map<string, ShipFrom>();
  for (const line of lines) {
    for (const a of line.allocations) {
      const at = byLocation.get(a.locationId) ?? { locationId: a.locationId, name: a.name, allocated: 0, shipped: 0, left: 0 };
      at.allocated += a.quantity;
      at.shipped += a.fulfilled;
      // Units refunded or cancelled before shipping left the order: nothing to ship of them.
      at.allocated -= a.released;
      at.left += a.quantity - a.fulfilled - a.released;
      byLocation.set(a.locationId, at);
    }
  }
  return [...byLocation.values()];
}

const units = (n: number) => `${n} ${n === 1 ? "unit" : "units"}`;

/** What an allocation is of: nothing to say for the line's own variant; a kit's component by its SKU ("MUG-SAGE "). */
const ofWhat = (line: OrderLineView, a: OrderLineView["allocations"][number]) => (a.variantId === line.variantId ? "" : `${a.sku} `);

/** "2 from Back room, 1 from Main": where a line's units are allocated (a kit's: "2 MUG-SAGE from Main, …"). */
export function allocationText(line: OrderLineView): string {
  return line.allocations.map((a) => `${a.quantity} ${ofWhat(line, a)}from ${a.name}`).join(", ");
}

/** "1 shipped from Main": what of a line has shipped, where some has; empty when none has. */
export function shippedText(line: OrderLineView): string {
  return line.allocations
    .filter((a) => a.fulfilled > 0)
    .map((a) => `${a.fulfilled} ${ofWhat(line, a)}shipped from ${a.name}`)
    .join(", ");
}

/** What is left to ship, said after a fulfilment: "Still to ship: 2 units from Main." or "Everything has shipped." */
export function leftToShipText(lines: readonly OrderLineView[]): string {
  const left = shippingByLocation(lines).filter((s) => s.left > 0);
  if (left.length === 0) return "Everything has shipped.";
  return `Still to ship: ${left.map((s) => `${units(s.left)} from ${s.name}`).join(", ")}.`;
}

export { units };
