import { HoldsTable } from "@/components/admin/holds-table";
import { listHref } from "@/components/admin/list-search";
import { ADMIN_PAGE_SIZE, type ListView } from "@/components/admin/queries";
import { requireAdminPage } from "@/lib/admin/access";
import { listReservations } from "@/lib/admin/holds";
import { DomainError } from "@/lib/platform/errors";
import { releaseHoldAction } from "./actions";
import { pageSearchTerm } from "@/lib/store-schemas";
import { firstParam } from "@/lib/platform/search-params";

type SearchParams = Record<string, string | string[] | undefined>;

export default async function HoldsPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const params = await searchParams;
  const view: ListView = {
    q: pageSearchTerm(params.q),
    cursor: firstParam(params.cursor)?.slice(0, 1000) || undefined,
  };
  await requireAdminPage(listHref("/admin/holds", view));
  let shown = view;
  const load = (v: ListView) => listReservations({ status: "active", limit: ADMIN_PAGE_SIZE, ...v });
  let holds: Awaited<ReturnType<typeof load>>;
  try {
    holds = await load(view);
  } catch (error) {
    // A page link from an older list: its first page instead.
    if (!(error instanceof DomainError && error.code === "invalid_request")) throw error;
    shown = { q: view.q };
    holds = await load(shown);
  }
  return (
    <>
      <h1>Holds</h1>
      <p className="muted">
        Stock held by open checkouts, soonest to expire first. Releasing a hold ends its checkout and frees the stock
        at once.
      </p>
      <HoldsTable key={JSON.stringify(shown)} initial={holds} release={releaseHoldAction} view={shown} />
    </>
  );
}
