import { z } from "zod";
import { AvailableChart } from "@/components/admin/available-chart";
import { LedgerTable } from "@/components/admin/ledger-table";
import { buttonClass } from "@/components/ui/button";
import { requireAdminPage } from "@/lib/admin";
import { availableSeries, listMovements, listProductChoices } from "@/lib/admin-queries";

const productIdSchema = z.uuid();

export default async function LedgerPage({ searchParams }: { searchParams: Promise<{ productId?: string | string[] }> }) {
  const { productId: requested } = await searchParams;
  const raw = typeof requested === "string" ? requested : undefined;
  await requireAdminPage(raw ? `/admin/ledger?productId=${encodeURIComponent(raw)}` : "/admin/ledger");

  const products = await listProductChoices();
  const parsed = productIdSchema.safeParse(raw);
  const product = parsed.success ? products.find((p) => p.id === parsed.data) : undefined;
  const [movements, series] = await Promise.all([
    listMovements({ productId: product?.id }),
    product ? availableSeries(product.id) : Promise.resolve([]),
  ]);

  return (
    <>
      <h1>Ledger</h1>
      <form method="get" className="row admin-picker">
        <label htmlFor="ledger-product" className="field-label">
          Product
        </label>
        <select id="ledger-product" name="productId" className="select" defaultValue={product?.id ?? ""}>
          <option value="">All products</option>
          {products.map((p) => (
            <option key={p.id} value={p.id}>
              {p.name}
            </option>
          ))}
        </select>
        <button type="submit" className={buttonClass("secondary")}>
          Show
        </button>
      </form>
      {raw && !product ? (
        <p role="alert" className="field-error">
          There is no such product; showing every product&apos;s movements.
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
        <LedgerTable movements={movements} showProduct={!product} />
      </section>
    </>
  );
}
