import { currentShopperSummary, NEW_VISITOR } from "@/lib/accounts/summary";
import { handler, json } from "@/lib/platform/http";

export const dynamic = "force-dynamic";

/**
 * The shopper looking, as the header shows them: `{ shopper: { signedIn, email, admin, cartItems } }` (a first-time
 * visitor: signed out, no items). Never cached: it is this shopper's own.
 */
export const GET = handler(async () => json({ shopper: (await currentShopperSummary()) ?? NEW_VISITOR }, 200, { "Cache-Control": "private, no-store" }));
