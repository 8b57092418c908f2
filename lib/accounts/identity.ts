/**
 * Who is shopping: the signed-in account (Auth.js session), or else a guest identified by a signed, httpOnly
 * cookie set on the first cart write. One function for server components, server actions and route handlers.
 */
import "server-only";
import { cookies, headers } from "next/headers";
import { cache } from "react";
import { auth } from "./auth";
import { DomainError } from "../platform/errors";
import { GUEST_COOKIE, GUEST_COOKIE_MAX_AGE, signGuestId, verifyGuestCookie } from "./guest-cookie";
import { createGuest, findAccountForSession, findShopper, type Shopper } from "./shoppers";

export { adoptGuest, GUEST_COOKIE, signGuestId, verifyGuestCookie } from "./guest-cookie";

/** The signed-in account, if any (shopper or admin). */
export const currentAccount = cache(async (): Promise<Shopper | null> => {
  // Most shoppers are guests: without a session cookie there is no session to decode (a hot-path saving).
  const hasSessionCookie = (await cookies()).getAll().some((c) => c.name.includes("authjs.session-token"));
  if (!hasSessionCookie) return null;
  const session = await auth();
  const id = session?.user?.id;
  if (!session || !id) return null;
  return findAccountForSession(id, session.signedInAt);
});

/**
 * The guest behind the guest cookie, if any. The signature is the proof: only this server signs guest ids, and
 * only when it creates the guest, so no database lookup is needed on every request.
 */
export const currentGuest = cache(async (): Promise<Shopper | null> => {
  const guestId = verifyGuestCookie((await cookies()).get(GUEST_COOKIE)?.value);
  return guestId ? { id: guestId, kind: "guest", email: null, name: null } : null;
});

/** The current shopper: account first, else guest; null for a first-time visitor. */
export async function currentShopper(): Promise<Shopper | null> {
  return (await currentAccount()) ?? (await currentGuest());
}

export async function requireShopper(): Promise<Shopper> {
  const shopper = await currentShopper();
  if (!shopper) throw new DomainError("not_found", "No such checkout or order: you have no cart yet.");
  return shopper;
}

/** For cart writes (server actions and route handlers only): makes a guest identity on the first one. */
export async function currentOrNewShopper(): Promise<Shopper> {
  const existing = await currentShopper();
  // A cookie signed for a database that has since been reset names no one: start a new guest then.
  if (existing && (existing.kind !== "guest" || (await findShopper(existing.id)))) return existing;
  const guest = await createGuest();
  const forwardedProto = (await headers()).get("x-forwarded-proto");
  (await cookies()).set(GUEST_COOKIE, signGuestId(guest.id), {
    httpOnly: true,
    sameSite: "lax",
    secure: forwardedProto === "https",
    path: "/",
    maxAge: GUEST_COOKIE_MAX_AGE,
  });
  return guest;
}
