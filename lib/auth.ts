/**
 * Auth.js v5 with email + password (Credentials, bcrypt hashes). Sessions are signed, encrypted JWT cookies,
 * so any app server can read them. Role changes apply at the next sign-in.
 */
import "server-only";
import NextAuth from "next-auth";
import Credentials from "next-auth/providers/credentials";
import { authConfig } from "./auth.config";
import { adoptGuest } from "./identity";
import { verifyCredentials } from "./shoppers";
import { signInSchema } from "./store-schemas";

export const { handlers, auth, signIn, signOut } = NextAuth({
  ...authConfig,
  providers: [
    Credentials({
      credentials: { email: { type: "email" }, password: { type: "password" } },
      async authorize(raw) {
        const parsed = signInSchema.safeParse(raw);
        if (!parsed.success) return null;
        const account = await verifyCredentials(parsed.data.email, parsed.data.password);
        if (!account || account.kind === "guest") return null;
        // Whatever the visitor put in their cart as a guest comes along; the guest cookie is dropped so it
        // never stands in for the account.
        await adoptGuest(account.id);
        return {
          id: account.id,
          email: account.email,
          name: account.name,
          role: account.kind === "admin" ? "admin" : "shopper",
        };
      },
    }),
  ],
});
