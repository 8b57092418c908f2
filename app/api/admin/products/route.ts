import { authoriseAdminRequest, newProductSchema } from "@/lib/admin/access";
import { createProduct } from "@/lib/catalog/products";
import { shopPagesChanged } from "@/lib/catalog/page-cache";
import { handler, json, parseJsonBody } from "@/lib/platform/http";

export const dynamic = "force-dynamic";

/** Creates a product with its opening stock; 409 if the slug is taken. */
export const POST = handler(async (request) => {
  const admin = await authoriseAdminRequest(request);
  const input = await parseJsonBody(request, newProductSchema);
  const product = await createProduct({ ...input, actorId: admin.actorId });
  shopPagesChanged();
  return json({ product }, 201);
});
