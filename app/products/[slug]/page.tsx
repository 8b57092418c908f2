import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { connection } from "next/server";
import { AddToCartForm } from "@/components/shop/add-to-cart-form";
import { NotifyMeForm } from "@/components/shop/notify-me-form";
import { ProductArt } from "@/components/shop/product-art";
import { StockBadge } from "@/components/ui/badge";
import { Price } from "@/components/ui/price";
import { addToCartAction } from "@/app/cart/actions";
import { getProductBySlug, type ProductView } from "@/lib/catalog";
import { formatDuration } from "@/lib/countdown";
import { env } from "@/lib/env";
import { DomainError } from "@/lib/errors";
import { currentAccount } from "@/lib/identity";
import { productSlugSchema } from "@/lib/store-schemas";
import { notifyMeAction } from "./actions";

type Props = { params: Promise<{ slug: string }> };

async function findProduct(slug: string): Promise<ProductView> {
  if (!productSlugSchema.safeParse(slug).success) notFound();
  try {
    return await getProductBySlug(slug);
  } catch (error) {
    if (error instanceof DomainError && error.code === "not_found") notFound();
    throw error;
  }
}

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { slug } = await params;
  const product = await findProduct(slug);
  return { title: product.name, description: product.description };
}

/** One product with its live availability. */
export default async function ProductPage({ params }: Props) {
  await connection();
  const { slug } = await params;
  const product = await findProduct(slug);
  return (
    <>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link href="/">Shop</Link> / <span aria-current="page">{product.name}</span>
      </nav>
      <article className="product-detail">
        <ProductArt slug={product.slug} name={product.name} imageUrl={product.imageUrl} large />
        <div className="stack">
          <h1>{product.name}</h1>
          <div className="row">
            <Price cents={product.priceCents} />
            <StockBadge available={product.available} />
          </div>
          {product.description ? <p>{product.description}</p> : null}
          {product.archived ? (
            <p className="muted">This product is no longer sold.</p>
          ) : (
            <AddToCartForm
              action={addToCartAction}
              productId={product.id}
              productName={product.name}
              available={product.available}
              maxQuantity={env.MAX_QUANTITY_PER_LINE}
              withQuantity
            />
          )}
          {product.available === 0 && !product.archived ? (
            <NotifyMeForm
              action={notifyMeAction}
              slug={product.slug}
              productName={product.name}
              email={(await currentAccount())?.email}
            />
          ) : null}
          <p className="muted small">
            {product.available > 0
              ? `Nothing is set aside while it sits in your cart. When you check out, your items are held for ${formatDuration(env.RESERVATION_TTL_SECONDS)}, and longer while you fill in your details.`
              : "Sold out for now. Items held in other shoppers' checkouts come back if they are not bought."}
          </p>
        </div>
      </article>
    </>
  );
}
