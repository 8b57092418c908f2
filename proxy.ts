/**
 * Next.js 16 proxy (formerly middleware): optimistic checks only, from the session cookie alone (no database).
 * The rules live in lib/auth.config.ts `authorized`; pages, actions and handlers check again.
 */
import NextAuth from "next-auth";
import { authConfig } from "@/lib/auth.config";

const { auth } = NextAuth(authConfig);

export { auth as proxy };

export const config = {
  matcher: ["/admin", "/admin/:path*"],
};
