import Link from "next/link";
import { connection } from "next/server";
import { AddToCartForm } from "@/components/shop/add-to-cart-form";
import { ProductArt } from "@/components/shop/product-art";
import { StockBadge } from "@/components/ui/badge";
import { Card } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { Price } from "@/components/ui/price";
import { addToCartAction } from "@/app/cart/actions";
import { listProducts } from "@/lib/catalog";
import { env } from "@/lib/env";

/** The catalogue. Stock figures are read on every request, never frozen at build time. */
export default async function CataloguePage() {
  await connection();
  const products = await listProducts();
  return (
    <>
      <div className="page-head">
        <h1>Shop</h1>
        <p>
          Small batches, counted honestly. Adding to your cart reserves nothing; your items are held for you while you
          check out.
        </p>
      </div>
      {products.length === 0 ? (
        <EmptyState title="Nothing on the shelves yet">
          <p>New products appear here as soon as they are added. Please come back soon.</p>
        </EmptyState>
      ) : (
        <ul className="product-grid" aria-label="Products">
          {products.map((product) => (
            <li key={product.id}>
              <Card className="product-card" aria-labelledby={`product-${product.id}`}>
                <Link href={`/products/${product.slug}`} tabIndex={-1} aria-hidden="true" className="product-art-link">
                  <ProductArt slug={product.slug} name={product.name} imageUrl={product.imageUrl} />
                </Link>
                <h2 className="product-name" id={`product-${product.id}`}>
                  <Link href={`/products/${product.slug}`}>{product.name}</Link>
                </h2>
                <div className="product-meta">
                  <Price cents={product.priceCents} />
                  <StockBadge available={product.available} />
                </div>
                <AddToCartForm
                  action={addToCartAction}
                  productId={product.id}
                  productName={product.name}
                  available={product.available}
                  maxQuantity={env.MAX_QUANTITY_PER_LINE}
                />
              </Card>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
