import { authoriseAdminRequest } from "@/lib/admin/access";
import { HAND_ON_WINDOW_SECONDS, recentHandOns } from "@/lib/admin/line";
import { handler, json } from "@/lib/platform/http";

export const dynamic = "force-dynamic";

/**
 * The line's recent hand-ons (tickets offered in the last hour, newest first, with what became of each offer);
 * the dashboard's table polls this.
 */
export const GET = handler(async (request) => {
  await authoriseAdminRequest(request);
  return json({ handOns: await recentHandOns(), windowSeconds: HAND_ON_WINDOW_SECONDS });
});
