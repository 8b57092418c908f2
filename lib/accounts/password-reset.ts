/**
 * "Forgot password": a link mailed to the account's address opens a form that sets a new password. Asking
 * always gets the same answer, whether or not an account exists for the address; the link works once, for
 * PASSWORD_RESET_TOKEN_MINUTES. Since opening it proves the address, it also verifies the email and hands
 * over the guest orders placed with it, and it ends every session signed in before it.
 */
import "server-only";
import { createHash } from "node:crypto";
import { and, eq, ne, sql } from "drizzle-orm";
import { db } from "@/db/client";
import { users } from "@/db/schema";
import { env } from "../platform/env";
import { claimGuestOrders } from "../orders/guest";
import { queueEmail } from "../mail/outbox";
import { resetPasswordEmail } from "../mail/templates";
import { consumeRateLimit } from "../platform/rate-limit";
import { hashPassword } from "./shoppers";
import { AccountTokenError, issueAccountToken, redeemAccountToken, spendOutstandingTokens } from "./tokens";
import { markEmailProven } from "./verification";

/** The one answer to "send me a link", account or not. */
export const RESET_REQUESTED_MESSAGE =
  "If an account exists for that address, we've sent a link to set a new password. It works for a limited time; check your spam folder if it does not arrive.";

/**
 * Mails a reset link to the account with this email, if there is one; answers the same either way. Limited
 * per IP address and per email address (RATE_LIMIT_PASSWORD_RESETS_PER_MINUTE), counted for unknown
 * addresses too, so the limit reveals nothing either.
 */
export async function requestPasswordReset(input: { email: string; ip: string }): Promise<void> {
  const limit = env.RATE_LIMIT_PASSWORD_RESETS_PER_MINUTE;
  await consumeRateLimit(`password-reset:ip:${input.ip}`, limit, "password reset requests from your address");
  const address = input.email.trim().toLowerCase();
  // Hashed, so the counters table holds no email addresses.
  const emailKey = createHash("sha256").update(address).digest("base64url");
  await consumeRateLimit(`password-reset:email:${emailKey}`, limit, "password reset requests for this address");
  await db.transaction(async (tx) => {
    const [account] = await tx
      .select({ id: users.id, email: users.email })
      .from(users)
      .where(and(sql`lower(${users.email}) = ${address}`, ne(users.kind, "guest")));
    if (!account?.email) return;
    const { id, token } = await issueAccountToken(tx, {
      userId: account.id,
      purpose: "reset_password",
      email: account.email,
      lifetimeSeconds: env.PASSWORD_RESET_TOKEN_MINUTES * 60,
    });
    const link = `${env.SHOP_URL}/account/reset?token=${token}`;
    const email = resetPasswordEmail({ email: account.email, link, validMinutes: env.PASSWORD_RESET_TOKEN_MINUTES });
    await queueEmail(tx, { kind: "reset_password", recipient: account.email, dedupeKey: `reset_password:${id}`, ...email });
  });
}

/**
 * Sets a new password with a reset link: the token is used, the other reset links of the account stop
 * working, the email counts as proven and its guest orders join the account, all in one transaction. Sessions
 * that signed in before now end (lib/accounts/shoppers.ts findAccountForSession). Returns the account's email.
 */
export async function resetPassword(input: { token: unknown; password: string }): Promise<{ email: string; claimedOrders: number }> {
  // Hashed before the transaction: bcrypt takes a while and no lock should wait for it.
  const passwordHash = await hashPassword(input.password);
  return db.transaction(async (tx) => {
    const proof = await redeemAccountToken(tx, input.token, "reset_password");
    if (!(await markEmailProven(tx, proof))) throw new AccountTokenError("unknown");
    await tx.update(users).set({ passwordHash }).where(eq(users.id, proof.userId));
    await spendOutstandingTokens(tx, proof.userId, "reset_password");
    const claimedOrders = await claimGuestOrders(tx, proof.userId);
    return { email: proof.email, claimedOrders };
  });
}
