import { z } from "zod";
import { AvailableChart } from "@/components/admin/available-chart";
import { LedgerProductPicker } from "@/components/admin/ledger-product-picker";
import { LedgerSparkline } from "@/components/admin/ledger-sparkline";
import { LedgerTable } from "@/components/admin/ledger-table";
import { requireAdminPage } from "@/lib/admin";
import { availableSeries, listMovements, listProductChoices } from "@/lib/admin-queries";
import { availableSeriesForAll } from "@/lib/ledger-charts";

const productIdSchema = z.uuid();

export default async function LedgerPage({ searchParams }: { searchParams: Promise<{ productId?: string | string[] }> }) {
  const { productId: requested } = await searchParams;
  const raw = typeof requested === "string" ? requested : undefined;
  await requireAdminPage(raw ? `/admin/ledger?productId=${encodeURIComponent(raw)}` : "/admin/ledger");

  const products = await listProductChoices();
  const parsed = productIdSchema.safeParse(raw);
  const product = parsed.success ? products.find((p) => p.id === parsed.data) : undefined;
  const [movements, series, everyProduct] = await Promise.all([
    listMovements({ productId: product?.id }),
    product ? availableSeries(product.id) : Promise.resolve([]),
    availableSeriesForAll(),
  ]);

  return (
    <>
      <h1>Ledger</h1>
      <section aria-labelledby="multiples-title">
        <h2 id="multiples-title">Available stock of every product</h2>
        <p className="muted small">Each product&apos;s last movements. Hover over a line to read a level; choose a product to see all of it.</p>
        <ul className="ledger-multiples">
          {everyProduct.map((s) => (
            <LedgerSparkline key={s.productId} series={s} selected={s.productId === product?.id} />
          ))}
        </ul>
      </section>

      <LedgerProductPicker products={products} selected={product?.id} />
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
        <div className="admin-scroll">
          <LedgerTable movements={movements} showProduct={!product} />
        </div>
      </section>
    </>
  );
}
