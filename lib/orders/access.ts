/**
 * Links that open one order without a session: the order confirmation email carries `?key=`, an HMAC of the
 * order id under AUTH_SECRET, so a guest can open their order from any device and no one can guess another's.
 */
import "server-only";
import { createHmac, timingSafeEqual } from "node:crypto";
import { env } from "../platform/env";

function keyOf(orderId: string, secret: string): string {
  return createHmac("sha256", secret).update(`order:${orderId.toLowerCase()}`).digest("base64url");
}

/** The key for this order, or null when no AUTH_SECRET is configured (then links need a session or a lookup). */
export function orderAccessKey(orderId: string): string | null {
  return env.AUTH_SECRET ? keyOf(orderId, env.AUTH_SECRET) : null;
}

export function isOrderAccessKey(orderId: string, key: string | undefined): boolean {
  if (!key || !env.AUTH_SECRET) return false;
  const given = Buffer.from(key);
  const expected = Buffer.from(keyOf(orderId, env.AUTH_SECRET));
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The order's page on the shop's public address, openable by whoever holds the link. */
export function orderLink(orderId: string): string {
  const key = orderAccessKey(orderId);
  return `${env.SHOP_URL}/orders/${orderId}${key ? `?key=${key}` : ""}`;
}

/** What shoppers call an order: the first 8 characters of its id, e.g. "#3f2a9c1d". */
export const orderNumber = (orderId: string) => orderId.slice(0, 8);

/** The same link as a path on this site, for redirects. */
export function orderPath(orderId: string): string {
  const key = orderAccessKey(orderId);
  return `/orders/${orderId}${key ? `?key=${key}` : ""}`;
}
