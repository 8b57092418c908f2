import Link from "next/link";
import { z } from "zod";
import { AvailableChart } from "@/components/admin/available-chart";
import { LedgerSparkline } from "@/components/admin/ledger-sparkline";
import { LedgerTable } from "@/components/admin/ledger-table";
import { ProductFinder, listHref } from "@/components/admin/list-search";
import { Pager } from "@/components/admin/stock-dashboard";
import { requireAdminPage } from "@/lib/admin/access";
import { listMovementsPage } from "@/lib/admin/ledger";
import { listProductChoices, type ProductChoice } from "@/lib/admin/products";
import { DomainError } from "@/lib/platform/errors";
import { availableSeries, availableSeriesForAll } from "@/lib/admin/ledger-charts";
import { pageSearchTerm } from "@/lib/store-schemas";
import { firstParam } from "@/lib/platform/search-params";

const productIdSchema = z.uuid();
/** Products a search lists to pick from. */
const CHOICES = 20;
const LEDGER_PAGE_SIZE = 100;

type SearchParams = Record<string, string | string[] | undefined>;

export default async function LedgerPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const params = await searchParams;
  const raw = firstParam(params.productId);
  const q = pageSearchTerm(params.q);
  const cursor = firstParam(params.cursor)?.slice(0, 1000) || undefined;
  await requireAdminPage(listHref("/admin/ledger", { productId: raw, q, cursor }));

  const parsed = productIdSchema.safeParse(raw);
  const [product] = parsed.success ? await listProductChoices({ id: parsed.data, limit: 1 }) : [];
  const choices: ProductChoice[] = q ? await listProductChoices({ q, limit: CHOICES }) : [];
  const load = (c: string | undefined) => listMovementsPage({ productId: product?.id, cursor: c, limit: LEDGER_PAGE_SIZE });
  let page: Awaited<ReturnType<typeof load>>;
  try {
    page = await load(cursor);
  } catch (error) {
    // A page link from an older list: the newest movements instead.
    if (!(error instanceof DomainError && error.code === "invalid_request")) throw error;
    page = await load(undefined);
  }
  const [series, everyProduct] = await Promise.all([product ? availableSeries(product.id) : Promise.resolve([]), availableSeriesForAll()]);
  const pageLink = (c: string | null) => (c ? listHref("/admin/ledger", { productId: product?.id, cursor: c }) : null);

  return (
    <>
      <h1>Ledger</h1>
      <section aria-labelledby="multiples-title">
        <h2 id="multiples-title">Available stock, latest products to move</h2>
        <p className="muted small">Each product&apos;s last movements. Hover over a line to read a level; choose a product to see all of it.</p>
        <ul className="ledger-multiples">
          {everyProduct.map((s) => (
            <LedgerSparkline key={s.productId} series={s} selected={s.productId === product?.id} />
          ))}
        </ul>
      </section>

      <ProductFinder path="/admin/ledger" q={q} choices={choices} />
      {raw && !product ? (
        <p role="alert" className="field-error">
          There is no such product; showing every product&apos;s movements.
        </p>
      ) : null}
      {product ? (
        <p>
          Showing <strong>{product.name}</strong> · <Link href="/admin/ledger">all products</Link>
        </p>
      ) : null}

      {product ? (
        <section aria-labelledby="chart-title">
          <h2 id="chart-title">Available stock of {product.name} over time</h2>
          <AvailableChart points={series} productName={product.name} />
        </section>
      ) : null}

      <section aria-labelledby="movements-title">
        <h2 id="movements-title">{product ? `Movements of ${product.name}` : "Latest movements"}, newest first</h2>
        {/* Keyboard users scroll the wide table too: it takes focus (axe: scrollable-region-focusable). */}
        <div className="admin-scroll" role="region" aria-label="Movements table" tabIndex={0}>
          <LedgerTable movements={page.movements} showProduct={!product} />
        </div>
        <Pager prev={pageLink(page.prevCursor)} next={pageLink(page.nextCursor)} />
      </section>
    </>
  );
}
