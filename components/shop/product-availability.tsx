"use client";
import type { ReactNode } from "react";

import { queryOptions, useQuery } from "@tanstack/react-query";
import type { FormState } from "@/lib/platform/action-state";
import type { ProductView } from "@/lib/catalog";
import { StockBadge } from "../ui/badge";
import { Price } from "../ui/price";
import { AddToCartForm } from "./add-to-cart-form";
import { HeldNote } from "./held-note";

type Action = (previous: FormState | null, formData: FormData) => Promise<FormState>;

/** How often the product page asks again: sooner while other shoppers hold some, since those may come back. */
const CALM_REFRESH_MS = 15_000;
const WATCHFUL_REFRESH_MS = 5_000;

/** Polls until the soonest hold of another shopper lapses (a moment after), and at least every few seconds. */
function refreshDelay(product: ProductView | undefined): number {
  if (!product || product.held === 0) return CALM_REFRESH_MS;
  const untilRelease = product.nextReleaseAt ? Date.parse(product.nextReleaseAt) - Date.now() + 500 : Infinity;
  return Math.max(1_000, Math.min(WATCHFUL_REFRESH_MS, untilRelease));
}

export const productQuery = (slug: string) =>
  queryOptions({
    queryKey: ["product", slug],
    queryFn: async (): Promise<ProductView> => {
      const response = await fetch(`/api/products/${encodeURIComponent(slug)}`, {
        cache: "no-store",
        headers: { accept: "application/json" },
      });
      if (!response.ok) throw new Error(`The server answered ${response.status}.`);
      return ((await response.json()) as { product: ProductView }).product;
    },
    refetchInterval: (query) => refreshDelay(query.state.data),
  });

/**
 * A product's price, live availability and "Add to cart". It keeps itself current: when units held in other
 * checkouts come back (or go), the page says so without a reload.
 */
export function ProductAvailability({
  initial,
  addToCart,
  maxQuantity,
  holdMinutesText,
  notifyMe,
}: {
  initial: ProductView;
  addToCart: Action;
  maxQuantity: number;
  /** "15 minutes": how long checkout holds items. */
  holdMinutesText: string;
  /** "Notify me when it's back", shown while the product is sold out. */
  notifyMe?: ReactNode;
}) {
  const { data: product } = useQuery({ ...productQuery(initial.slug), initialData: initial });
  return (
    <>
      <div className="row">
        <Price cents={product.priceCents} />
        <span aria-live="polite">
          <StockBadge available={product.available} />
        </span>
      </div>
      <div aria-live="polite">
        <HeldNote held={product.held} nextReleaseAt={product.nextReleaseAt} />
      </div>
      {product.description ? <p>{product.description}</p> : null}
      {product.archived ? (
        <p className="muted">This product is no longer sold.</p>
      ) : (
        <AddToCartForm
          action={addToCart}
          productId={product.id}
          productName={product.name}
          available={product.available}
          maxQuantity={maxQuantity}
          withQuantity
        />
      )}
      {product.available === 0 && !product.archived ? notifyMe : null}
      <p className="muted small">
        {product.available > 0
          ? `Nothing is set aside while it sits in your cart. When you check out, your items are held for ${holdMinutesText}, and longer while you fill in your details.`
          : product.held > 0
            ? "Sold out for now: the rest is in other shoppers' checkouts, and comes back here if they are not paid in time."
            : "Sold out for now."}
      </p>
    </>
  );
}
