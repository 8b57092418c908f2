/**
 * Auth.js v5 with email + password (Credentials, bcrypt hashes). Sessions are signed, encrypted JWT cookies,
 * so any app server can read them. Role changes apply at the next sign-in.
 */
import "server-only";
import NextAuth from "next-auth";
import Credentials from "next-auth/providers/credentials";
import { z } from "zod";
import { authConfig } from "./auth.config";
import { verifyCredentials } from "./shoppers";

export const credentialsSchema = z.object({
  email: z.string().trim().toLowerCase().pipe(z.email("Enter a valid email address.")).pipe(z.string().max(254)),
  password: z.string().min(1, "Enter your password.").max(200),
});

export const { handlers, auth, signIn, signOut } = NextAuth({
  ...authConfig,
  providers: [
    Credentials({
      credentials: { email: { type: "email" }, password: { type: "password" } },
      async authorize(raw) {
        const parsed = credentialsSchema.safeParse(raw);
        if (!parsed.success) return null;
        const account = await verifyCredentials(parsed.data.email, parsed.data.password);
        if (!account || account.kind === "guest") return null;
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
