/**
 * What the shop's header shows of the shopper looking: signed in or not (and as whom, admin or not) and how many
 * items their cart holds. The shop's pages are cached and shared (app/catalogue, app/products), so the header asks
 * for this itself (GET /api/shopper) whenever the page it came with could not know the shopper.
 */
import "server-only";
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
};

/** The current shopper's summary, or null for a first-time visitor (no account, no guest cookie). */
export async function currentShopperSummary(): Promise<ShopperSummary | null> {
  const [session, shopper] = await Promise.all([auth(), currentShopper()]);
  if (!shopper) return null;
  const cart = await getCart(shopper.id);
  const signedIn = Boolean(session?.user) && shopper.kind !== "guest";
  return {
    signedIn,
    email: signedIn ? (session?.user?.email ?? null) : null,
    admin: signedIn && session?.user?.role === "admin",
    cartItems: cart.itemCount,
  };
}

/** What a first-time visitor's header shows. */
export const NEW_VISITOR: ShopperSummary = { signedIn: false, email: null, admin: false, cartItems: 0 };
