import Link from "next/link";
import { CatalogueFilters } from "@/components/shop/catalogue-filters";
import { ProductCard } from "@/components/shop/product-card";
import { EmptyState } from "@/components/ui/empty-state";
import { addToCartAction } from "@/app/cart/actions";
import { CATALOGUE_PAGE_SIZE, listProducts, type ProductPage, type ProductQuery } from "@/lib/catalog";
import { env } from "@/lib/platform/env";
import { DomainError } from "@/lib/platform/errors";
import { productListQuerySchema } from "@/lib/store-schemas";
import { firstParam } from "@/lib/platform/search-params";
import { paramsOfView } from "@/lib/catalog/page-address";

type SearchParams = Record<string, string | string[] | undefined>;

/** The catalogue's filters from the URL; a value that does not parse is left out rather than refused. */
function filtersOf(params: SearchParams): Pick<ProductQuery, "q" | "sort" | "inStock" | "cursor"> {
  const first = (key: string) => firstParam(params[key]);
  const shape = productListQuerySchema.shape;
  const q = shape.q.safeParse(first("q"));
  const sort = shape.sort.safeParse(first("sort"));
  const inStock = shape.inStock.safeParse(first("inStock"));
  const cursor = shape.cursor.safeParse(first("cursor"));
  return {
    q: (q.success ? q.data : undefined)?.trim() || undefined,
    sort: sort.success ? sort.data : undefined,
    inStock: inStock.success ? inStock.data : undefined,
    cursor: cursor.success ? cursor.data : undefined,
  };
}

/** A link to another page of the same list: the filters stay, so the URL can be shared. */
function pageHref(filters: Pick<ProductQuery, "q" | "sort" | "inStock">, cursor: string): string {
  const params = new URLSearchParams();
  if (filters.q) params.set("q", filters.q);
  if (filters.sort) params.set("sort", filters.sort);
  if (filters.inStock) params.set("inStock", "true");
  params.set("cursor", cursor);
  return `/?${params.toString()}`;
}

/**
 * One page of the catalogue as every shopper sees it (pages of 24, searched, sorted and filtered through the URL),
 * cached whole and shared: no shopper's own data is read here. The proxy serves `/?…` from here, the query moved
 * into `view` (lib/catalog/page-address.ts). A cached page is rendered again in the background once it is 1 s
 * old and is never served older than next.config.mjs's `expireTime` (2 s), on any server; an admin's edit drops
 * it at once on the server that made it (lib/catalog/page-cache.ts). Nothing is rendered at build time.
 */
export const dynamic = "force-static";
export const revalidate = 1;
export const generateStaticParams = async (): Promise<{ view: string }[]> => [];

export default async function CataloguePage({ params }: { params: Promise<{ view: string }> }) {
  const filters = filtersOf(paramsOfView((await params).view));
  const query = { ...filters, limit: CATALOGUE_PAGE_SIZE, viewerId: null };
  let page: ProductPage;
  let staleLink = false;
  try {
    page = await listProducts(query);
  } catch (error) {
    // A page link from another sort order or an old version: show the first page instead of an error.
    if (!(error instanceof DomainError && error.code === "invalid_request")) throw error;
    staleLink = true;
    page = await listProducts({ ...query, cursor: undefined });
  }
  const filtered = Boolean(filters.q || filters.inStock);

  return (
    <>
      <div className="page-head">
        <h1>Shop</h1>
        <p>
          Small batches, counted honestly. Adding to your cart reserves nothing; your items are held for you while you
          check out.
        </p>
      </div>
      <CatalogueFilters q={filters.q ?? ""} sort={filters.sort} inStock={filters.inStock ?? false} />
      {staleLink ? (
        <p className="muted small" role="status">
          That page link no longer fits this list: here is its first page.
        </p>
      ) : null}
      {filters.q ? (
        <p className="catalogue-summary" role="status">
          {page.products.length === 0 ? "No products match " : "Products matching "}
          <strong>“{filters.q}”</strong>
          {filters.inStock ? " in stock" : ""}. <Link href="/">Show everything</Link>
        </p>
      ) : null}
      {page.products.length === 0 ? (
        filtered ? (
          <EmptyState title="Nothing found">
            <p>Try fewer or shorter words, or include products that are sold out right now.</p>
          </EmptyState>
        ) : (
          <EmptyState title="Nothing on the shelves yet">
            <p>New products appear here as soon as they are added. Please come back soon.</p>
          </EmptyState>
        )
      ) : (
        <ul className="product-grid" aria-label="Products">
          {page.products.map((product) => (
            <li key={product.id}>
              <ProductCard product={product} addToCart={addToCartAction} maxQuantity={env.MAX_QUANTITY_PER_LINE} />
            </li>
          ))}
        </ul>
      )}
      {page.prevCursor || page.nextCursor ? (
        <nav className="pager" aria-label="Pages">
          {page.prevCursor ? (
            <Link href={pageHref(filters, page.prevCursor)} rel="prev" className="pager-link">
              ← Previous
            </Link>
          ) : (
            <span />
          )}
          {page.nextCursor ? (
            <Link href={pageHref(filters, page.nextCursor)} rel="next" className="pager-link">
              Next →
            </Link>
          ) : null}
        </nav>
      ) : null}
    </>
  );
}
