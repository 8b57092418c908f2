/**
 * What the shop's header shows of the shopper looking: signed in or not (and as whom, admin or not) and how many
 * items their cart holds. The shop's pages are cached and shared (app/catalogue, app/products), so the header asks
 * for this itself (GET /api/shopper) whenever the page it came with could not know the shopper.
 */
import "server-only";
import { and, eq, inArray } from "drizzle-orm";
import { db } from "@/db/client";
import { checkouts } from "@/db/schema";
import { getCart } from "../cart";
import { auth } from "./auth";
import { currentShopper } from "./identity";

export type ShopperSummary = {
  /** Signed in with an account the database still knows (a session ended by a password reset is not). */
  signedIn: boolean;
  email: string | null;
  admin: boolean;
  /** Items in the cart (the sum of its lines' quantities). */
  cartItems: number;
  /**
   * Has a checkout that may hold stock (active or paying). Only then do the stock figures this shopper sees differ
   * from everyone's (their own hold is theirs), so only then does the product page poll their own.
   */
  holding: boolean;
};

/** The current shopper's summary, or null for a first-time visitor (no account, no guest cookie). */
export async function currentShopperSummary(): Promise<ShopperSummary | null> {
  const [session, shopper] = await Promise.all([auth(), currentShopper()]);
  if (!shopper) return null;
  const [cart, [open]] = await Promise.all([
    getCart(shopper.id),
    db
      .select({ id: checkouts.id })
      .from(checkouts)
      .where(and(eq(checkouts.shopperId, shopper.id), inArray(checkouts.status, ["active", "paying"])))
      .limit(1),
  ]);
  const signedIn = Boolean(session?.user) && shopper.kind !== "guest";
  return {
    signedIn,
    email: signedIn ? (session?.user?.email ?? null) : null,
    admin: signedIn && session?.user?.role === "admin",
    cartItems: cart.itemCount,
    holding: open !== undefined,
  };
}

/** What a first-time visitor's header shows. */
export const NEW_VISITOR: ShopperSummary = { signedIn: false, email: null, admin: false, cartItems: 0, holding: false };
