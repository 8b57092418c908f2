/**
 * The shop's cached pages (the catalogue's, app/catalogue/[view], and each product's, app/products/[slug]/[view])
 * hold what an admin edits: names, descriptions, pictures, options, variants, prices, what is on sale. Every admin
 * write that changes any of it calls `shopPagesChanged` once it has committed, from the server action or route
 * handler that made it (Next's cache lives in the request, not in lib's functions). It drops those pages on this
 * server at once, by the path tags Next gives every cached page (`revalidatePath(…, "layout")` expires every page
 * under the path immediately: the next request waits for a fresh one, none is served stale). Other servers never
 * serve a page older than next.config.mjs's `expireTime` (2 s). Stock and holds change by the second and need no
 * call: the product page asks for them every second, and a cached page is re-rendered once 1 s old.
 */
import "server-only";
import { revalidatePath } from "next/cache";

export function shopPagesChanged(): void {
  // Coarse on purpose: an edit is rare and every shop page is re-rendered each second or two under traffic anyway,
  // while a narrower tag would miss pages that list the product (other pages of the catalogue, searches).
  revalidatePath("/catalogue", "layout");
  revalidatePath("/products", "layout");
}
