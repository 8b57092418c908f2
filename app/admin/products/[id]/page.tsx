import Link from "next/link";
import { notFound } from "next/navigation";
import { z } from "zod";
import { ActionButton } from "@/components/admin/action-button";
import { EditProductForm } from "@/components/admin/product-forms";
import { LineSettingsForm } from "@/components/admin/line-settings-form";
import { AddOptionValueForm, AddVariantForm, EditVariantForm, VariantStockForm } from "@/components/admin/variant-forms";
import { VariantLevelsTable } from "@/components/admin/variant-table";
import { StockByLocation } from "@/components/admin/location-levels";
import { TransferStockForm } from "@/components/admin/transfer-form";
import { adminKeys } from "@/components/admin/queries";
import { ProductArt } from "@/components/shop/product-art";
import { Badge } from "@/components/ui/badge";
import { requireAdminPage } from "@/lib/admin/access";
import { getProductById } from "@/lib/catalog";
import { lineName } from "@/lib/catalog/variants";
import { formatDuration } from "@/lib/checkout/countdown";
import { env } from "@/lib/platform/env";
import { listLocations, type LocationView } from "@/lib/inventory";
import { listVariantLevels, type VariantLevelView } from "@/lib/inventory/levels";
import {
  addOptionValueAction,
  addVariantAction,
  adjustStockAction,
  archiveProductAction,
  editProductAction,
  editVariantAction,
  limitPerCustomerAction,
  retireVariantAction,
  transferStockAction,
} from "../actions";

/**
 * One product for the merchant: edit its details and picture, archive it (or put it back on sale). A product
 * with options also shows its variants with their levels, and lets the admin add a value or a variant, change
 * a variant's SKU or price, restock it, and retire it (or put it back); a variant is never deleted. A shop with
 * several locations also sees each variant's levels per location, restocks or writes off at a chosen location,
 * and moves free units between locations.
 */
export default async function AdminProductPage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string }>;
  searchParams: Promise<{ variant?: string | string[] }>;
}) {
  const [{ id }, query] = await Promise.all([params, searchParams]);
  await requireAdminPage(`/admin/products/${encodeURIComponent(id)}`);
  if (!z.uuid().safeParse(id).success) notFound();
  const [product, variants, locations] = await Promise.all([getProductById(id), listVariantLevels(undefined, id), listLocations()]);
  if (!product) notFound();
  const labelled = variants.map((v) => ({ ...v, label: `${lineName(product.name, v.options)} · ${v.sku}` }));

  return (
    <>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link href="/admin/products">Products</Link> / <span aria-current="page">{product.name}</span>
      </nav>
      <div className="admin-order-head">
        <h1>{product.name}</h1>
        {product.archived ? <Badge tone="neutral">Archived</Badge> : <Badge tone="success">On sale</Badge>}
      </div>
      <p className="muted">
        <Link href={`/products/${product.slug}`}>/products/{product.slug}</Link> ·{" "}
        <Link href={`/admin/ledger?productId=${product.id}`}>Stock movements</Link>
      </p>
      <div className="admin-forms">
        <EditProductForm action={editProductAction} product={product} hasVariants={product.options.length > 0} />
        <section className="card stack" aria-labelledby="product-preview-title">
          <h2 id="product-preview-title">In the shop</h2>
          <div className="admin-preview">
            <ProductArt slug={product.slug} name={product.name} imageUrl={product.imageUrl} />
          </div>
          <h2 id="archive-title">{product.archived ? "Archived" : "Archive"}</h2>
          <p className="muted small">
            {product.archived
              ? "No longer sold: it is not in the catalogue and cannot be added to a cart. Its stock and ledger are kept."
              : "Archiving takes it off sale: it leaves the catalogue and shoppers' carts. Its stock and ledger are kept; holds already made may still be paid."}
          </p>
          <ActionButton
            action={archiveProductAction}
            field="productId"
            value={product.id}
            extra={{ archived: product.archived ? "false" : "true" }}
            label={product.archived ? "Put back on sale" : "Archive"}
            confirm={
              product.archived
                ? undefined
                : { question: `Archive ${product.name}? It is no longer sold.`, yes: "Yes, archive" }
            }
            refresh={[adminKeys.stock()]}
          />
        </section>
        {product.kit ? null : (
          <LineSettingsForm
            action={limitPerCustomerAction}
            product={product}
            holdText={formatDuration(env.RESERVATION_TTL_SECONDS)}
            contendedHoldText={formatDuration(Math.min(env.RESERVATION_TTL_CONTENDED_SECONDS, env.RESERVATION_TTL_SECONDS))}
          />
        )}
      </div>
      {locations.length > 1 ? (
        <section aria-labelledby="stock-locations-title">
          <h2 id="stock-locations-title">Stock by location</h2>
          <StockByLocation variants={labelled} />
          <div className="admin-forms">
            {variants.length === 1 && product.options.length === 0 ? (
              <div className="card">
                <VariantStockForm
                  action={adjustStockAction}
                  productId={product.id}
                  variant={{ id: variants[0]!.id, sku: variants[0]!.sku, priceCents: variants[0]!.priceCents, label: product.name }}
                  locations={locations}
                />
              </div>
            ) : null}
            <TransferStockForm
              action={transferStockAction}
              productId={product.id}
              variants={labelled.map((v) => ({ id: v.id, label: v.retired ? `${v.label} (retired)` : v.label }))}
              locations={locations}
              variantId={typeof query.variant === "string" ? query.variant : undefined}
            />
          </div>
        </section>
      ) : null}
      {product.options.length > 0 ? (
        <Variants product={product} variants={variants} locations={locations} selectedId={typeof query.variant === "string" ? query.variant : undefined} />
      ) : null}
    </>
  );
}

