/**
 * The shop's cached pages are keyed by their path only, so the proxy (proxy.ts) moves what a page's query string
 * says into one path segment, the page's "view": `/?q=lamp&cursor=…` is served by `/catalogue/<view>` and
 * `/products/trail-shirt?Size=M` by `/products/trail-shirt/<view>`. The browser keeps the address it asked for.
 * A view is the query's parameters that the page reads, in a fixed order (so equal queries share one cached
 * page), as base64url. Plain functions: the proxy and the pages both use them, and neither needs the database.
 */

/** The view of a page with no parameters. */
export const PLAIN_VIEW = "all";

/** The longest query a view keeps: a longer one is no query these pages make, and is read as none. */
const MAX_VIEW_QUERY = 1_500;

/** The catalogue's parameters (app/catalogue/[view]/page.tsx), in the order a view lists them. */
const CATALOGUE_PARAMS = ["q", "sort", "inStock", "cursor"] as const;

/** Next's own parameter of a client navigation (`_rsc`): not part of what the page shows. */
const ROUTER_PARAMS = new Set(["_rsc"]);

function encodeView(pairs: [string, string][]): string {
  if (pairs.length === 0) return PLAIN_VIEW;
  const query = new URLSearchParams(pairs).toString();
  if (query.length > MAX_VIEW_QUERY) return PLAIN_VIEW;
  return Buffer.from(query, "utf8").toString("base64url");
}

/** The catalogue view of a query: its first q, sort, inStock and cursor (anything else is not read). */
export function catalogueView(query: URLSearchParams): string {
  const pairs: [string, string][] = [];
  for (const name of CATALOGUE_PARAMS) {
    const value = query.get(name);
    if (value !== null && value !== "") pairs.push([name, value]);
  }
  return encodeView(pairs);
}

/** A product page's view: the first value of each parameter (option names are the product's own), by name. */
export function productView(query: URLSearchParams): string {
  const names = [...new Set([...query.keys()])].filter((name) => !ROUTER_PARAMS.has(name)).sort();
  return encodeView(names.map((name) => [name, query.get(name)!]));
}

/** The parameters a view holds (none for the plain view or one that does not decode). */
export function paramsOfView(view: string): Record<string, string> {
  if (view === PLAIN_VIEW || !/^[A-Za-z0-9_-]{1,2048}$/.test(view)) return {};
  return Object.fromEntries(new URLSearchParams(Buffer.from(view, "base64url").toString("utf8")));
}
