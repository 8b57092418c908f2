import Link from "next/link";
import { AdjustStockForm, CreateProductForm } from "@/components/admin/product-forms";
import { Badge } from "@/components/ui/badge";
import { formatMoney } from "@/components/ui/money";
import { requireAdminPage } from "@/lib/admin/access";
import { listLocations, listStockLevels } from "@/lib/inventory";
import { archivedProductIds } from "@/lib/admin/products";
import { adjustStockAction, createProductAction } from "./actions";
import "./products.css";

export default async function ProductsPage() {
  await requireAdminPage("/admin/products");
  const [products, archived, locations] = await Promise.all([listStockLevels(), archivedProductIds(), listLocations()]);
  return (
    <>
      <h1>Products</h1>
      <div className="admin-forms">
        <CreateProductForm action={createProductAction} />
        <AdjustStockForm action={adjustStockAction} products={products.map(({ id, name }) => ({ id, name }))} locations={locations} />
      </div>
      <div className="admin-scroll">
        <table className="table admin-table products-cards">
          <caption>The catalogue with its stock. A write-off can only take units that are neither held nor sold.</caption>
          <thead>
            <tr>
              <th scope="col">Product</th>
              <th scope="col">Slug</th>
              <th scope="col" className="num">Price</th>
              <th scope="col" className="num">On hand</th>
              <th scope="col" className="num">Available</th>
              <th scope="col">Ledger</th>
              <th scope="col">
                <span className="visually-hidden">Action</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {products.map((p) => (
              <tr key={p.id}>
                <th scope="row">
                  {p.name}
                  {archived.has(p.id) ? (
                    <>
                      {" "}
                      <Badge tone="neutral">Archived</Badge>
                    </>
                  ) : null}
                </th>
                <td className="products-card-wide" data-label="Slug">
                  <code>{p.slug}</code>
                </td>
                <td className="num" data-label="Price">
                  {formatMoney(p.priceCents)}
                </td>
                <td className="num" data-label="On hand">
                  {p.onHand}
                </td>
                <td className="num" data-label="Available">
                  {p.available}
                </td>
                <td className="products-card-ledger">
                  <Link href={`/admin/ledger?productId=${p.id}`}>Movements</Link>
                </td>
                <td className="products-card-edit">
                  <Link href={`/admin/products/${p.id}`} aria-label={`Edit ${p.name}`}>
                    Edit
                  </Link>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
