/**
 * The edge-safe part of the Auth.js configuration, shared by proxy.ts (optimistic checks only) and lib/accounts/auth.ts.
 * No database access here: every page, action and handler re-checks identity and role itself.
 */
import type { NextAuthConfig } from "next-auth";

export type Role = "shopper" | "admin";

declare module "next-auth" {
  interface Session {
    user: { id: string; email: string; name?: string | null; role: Role };
    /** When this session signed in (database clock, seconds): a later password reset ends it. */
    signedInAt?: number;
  }
  interface User {
    role?: Role;
    signedInAt?: number;
  }
}

export const authConfig = {
  pages: { signIn: "/signin" },
  session: { strategy: "jwt", maxAge: 60 * 60 * 24 * 14 },
  trustHost: true,
  providers: [],
  callbacks: {
    jwt({ token, user }) {
      // `user` is present only at sign-in: copy what pages need into the (signed, encrypted) token.
      if (user) {
        token.sub = user.id;
        token.role = user.role ?? "shopper";
        token.signedInAt = user.signedInAt;
      }
      return token;
    },
    session({ session, token }) {
      if (token.sub) session.user.id = token.sub;
      session.user.role = token.role === "admin" ? "admin" : "shopper";
      if (typeof token.signedInAt === "number") session.signedInAt = token.signedInAt;
      return session;
    },
    authorized({ auth, request }) {
      // Optimistic only: sends visitors without a session to /signin early, with the path to come back to.
      // Every page, action and handler checks identity and role again.
      const { pathname, search } = request.nextUrl;
      // Order pages are not here: /orders offers guests a lookup by email and order number instead.
      const needsAccount = pathname === "/admin" || pathname.startsWith("/admin/");
      if (!needsAccount || auth?.user) return true;
      const signIn = new URL("/signin", request.nextUrl);
      signIn.searchParams.set("callbackUrl", `${pathname}${search}`);
      return Response.redirect(signIn);
    },
  },
} satisfies NextAuthConfig;
