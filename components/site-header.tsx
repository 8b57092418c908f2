import Link from "next/link";
import { signOutAction } from "@/app/signin/actions";
import { currentShopperSummary } from "@/lib/accounts/summary";
import { ShopperNav } from "./shopper-nav";

/**
 * The shop's header: Shop, then the shopper's own part (ShopperNav). On a page rendered for this request the
 * shopper's figures come with it; on a cached shop page (rendered once for everyone, where no cookie is read) there
 * are none, and ShopperNav asks for them in the browser, so no shopper's cart ever enters a shared page.
 */
export async function SiteHeader() {
  const known = await currentShopperSummary();
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
          <ShopperNav known={known} signOut={signOutAction} />
        </nav>
      </div>
    </header>
  );
}
