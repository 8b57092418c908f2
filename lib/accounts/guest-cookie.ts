/**
 * The guest cookie: a guest's id signed with AUTH_SECRET, and its hand-over to the account at sign-in. Apart
 * from lib/accounts/identity.ts (who is shopping) so that lib/accounts/auth.ts can adopt the guest without importing identity,
 * which reads the session through lib/accounts/auth.ts.
 */
import "server-only";
import { createHmac, timingSafeEqual } from "node:crypto";
import { cookies } from "next/headers";
import { handOverGuest } from "../checkout";
import { env } from "../platform/env";
import { findShopper } from "./shoppers";

export const GUEST_COOKIE = "stockhold_guest";
export const GUEST_COOKIE_MAX_AGE = 60 * 60 * 24 * 30;

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
