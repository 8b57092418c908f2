import { requestBackInStockNotice } from "@/lib/catalog/back-in-stock";
import { DomainError, notFound } from "@/lib/platform/errors";
import { clientAddress, handler, json, parseJsonBody, parseWith } from "@/lib/platform/http";
import { currentAccount } from "@/lib/accounts/identity";
import { notifyMeSchema, productSlugSchema } from "@/lib/store-schemas";

export const dynamic = "force-dynamic";

/**
 * "Notify me when it's back" for a sold-out product: `{ email }` (a signed-in shopper may leave it out).
 * 201 with the request; 200 when this address already waits (it keeps its place); 409 while it is in stock.
 */
export const POST = handler<{ slug: string }>(async (request, { params }) => {
  const slug = parseWith(productSlugSchema, (await params).slug, () => notFound("product"));
  const body = await parseJsonBody(request, notifyMeSchema);
  const account = await currentAccount();
  const email = body.email ?? account?.email;
  if (!email) {
    throw new DomainError("invalid_request", "Give the email address to notify.", {
      issues: [{ path: ["email"], message: "Required" }],
    });
  }
  const notice = await requestBackInStockNotice({ slug, email, shopperId: account?.id ?? null, ip: clientAddress(request) });
  const { created, ...view } = notice;
  return json({ request: view }, created ? 201 : 200);
});
