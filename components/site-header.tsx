import Link from "next/link";
import { signOutAction } from "@/app/signin/actions";
import { auth } from "@/lib/accounts/auth";
import { getCart } from "@/lib/cart";
import { currentShopper } from "@/lib/accounts/identity";
import { SubmitButton } from "./ui/submit-button";

/** The shop's header: Shop, Cart (with its count), Orders, Admin for admins, and sign in or out. */
export async function SiteHeader() {
  const [session, shopper] = await Promise.all([auth(), currentShopper()]);
  const cart = shopper ? await getCart(shopper.id) : null;
  const count = cart?.itemCount ?? 0;
  // The account as the database sees it: a session ended by a password reset is signed out here too.
  const signedIn = Boolean(session?.user) && shopper !== null && shopper.kind !== "guest";
  return (
    <header className="site-header">
      <div className="container header-inner">
        <Link href="/" className="brand">
          <span className="brand-mark" aria-hidden="true">
            ◆
          </span>
          Stockhold
        </Link>
        <nav aria-label="Main" className="main-nav">
          <Link href="/">Shop</Link>
          <Link href="/cart" aria-label={`Cart, ${count} ${count === 1 ? "item" : "items"}`} className="cart-link">
            Cart
            <span className="cart-count" aria-hidden="true">
              {count}
            </span>
          </Link>
          <Link href="/orders">Orders</Link>
          {signedIn && session?.user?.role === "admin" ? <Link href="/admin">Admin</Link> : null}
          {signedIn ? (
            <form action={signOutAction} className="nav-form">
              <span className="nav-user" title={session?.user?.email}>
                {session?.user?.email}
              </span>
              <SubmitButton variant="ghost" size="sm">
                Sign out
              </SubmitButton>
            </form>
          ) : (
            <Link href="/signin">Sign in</Link>
          )}
        </nav>
      </div>
    </header>
  );
}
