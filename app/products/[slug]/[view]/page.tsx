import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { NotifyMeForm } from "@/components/shop/notify-me-form";
import { ProductArt } from "@/components/shop/product-art";
import { ProductAvailability } from "@/components/shop/product-availability";
import { choiceFromSearchParams } from "@/components/shop/variant-choice";
import { addToCartAction } from "@/app/cart/actions";
import { getProductBySlug, type ProductDetail } from "@/lib/catalog";
import { paramsOfView } from "@/lib/catalog/page-address";
import { formatDuration } from "@/lib/checkout/countdown";
import { env } from "@/lib/platform/env";
import { DomainError } from "@/lib/platform/errors";
import { productSlugSchema } from "@/lib/store-schemas";
import { notifyMeAction } from "../actions";

type Props = {
  /** `view`: the chosen variant, `?Size=M&Colour=Red` (one parameter per option) or `?variant=<sku>`, moved into the path by the proxy. */
  params: Promise<{ slug: string; view: string }>;
};

/**
 * Cached whole and shared by every shopper, like the catalogue (app/catalogue/[view]/page.tsx): re-rendered in the
 * background once 1 s old, never served older than 2 s, dropped at once on an admin's edit. Nothing is rendered at
 * build time.
 */
export const dynamic = "force-static";
export const revalidate = 1;
export const generateStaticParams = async (): Promise<{ slug: string; view: string }[]> => [];

/** The product as any shopper sees it: no shopper's own holds are read here (the page's live part asks for those). */
async function findProduct(slug: string): Promise<ProductDetail> {
  if (!productSlugSchema.safeParse(slug).success) notFound();
  try {
    return await getProductBySlug(slug, null);
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
 * One product with its availability (kept current in the browser, for the shopper looking) and what other shoppers
 * hold of it; for a product sold in sizes or colours, the option pickers, whose choice lives in the URL.
 */
export default async function ProductPage({ params }: Props) {
  const { slug, view } = await params;
  const product = await findProduct(slug);
  const choice = choiceFromSearchParams(product.options, product.variants, paramsOfView(view));
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
            notifyMe={product.archived ? null : <NotifyMeForm action={notifyMeAction} slug={product.slug} productName={product.name} />}
          />
        </div>
      </article>
    </>
  );
}
