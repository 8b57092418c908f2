/**
 * One `queryOptions` factory per admin resource, shared by the live views and by the invalidation after a
 * change (bulletproof-react style). The admin route handlers answer with the database's clock (`serverTime`).
 */
import { queryOptions } from "@tanstack/react-query";
import type { ReservationView, StockOverview } from "@/lib/admin-queries";
import type { OrderView } from "@/lib/orders";

/** How often live admin views poll. */
export const LIVE_REFRESH_MS = 2_000;

export const adminKeys = {
  all: ["admin"] as const,
  stock: () => [...adminKeys.all, "stock"] as const,
  activeHolds: () => [...adminKeys.all, "reservations", "active"] as const,
  orders: () => [...adminKeys.all, "orders"] as const,
};

export interface ActiveHolds {
  reservations: ReservationView[];
  serverTime: string;
}

async function getJson<T>(path: string): Promise<T> {
  const response = await fetch(path, { cache: "no-store", headers: { accept: "application/json" } });
  if (!response.ok) {
    const body = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
    throw new Error(body?.error?.message ?? `The server answered ${response.status}.`);
  }
  return (await response.json()) as T;
}

export const stockQuery = () =>
  queryOptions({
    queryKey: adminKeys.stock(),
    queryFn: () => getJson<StockOverview>("/api/admin/stock"),
    refetchInterval: LIVE_REFRESH_MS,
  });

export const activeHoldsQuery = () =>
  queryOptions({
    queryKey: adminKeys.activeHolds(),
    queryFn: () => getJson<ActiveHolds>("/api/admin/reservations?status=active"),
    refetchInterval: LIVE_REFRESH_MS,
  });

export const ordersQuery = () =>
  queryOptions({
    queryKey: adminKeys.orders(),
    queryFn: async () => (await getJson<{ orders: OrderView[] }>("/api/admin/orders")).orders,
    refetchInterval: LIVE_REFRESH_MS * 2,
  });
