import Link from "next/link";
import { notFound } from "next/navigation";
import { z } from "zod";
import { ActionButton } from "@/components/admin/action-button";
import { EditProductForm } from "@/components/admin/product-forms";
import { adminKeys } from "@/components/admin/queries";
import { ProductArt } from "@/components/shop/product-art";
import { Badge } from "@/components/ui/badge";
import { requireAdminPage } from "@/lib/admin/access";
import { getProductById } from "@/lib/catalog";
import { archiveProductAction, editProductAction } from "../actions";

/** One product for the merchant: edit its details and picture, archive it (or put it back on sale). */
export default async function AdminProductPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  await requireAdminPage(`/admin/products/${encodeURIComponent(id)}`);
  if (!z.uuid().safeParse(id).success) notFound();
  const product = await getProductById(id);
  if (!product) notFound();

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
        <EditProductForm action={editProductAction} product={product} />
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
      </div>
    </>
  );
}
