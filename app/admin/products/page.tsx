import Link from "next/link";
import { AdjustStockForm, CreateProductForm } from "@/components/admin/product-forms";
import { CreateKitForm } from "@/components/admin/kit-form";
import { Badge } from "@/components/ui/badge";
import { formatMoney } from "@/components/ui/money";
import { requireAdminPage } from "@/lib/admin/access";
import { listLocations, listStockLevels } from "@/lib/inventory";
import { archivedProductIds } from "@/lib/admin/products";
import { kitComponentChoices, listKitProducts } from "@/lib/admin/kits";
import { adjustStockAction, createKitAction, createProductAction } from "./actions";
import "./products.css";

export default async function ProductsPage() {
  await requireAdminPage("/admin/products");
  const [stocked, archived, locations, kitProducts, choices] = await Promise.all([
    listStockLevels(),
    archivedProductIds(),
    listLocations(),
    listKitProducts(),
    kitComponentChoices(),
  ]);
  // Kits have no stock rows of their own: they join the list with the kits their components allow.
  const kits = new Map(kitProducts.map((k) => [k.id, k]));
  const products = [
    ...stocked,
    ...kitProducts.map(({ kit, ...k }) => ({ ...k, onHand: 0, reserved: 0, allocated: 0, available: kit?.available ?? 0 })),
  ].sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
  return (
    <>
      <h1>Products</h1>
      <div className="admin-forms">
        <CreateProductForm action={createProductAction} />
        <CreateKitForm action={createKitAction} choices={choices} />
        {/* A kit has no stock of its own to restock or write off: its components do. */}
        <AdjustStockForm action={adjustStockAction} products={stocked.map(({ id, name }) => ({ id, name }))} locations={locations} />
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
                  {kits.has(p.id) ? (
                    <>
                      {" "}
                      <Badge tone="info">Kit</Badge>
                    </>
                  ) : null}
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
                  {kits.has(p.id) ? (
                    <>
                      <span aria-hidden="true">–</span>
                      <span className="visually-hidden">none of its own</span>
                    </>
                  ) : (
                    p.onHand
                  )}
                </td>
                <td className="num" data-label="Available">
                  {/* A kit's: the kits its components allow. */}
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
