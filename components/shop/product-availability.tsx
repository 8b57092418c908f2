"use client";
import type { ReactNode } from "react";

import { queryOptions, useQuery } from "@tanstack/react-query";
import type { FormState } from "@/lib/platform/action-state";
import type { ProductDetail } from "@/lib/catalog";
import { shopperQuery } from "../shopper-nav";
import { Badge, StockBadge } from "../ui/badge";
import { Price } from "../ui/price";
import { AddToCartForm } from "./add-to-cart-form";
import { KitContents } from "./kit-contents";
import { HeldNote } from "./held-note";
import { chosenVariant, lineName, openOption, type OptionChoice } from "./variant-choice";
import { VariantPicker } from "./variant-picker";
import { PreorderNote } from "./preorder-note";
import { LineDemand } from "./line-demand";

type Action = (previous: FormState | null, formData: FormData) => Promise<FormState>;

/**
 * How often the product page asks again: what it shows of stock and holds is never more than 2 s behind (a hold,
 * a release or a restock by anyone). Only while the tab is visible (TanStack Query's default).
 */
const REFRESH_MS = 1_000;

/**
 * The product as this shopper sees it. A shopper holding nothing sees what everyone does: the shared answer
 * (`/api/products/{slug}/stock`, at most half a second old), so a drop's crowd refreshing the page costs the
 * database almost nothing. A shopper with a live hold (or not known yet) asks `/api/products/{slug}`, where their hold is theirs.
 */
export const productQuery = (slug: string, shared = false) =>
  queryOptions({
    queryKey: ["product", slug, shared ? "shared" : "own"],
    queryFn: async (): Promise<ProductDetail> => {
      const response = await fetch(`/api/products/${encodeURIComponent(slug)}${shared ? "/stock" : ""}`, {
        cache: "no-store",
        headers: { accept: "application/json" },
      });
      if (!response.ok) throw new Error(`The server answered ${response.status}.`);
      return ((await response.json()) as { product: ProductDetail }).product;
    },
    refetchInterval: REFRESH_MS,
  });

/**
 * A product's option pickers, price, live availability and "Add to cart". The price, the stock and what other
 * shoppers hold follow the chosen variant (`choice`, read from the URL by the page). It keeps itself current: when
 * units held in other checkouts come back (or go), the page says so without a reload.
 */
export function ProductAvailability({
  initial,
  choice,
  addToCart,
  maxQuantity,
  holdMinutesText,
  notifyMe,
}: {
  initial: ProductDetail;
  /** The options chosen so far, from the URL. */
  choice: OptionChoice;
  addToCart: Action;
  maxQuantity: number;
  /** "15 minutes": how long checkout holds items. */
  holdMinutesText: string;
  /** "Notify me when it's back", shown while the product (or the chosen variant) is sold out. */
  notifyMe?: ReactNode;
}) {
  // The page is cached and shared: its figures are everyone's and up to 2 s old. Asked again at once for this
  // shopper (whose own holds are theirs to buy), then every second.
  const { data: shopper } = useQuery(shopperQuery);
  const { data: product } = useQuery({ ...productQuery(initial.slug, shopper?.holding === false), initialData: initial, initialDataUpdatedAt: 0 });
  const options = product.options ?? [];
  const variants = product.variants ?? [];
  const variant = chosenVariant(options, variants, choice);
  const open = openOption(options, choice);
  // Until a variant is chosen, the product as a whole: its lowest price ("from" when prices differ) and its stock.
  const shown = variant ?? product;
  const prices = variants.map((v) => v.priceCents);
  const pricesDiffer = !variant && prices.length > 1 && Math.min(...prices) !== Math.max(...prices);
  const unknownChoice = options.length > 0 && !open && !variant;
  const available = unknownChoice ? 0 : shown.available;
  // The chosen variant sells past its empty shelf, against units on their way.
  const preorder = variant?.preorder ?? null;
  return (
    <>
      <div className="row">
        <span>
          {pricesDiffer ? <span className="price-from">from </span> : null}
          <Price cents={pricesDiffer ? Math.min(...prices) : shown.priceCents} />
        </span>
        <span aria-live="polite">
          {/* Units on their way are not "in stock": they are there to pre-order. */}
          {preorder && available > 0 ? <Badge tone="info">{available} to pre-order</Badge> : <StockBadge available={available} />}
        </span>
      </div>
      <div aria-live="polite">{preorder ? <PreorderNote expectedAt={preorder.expectedAt} /> : null}</div>
      <div aria-live="polite">
        <HeldNote held={shown.held} nextReleaseAt={shown.nextReleaseAt} />
      </div>
      {/* The chosen variant's demand (a product sold as one: its only variant), from the same numbers the line uses. */}
      <LineDemand demand={(variant ?? (variants.length === 1 ? variants[0] : undefined))?.demand ?? null} limitPerCustomer={product.limitPerCustomer ?? null} />
      {product.description ? <p>{product.description}</p> : null}
      {product.kit ? <KitContents components={product.kit.components} /> : null}
      {options.length > 0 && !product.archived ? (
        <VariantPicker slug={product.slug} options={options} variants={variants} choice={choice} />
      ) : null}
      {product.archived ? (
        <p className="muted">This product is no longer sold.</p>
      ) : (
        <AddToCartForm
          action={addToCart}
          productId={product.id}
          variantId={variant?.id ?? null}
          productName={variant ? lineName(product.name, variant.options) : product.name}
          available={available}
          maxQuantity={maxQuantity}
          withQuantity
          buttonText={preorder ? "Pre-order" : undefined}
          // With options, nothing can be added before a variant is chosen: the button says what is missing.
          chooseFirst={
            options.length === 0 || variant ? null : open ? `Choose a ${open.name.toLowerCase()}` : "Not available in this combination"
          }
        />
      )}
      {/* "Notify me" is about the product coming back: only when none of it is left. */}
      {product.available === 0 && !product.archived ? notifyMe : null}
      <p className="muted small">
        {open
          ? `Nothing is set aside while it sits in your cart. When you check out, your items are held for ${holdMinutesText}.`
          : available > 0
            ? `Nothing is set aside while it sits in your cart. When you check out, your items are held for ${holdMinutesText}, and longer while you fill in your details.`
            : shown.held > 0
              ? "Sold out for now: the rest is in other shoppers' checkouts, and comes back here if they are not paid in time."
              : variant && product.available > 0
                ? "This one is sold out for now; other options are in stock."
                : "Sold out for now."}
      </p>
    </>
  );
}
