import type { ReactNode } from "react";

export type BadgeTone = "neutral" | "success" | "warning" | "danger" | "info";

export function Badge({ tone = "neutral", children }: { tone?: BadgeTone; children: ReactNode }) {
  return <span className={`badge badge-${tone}`}>{children}</span>;
}

/** Live availability of a product: "N in stock" (amber when few are left) or "Out of stock". */
export function StockBadge({ available }: { available: number }) {
  if (available <= 0) return <Badge tone="danger">Out of stock</Badge>;
  return <Badge tone={available <= 3 ? "warning" : "success"}>{`${available} in stock`}</Badge>;
}
