import { formatMoney } from "./money";

export function Price({ cents, className }: { cents: number; className?: string }) {
  return <span className={["price", className].filter(Boolean).join(" ")}>{formatMoney(cents)}</span>;
}
