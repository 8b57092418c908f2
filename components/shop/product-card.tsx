import Link from "next/link";
import type { FormState } from "@/lib/platform/action-state";
import type { ProductView } from "@/lib/catalog";
import { StockBadge } from "../ui/badge";
import { ButtonLink } from "../ui/button";
import { Card } from "../ui/card";
import { Price } from "../ui/price";
import { AddToCartForm } from "./add-to-cart-form";
import { HeldNote } from "./held-note";
import { ProductArt } from "./product-art";

type Action = (previous: FormState | null, formData: FormData) => Promise<FormState>;

/**
 * One product in the catalogue grid: art, name, price, live availability (and what others hold), Add to cart. A
 * product sold in several variants shows "from $x" when their prices differ, and sends the shopper to its page to
 * choose one instead of adding.
 */
export function ProductCard({ product, addToCart, maxQuantity }: { product: ProductView; addToCart: Action; maxQuantity: number }) {
  const headingId = `product-${product.id}`;
  const variantCount = product.variantCount ?? 1;
  const priceFrom = product.maxPriceCents !== undefined && product.maxPriceCents > product.priceCents;
  return (
    <Card className="product-card" aria-labelledby={headingId}>
      <Link href={`/products/${product.slug}`} tabIndex={-1} aria-hidden="true" className="product-art-link">
        <ProductArt slug={product.slug} name={product.name} imageUrl={product.imageUrl} />
      </Link>
      <h2 className="product-name" id={headingId}>
        <Link href={`/products/${product.slug}`}>{product.name}</Link>
      </h2>
      <div className="product-meta">
        <span>
          {priceFrom ? <span className="price-from">from </span> : null}
          <Price cents={product.priceCents} />
        </span>
        <StockBadge available={product.available} />
      </div>
      {variantCount > 1 ? <p className="muted small variant-count">In {variantCount} options</p> : null}
      <HeldNote held={product.held} nextReleaseAt={product.nextReleaseAt} className="small" />
      {variantCount > 1 ? (
        <div className="add-to-cart-form">
          <ButtonLink href={`/products/${product.slug}`} variant="secondary" className="btn-block" aria-label={`See options: ${product.name}`}>
            See options
          </ButtonLink>
          <div className="add-to-cart-note" />
        </div>
      ) : (
        <AddToCartForm
          action={addToCart}
          productId={product.id}
          productName={product.name}
          available={product.available}
          maxQuantity={maxQuantity}
        />
      )}
    </Card>
  );
}
