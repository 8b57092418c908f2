import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { connection } from "next/server";
import { NotifyMeForm } from "@/components/shop/notify-me-form";
import { ProductArt } from "@/components/shop/product-art";
import { ProductAvailability } from "@/components/shop/product-availability";
import { choiceFromSearchParams } from "@/components/shop/variant-choice";
import { addToCartAction } from "@/app/cart/actions";
import { getProductBySlug, type ProductDetail } from "@/lib/catalog";
import { formatDuration } from "@/lib/checkout/countdown";
import { env } from "@/lib/platform/env";
import { DomainError } from "@/lib/platform/errors";
import { currentAccount, currentShopper } from "@/lib/accounts/identity";
import { productSlugSchema } from "@/lib/store-schemas";
import { notifyMeAction } from "./actions";

type Props = {
  params: Promise<{ slug: string }>;
  /** The chosen variant: `?Size=M&Colour=Red` (one parameter per option), or `?variant=<sku>`. */
  searchParams: Promise<Record<string, string | string[] | undefined>>;
};

async function findProduct(slug: string, viewerId: string | null = null): Promise<ProductDetail> {
  if (!productSlugSchema.safeParse(slug).success) notFound();
  try {
    return await getProductBySlug(slug, viewerId);
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

/**
 * One product with its live availability (kept current in the browser) and what other shoppers hold of it; for a
 * product sold in sizes or colours, the option pickers, whose choice lives in the URL.
 */
export default async function ProductPage({ params, searchParams }: Props) {
  await connection();
  const { slug } = await params;
  const shopper = await currentShopper();
  const product = await findProduct(slug, shopper?.id ?? null);
  const choice = choiceFromSearchParams(product.options, product.variants, await searchParams);
  return (
    <>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link href="/">Shop</Link> / <span aria-current="page">{product.name}</span>
      </nav>
      <article className="product-detail">
        <ProductArt slug={product.slug} name={product.name} imageUrl={product.imageUrl} large />
        <div className="stack">
          <h1>{product.name}</h1>
          <ProductAvailability
            initial={product}
            choice={choice}
            addToCart={addToCartAction}
            maxQuantity={env.MAX_QUANTITY_PER_LINE}
            holdMinutesText={formatDuration(env.RESERVATION_TTL_SECONDS)}
            notifyMe={
              product.archived ? null : (
                <NotifyMeForm
                  action={notifyMeAction}
                  slug={product.slug}
                  productName={product.name}
                  email={(await currentAccount())?.email}
                />
              )
            }
          />
        </div>
      </article>
    </>
  );
}
