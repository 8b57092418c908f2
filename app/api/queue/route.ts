import { joinTheLine } from "@/lib/checkout";
import { handler, json, parseJsonBody } from "@/lib/platform/http";
import { currentShopper } from "@/lib/accounts/identity";
import { joinLineSchema } from "@/lib/store-schemas";

/** Joins the line for contended stock with the shopper's cart: 201 with a new ticket, 200 with their live one. */
export const POST = handler(async (request) => {
  const { email } = await parseJsonBody(request, joinLineSchema);
  const { ticket, created } = await joinTheLine(await currentShopper(), { email });
  return json({ ticket }, created ? 201 : 200);
});
