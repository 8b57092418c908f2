import { listProducts } from "@/lib/catalog";
import { handler, json } from "@/lib/http";

export const dynamic = "force-dynamic";

/** The catalogue with live availability. */
export const GET = handler(async () => {
  const products = await listProducts();
  return json({ products });
});