function Variants({
  product,
  variants,
  locations,
  selectedId,
}: {
  product: { id: string; name: string; options: { name: string; values: string[] }[] };
  variants: VariantLevelView[];
  locations: LocationView[];
  selectedId: string | undefined;
}) {
  const selected = variants.find((v) => v.id === selectedId);
  const optionNames = product.options.map((o) => o.name);
  return (
    <>
      <h2 id="variants-title">Variants</h2>
      <VariantLevelsTable productId={product.id} optionNames={optionNames} variants={variants} selectedId={selected?.id} />
      {selected ? (
        <section key={selected.id} id="variant-panel" className="card stack variant-panel" aria-labelledby="variant-panel-title">
          <div className="admin-order-head">
            <h2 id="variant-panel-title">
              {lineName(product.name, selected.options)} · <code>{selected.sku}</code>
            </h2>
            {selected.retired ? <Badge tone="neutral">Retired</Badge> : <Badge tone="success">On sale</Badge>}
          </div>
          <div className="admin-forms">
            <EditVariantForm
              action={editVariantAction}
              productId={product.id}
              variant={{ id: selected.id, sku: selected.sku, priceCents: selected.priceCents, label: lineName(product.name, selected.options) }}
            />
            <VariantStockForm
              action={adjustStockAction}
              productId={product.id}
              variant={{ id: selected.id, sku: selected.sku, priceCents: selected.priceCents, label: lineName(product.name, selected.options) }}
              locations={locations}
            />
            <div className="stack">
              <h3>{selected.retired ? "Retired" : "Retire"}</h3>
              <p className="muted small">
                {selected.retired
                  ? "No longer sold. Its orders, holds and ledger keep it; putting it back sells its stock again."
                  : "Stops selling it: it leaves the shop and shoppers' carts. Holds already made may still be paid; its orders and ledger keep it."}
              </p>
              <ActionButton
                action={retireVariantAction}
                field="variantId"
                value={selected.id}
                extra={{ productId: product.id, retired: selected.retired ? "false" : "true" }}
                label={selected.retired ? "Put back on sale" : "Retire"}
                confirm={selected.retired ? undefined : { question: `Retire ${selected.sku}? It is no longer sold.`, yes: "Yes, retire" }}
                refresh={[adminKeys.stock()]}
              />
            </div>
          </div>
        </section>
      ) : null}
      <div className="admin-forms">
        <section className="card stack" aria-labelledby="options-title">
          <h2 id="options-title">Options</h2>
          {product.options.map((option, i) => (
            <AddOptionValueForm key={option.name} action={addOptionValueAction} productId={product.id} option={option} index={i} />
          ))}
        </section>
        <AddVariantForm action={addVariantAction} productId={product.id} options={product.options} />
      </div>
    </>
  );
}
