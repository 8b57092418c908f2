/**
 * One `queryOptions` factory per admin resource, shared by the live views and by the invalidation after a
 * change (bulletproof-react style). The admin route handlers answer with the database's clock (`serverTime`).
 */
import { queryOptions } from "@tanstack/react-query";
import type { ReservationView } from "@/lib/admin/holds";
import type { KitLevel } from "@/lib/admin/kits";
import type { HandOnView } from "@/lib/admin/line";
import type { StockFilter, StockOverview } from "@/lib/admin/stock";
import type { SalesToday } from "@/lib/admin/sales";
import type { OrderView } from "@/lib/orders";

/** How often live admin views poll. */
export const LIVE_REFRESH_MS = 2_000;

export const adminKeys = {
  all: ["admin"] as const,
  stock: () => [...adminKeys.all, "stock"] as const,
  activeHolds: () => [...adminKeys.all, "reservations", "active"] as const,
  orders: () => [...adminKeys.all, "orders"] as const,
  kitAvailability: () => [...adminKeys.all, "kit-availability"] as const,
  salesToday: () => [...adminKeys.all, "sales", "today"] as const,
  handOns: () => [...adminKeys.all, "line", "hand-ons"] as const,
};

export interface ActiveHolds {
  reservations: ReservationView[];
  serverTime: string;
  nextCursor?: string | null;
  prevCursor?: string | null;
}

/** A searched page of a list (holds, orders). */
export interface ListView {
  q?: string;
  cursor?: string;
}

/** Rows per page of the admin lists. */
export const ADMIN_PAGE_SIZE = 50;

async function getJson<T>(path: string): Promise<T> {
  const response = await fetch(path, { cache: "no-store", headers: { accept: "application/json" } });
  if (!response.ok) {
    const body = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
    throw new Error(body?.error?.message ?? `The server answered ${response.status}.`);
  }
  return (await response.json()) as T;
}

/** The dashboard's view: which page of which products. */
export interface StockView {
  q?: string;
  filter?: StockFilter;
  cursor?: string;
}

/** Query string of a list view, leaving out what is not set. */
export function searchOf(params: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== "") search.set(key, String(value));
  return search.toString();
}

/** Polls only the page on screen (and the totals), never every product. */
export const stockQuery = (view: StockView = {}, limit = 50) =>
  queryOptions({
    queryKey: [...adminKeys.stock(), view],
    queryFn: () => getJson<StockOverview>(`/api/admin/stock?${searchOf({ ...view, limit })}`),
    refetchInterval: LIVE_REFRESH_MS,
  });

export const activeHoldsQuery = (view: ListView = {}) =>
  queryOptions({
    queryKey: [...adminKeys.activeHolds(), view],
    queryFn: () =>
      getJson<ActiveHolds>(`/api/admin/reservations?${searchOf({ status: "active", limit: ADMIN_PAGE_SIZE, ...view })}`),
    refetchInterval: LIVE_REFRESH_MS,
  });

export interface OrdersPage {
  orders: OrderView[];
  nextCursor: string | null;
  prevCursor: string | null;
}

export const ordersQuery = (view: ListView = {}) =>
  queryOptions({
    queryKey: [...adminKeys.orders(), view],
    queryFn: () => getJson<OrdersPage>(`/api/admin/orders?${searchOf({ limit: ADMIN_PAGE_SIZE, ...view })}`),
    refetchInterval: LIVE_REFRESH_MS * 2,
  });

/** A kit being put together: each chosen component and how many one kit takes. */
export type KitDraft = readonly { variantId: string; quantity: number }[];

/** How many of the kit being built could be sold now, polled while the admin picks its components. */
export const kitAvailabilityQuery = (components: KitDraft) =>
  queryOptions({
    queryKey: [...adminKeys.kitAvailability(), components],
    queryFn: () =>
      getJson<{ kit: KitLevel }>(`/api/admin/kits/availability?${searchOf({ components: components.map((c) => `${c.variantId}:${c.quantity}`).join(",") })}`),
    refetchInterval: LIVE_REFRESH_MS,
    enabled: components.length > 0,
  });

/** Today's revenue, refunds and held → paid conversion on the dashboard. */
export const salesTodayQuery = () =>
  queryOptions({
    queryKey: adminKeys.salesToday(),
    queryFn: () => getJson<SalesToday>("/api/admin/sales/today"),
    refetchInterval: LIVE_REFRESH_MS * 2,
  });

/** The line's hand-ons of the last hour, as `GET /api/admin/line/hand-ons` answers them. */
export interface HandOns {
  handOns: HandOnView[];
  windowSeconds: number;
}

/** The dashboard's hand-ons table: an offer made, paid or lapsed shows without a reload. */
export const handOnsQuery = () =>
  queryOptions({
    queryKey: adminKeys.handOns(),
    queryFn: () => getJson<HandOns>("/api/admin/line/hand-ons"),
    refetchInterval: LIVE_REFRESH_MS * 2,
  });
