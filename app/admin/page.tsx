import { HoldOutcomesChart } from "@/components/admin/hold-outcomes-chart";
import { LineHandOns } from "@/components/admin/line-hand-ons";
import { HAND_ON_WINDOW_SECONDS, recentHandOns } from "@/lib/admin/line";
import { SalesTodayCards } from "@/components/admin/sales-today";
import { StockDashboard } from "@/components/admin/stock-dashboard";
import type { StockView } from "@/components/admin/queries";
import { requireAdminPage } from "@/lib/admin/access";
import { salesToday } from "@/lib/admin/sales";
import { STOCK_PAGE_SIZE, stockFilters, stockOverview, type StockOverview } from "@/lib/admin/stock";
import { DomainError } from "@/lib/platform/errors";
import { pageSearchTerm } from "@/lib/store-schemas";
import { firstParam } from "@/lib/platform/search-params";

type SearchParams = Record<string, string | string[] | undefined>;

/** The dashboard's view from the URL; what does not parse is left out. */
function viewOf(params: SearchParams): StockView {
  const q = pageSearchTerm(params.q);
  const filter = stockFilters.find((f) => f === firstParam(params.filter));
  const cursor = firstParam(params.cursor)?.slice(0, 1000) || undefined;
  return { q, filter: filter === "all" ? undefined : filter, cursor };
}

export default async function StockPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const view = viewOf(await searchParams);
  const search = new URLSearchParams(Object.entries(view).filter((e): e is [string, string] => Boolean(e[1]))).toString();
  await requireAdminPage(search ? `/admin?${search}` : "/admin");
  let overview: StockOverview;
  let shown = view;
  try {
    overview = await stockOverview({ ...view, limit: STOCK_PAGE_SIZE });
  } catch (error) {
    // A page link from an older list: its first page instead.
    if (!(error instanceof DomainError && error.code === "invalid_request")) throw error;
    shown = { ...view, cursor: undefined };
    overview = await stockOverview({ ...shown, limit: STOCK_PAGE_SIZE });
  }
  return (
    <>
      <h1>Stock</h1>
      <SalesTodayCards initial={await salesToday()} />
      <StockDashboard key={JSON.stringify(shown)} initial={overview} view={shown} pageSize={STOCK_PAGE_SIZE} />
      <h2>Checkout starts, last hour</h2>
      <HoldOutcomesChart />
      <h2>Handed on from the line, last hour</h2>
      <LineHandOns initial={{ handOns: await recentHandOns(), windowSeconds: HAND_ON_WINDOW_SECONDS }} />
    </>
  );
}
