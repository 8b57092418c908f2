/**
 * Auth.js v5 with email + password (Credentials, bcrypt hashes). Sessions are signed, encrypted JWT cookies,
 * so any app server can read them. Role changes apply at the next sign-in.
 */
import "server-only";
import NextAuth, { CredentialsSignin } from "next-auth";
import Credentials from "next-auth/providers/credentials";
import { db } from "@/db/client";
import { requestEmailVerification, SIGN_IN_VERIFICATION_SECONDS } from "./index";
import { authConfig } from "./auth.config";
import { DomainError } from "../platform/errors";
import { claimGuestOrders } from "../orders/guest";
import { clientAddress } from "../platform/client-address";
import { adoptGuest } from "./guest-cookie";
import { limitSignInAttempts, verifyCredentials } from "./shoppers";
import { signInSchema } from "../store-schemas";

/** Too many sign-in attempts: Auth.js passes `code` on (`?error=CredentialsSignin&code=rate_limited`). */
export class SignInRateLimited extends CredentialsSignin {
  code = "rate_limited";
}

export const { handlers, auth, signIn, signOut } = NextAuth({
  ...authConfig,
  providers: [
    Credentials({
      credentials: { email: { type: "email" }, password: { type: "password" } },
      async authorize(raw, request) {
        const parsed = signInSchema.safeParse(raw);
        if (!parsed.success) return null;
        try {
          await limitSignInAttempts(parsed.data.email, clientAddress(request));
        } catch (error) {
          if (error instanceof DomainError && error.code === "rate_limited") throw new SignInRateLimited();
          throw error;
        }
        const account = await verifyCredentials(parsed.data.email, parsed.data.password);
        if (!account || account.kind === "guest") return null;
        // Whatever the visitor put in their cart as a guest comes along; the guest cookie is dropped so it
        // never stands in for the account.
        await adoptGuest(account.id);
        if (account.emailVerified) {
          // Guest orders placed with the account's proven address since it last signed in join its history.
          await claimGuestOrders(db, account.id);
        } else {
          // An address not yet proven joins nothing; a fresh link is mailed (at most every few minutes).
          await requestEmailVerification(account.id, SIGN_IN_VERIFICATION_SECONDS);
        }
        return {
          id: account.id,
          email: account.email,
          name: account.name,
          role: account.kind === "admin" ? "admin" : "shopper",
          signedInAt: account.signedInAt,
        };
      },
    }),
  ],
});
