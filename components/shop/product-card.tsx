import Link from "next/link";
import type { FormState } from "@/lib/platform/action-state";
import type { ProductView } from "@/lib/catalog";
import { StockBadge } from "../ui/badge";
import { Card } from "../ui/card";
import { Price } from "../ui/price";
import { AddToCartForm } from "./add-to-cart-form";
import { HeldNote } from "./held-note";
import { ProductArt } from "./product-art";

type Action = (previous: FormState | null, formData: FormData) => Promise<FormState>;

/** One product in the catalogue grid: art, name, price, live availability (and what others hold), Add to cart. */
export function ProductCard({ product, addToCart, maxQuantity }: { product: ProductView; addToCart: Action; maxQuantity: number }) {
  const headingId = `product-${product.id}`;
  return (
    <Card className="product-card" aria-labelledby={headingId}>
      <Link href={`/products/${product.slug}`} tabIndex={-1} aria-hidden="true" className="product-art-link">
        <ProductArt slug={product.slug} name={product.name} imageUrl={product.imageUrl} />
      </Link>
      <h2 className="product-name" id={headingId}>
        <Link href={`/products/${product.slug}`}>{product.name}</Link>
      </h2>
      <div className="product-meta">
        <Price cents={product.priceCents} />
        <StockBadge available={product.available} />
      </div>
      <HeldNote held={product.held} nextReleaseAt={product.nextReleaseAt} className="small" />
      <AddToCartForm
        action={addToCart}
        productId={product.id}
        productName={product.name}
        available={product.available}
        maxQuantity={maxQuantity}
      />
    </Card>
  );
}
