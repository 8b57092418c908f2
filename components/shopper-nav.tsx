"use client";

import Link from "next/link";
import { useEffect } from "react";
import { queryOptions, useQuery, useQueryClient } from "@tanstack/react-query";
import type { ShopperSummary } from "@/lib/accounts/summary";
import { SubmitButton } from "./ui/submit-button";

/** The header's figures for the shopper looking (GET /api/shopper); invalidated after a cart change. */
export const shopperQuery = queryOptions({
  queryKey: ["shopper"],
  queryFn: async (): Promise<ShopperSummary> => {
    const response = await fetch("/api/shopper", { cache: "no-store", headers: { accept: "application/json" } });
    if (!response.ok) throw new Error(`The server answered ${response.status}.`);
    return ((await response.json()) as { shopper: ShopperSummary }).shopper;
  },
});

const signedOut: ShopperSummary = { signedIn: false, email: null, admin: false, cartItems: 0, holding: false };

/**
 * Cart (with its count), Orders, Admin for admins, and sign in or out. A page rendered for this request brings the
 * shopper's figures (`known`); a cached shop page, shared by every shopper, cannot: then the header asks once.
 */
export function ShopperNav({ known, signOut }: { known: ShopperSummary | null; signOut: () => Promise<void> }) {
  const client = useQueryClient();
  const { data } = useQuery({ ...shopperQuery, ...(known ? { initialData: known } : {}) });
  const knownKey = known ? JSON.stringify(known) : null;
  // A new render of a page for this request (after an action, or on navigating) carries the latest figures.
  useEffect(() => {
    if (knownKey) client.setQueryData(shopperQuery.queryKey, JSON.parse(knownKey) as ShopperSummary);
  }, [client, knownKey]);
  const shopper = data ?? signedOut;
  const count = shopper.cartItems;
  return (
    <>
      {/* It reads "Cart 2" (a space before the count), words its name "Cart, 2 items" contains: voice control finds
          it by what it shows (axe: label-content-name-mismatch). */}
      <Link href="/cart" aria-label={`Cart, ${count} ${count === 1 ? "item" : "items"}`} className="cart-link">
        Cart{" "}
        <span className="cart-count" aria-hidden="true">
          {count}
        </span>
      </Link>
      <Link href="/orders">Orders</Link>
      {shopper.signedIn && shopper.admin ? <Link href="/admin">Admin</Link> : null}
      {shopper.signedIn ? (
        <form action={signOut} className="nav-form">
          <span className="nav-user" title={shopper.email ?? undefined}>
            {shopper.email}
          </span>
          <SubmitButton variant="ghost" size="sm">
            Sign out
          </SubmitButton>
        </form>
      ) : (
        <Link href="/signin">Sign in</Link>
      )}
    </>
  );
}
