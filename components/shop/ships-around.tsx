import { shipsAroundText } from "@/lib/catalog/ship-date";
import "./preorder.css";

/** "Ships around 14 March", under an order line that waits for a delivery (a pre-order); nothing otherwise. */
export function ShipsAround({ day }: { day: string | null | undefined }) {
  return day ? <span className="ships-around small muted">{shipsAroundText(day)}</span> : null;
}
