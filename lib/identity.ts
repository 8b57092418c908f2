/**
 * Who is shopping: the signed-in account (Auth.js session), or else a guest identified by a signed, httpOnly
 * cookie set on the first cart write. One function for server components, server actions and route handlers.
 */
import "server-only";
import { createHmac, timingSafeEqual } from "node:crypto";
import { cookies, headers } from "next/headers";
import { cache } from "react";
import { auth } from "./auth";
import { handOverGuest } from "./checkout";
import { env } from "./env";
import { DomainError } from "./errors";
import { createGuest, findAccountForSession, findShopper, type Shopper } from "./shoppers";

export const GUEST_COOKIE = "stockhold_guest";
const GUEST_COOKIE_MAX_AGE = 60 * 60 * 24 * 30;

function secret(): string {
  if (!env.AUTH_SECRET) throw new Error("AUTH_SECRET is not set");
  return env.AUTH_SECRET;
}

const signature = (guestId: string) => createHmac("sha256", secret()).update(`guest:${guestId}`).digest("base64url");

export function signGuestId(guestId: string): string {
  return `${guestId}.${signature(guestId)}`;
}

export function verifyGuestCookie(value: string | undefined): string | null {
  if (!value) return null;
  const dot = value.lastIndexOf(".");
  if (dot <= 0) return null;
  const guestId = value.slice(0, dot);
  const given = Buffer.from(value.slice(dot + 1));
  const expected = Buffer.from(signature(guestId));
  return given.length === expected.length && timingSafeEqual(given, expected) ? guestId : null;
}

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

/**
 * At sign-in: the guest behind this browser's guest cookie hands over to the account. Its cart lines join the
 * account's cart, any checkout it had in progress is cancelled (releasing its hold, so the account can hold the
 * same items), and the guest cookie is deleted: from now on the session alone says who is shopping.
 */
export async function adoptGuest(accountId: string): Promise<void> {
  const cookieStore = await cookies();
  const guestId = verifyGuestCookie(cookieStore.get(GUEST_COOKIE)?.value);
  if (!guestId) return;
  const guest = await findShopper(guestId);
  if (guest?.kind === "guest") await handOverGuest(guest.id, accountId);
  cookieStore.delete(GUEST_COOKIE);
}
