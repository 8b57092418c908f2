import Link from "next/link";
import { listHref } from "@/components/admin/list-search";
import { OrdersTable } from "@/components/admin/orders-table";
import { ADMIN_PAGE_SIZE, type ListView } from "@/components/admin/queries";
import { requireAdminPage } from "@/lib/admin/access";
import { DomainError } from "@/lib/platform/errors";
import { listOrdersPage } from "@/lib/orders";
import { fulfilOrderAction } from "./actions";
import { pageSearchTerm } from "@/lib/store-schemas";
import { firstParam } from "@/lib/platform/search-params";

type SearchParams = Record<string, string | string[] | undefined>;

export default async function OrdersPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const params = await searchParams;
  const view: ListView = {
    q: pageSearchTerm(params.q),
    cursor: firstParam(params.cursor)?.slice(0, 1000) || undefined,
  };
  await requireAdminPage(listHref("/admin/orders", view));
  let shown = view;
  const load = async (v: ListView) => {
    const page = await listOrdersPage({ ...v, limit: ADMIN_PAGE_SIZE });
    return { orders: page.rows, nextCursor: page.nextCursor, prevCursor: page.prevCursor };
  };
  let orders: Awaited<ReturnType<typeof load>>;
  try {
    orders = await load(view);
  } catch (error) {
    // A page link from an older list: its first page instead.
    if (!(error instanceof DomainError && error.code === "invalid_request")) throw error;
    shown = { q: view.q };
    orders = await load(shown);
  }
  return (
    <>
      <h1>Orders</h1>
      <p className="muted">
        Fulfilling an order ships it: its allocated units leave the shelf. An order allocated at several locations can
        also be shipped location by location, from its page or from <Link href="/admin/packing">Packing</Link>.
      </p>
      <OrdersTable key={JSON.stringify(shown)} initial={orders} fulfil={fulfilOrderAction} view={shown} />
    </>
  );
}
