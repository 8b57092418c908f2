/**
 * Proving an account owns its email address. Signing up only claims an address: until the link mailed to it
 * is opened, the account is an ordinary shopper that sees none of the guest orders placed with that address.
 * Opening the link sets `email_verified_at` and hands those orders over, in one transaction.
 */
import "server-only";
import { and, eq, isNull, ne, sql } from "drizzle-orm";
import { db, type Db, type Tx } from "@/db/client";
import { users } from "@/db/schema";
import { env } from "../platform/env";
import { DomainError } from "../platform/errors";
import { claimGuestOrders } from "../orders/guest";
import { rateLimited } from "../platform/rate-limit";
import { queueEmail } from "../mail/outbox";
import { verifyEmailEmail } from "../mail/templates";
import { createAccount, type Shopper } from "./shoppers";
import { AccountTokenError, issueAccountToken, redeemAccountToken, secondsSinceLastToken } from "./tokens";

/** "Send the link again" works once a minute per account. */
export const RESEND_VERIFICATION_SECONDS = 60;
/** Signing in to an unproven account mails a fresh link, at most this often (a forgotten email, a lost one). */
export const SIGN_IN_VERIFICATION_SECONDS = 300;

const verifyLifetimeSeconds = () => env.ACCOUNT_VERIFY_TOKEN_HOURS * 3600;

/** Writes a new token and queues its email, inside the caller's transaction. */
async function queueVerificationEmail(tx: Db | Tx, account: { id: string; email: string }): Promise<void> {
  const { id, token } = await issueAccountToken(tx, {
    userId: account.id,
    purpose: "verify_email",
    email: account.email,
    lifetimeSeconds: verifyLifetimeSeconds(),
  });
  const link = `${env.SHOP_URL}/account/verify?token=${token}`;
  const email = verifyEmailEmail({ email: account.email, link, validMinutes: env.ACCOUNT_VERIFY_TOKEN_HOURS * 60 });
  await queueEmail(tx, { kind: "verify_email", recipient: account.email, dedupeKey: `verify_email:${id}`, ...email });
}

/**
 * A new shopper account, and the email with the link that proves its address, in one transaction: the account
 * exists exactly when its link is on the way. The address joins nothing until the link is opened.
 */
export async function signUp(input: { email: string; password: string; name: string | null }): Promise<Shopper> {
  return db.transaction(async (tx) => {
    const account = await createAccount({ ...input, kind: "shopper" }, tx);
    await queueVerificationEmail(tx, { id: account.id, email: account.email! });
    return account;
  });
}

export type VerificationRequest =
  | { sent: true; email: string }
  | { sent: false; reason: "already_verified" | "recently_sent"; retryAfterSeconds?: number };

/**
 * Mails a new verification link to an unproven account, unless one went out less than `minIntervalSeconds`
 * ago. The account's row is locked meanwhile, so two tabs asking at once send one email.
 */
export async function requestEmailVerification(accountId: string, minIntervalSeconds: number): Promise<VerificationRequest> {
  return db.transaction(async (tx) => {
    const [account] = await tx
      .select({ id: users.id, email: users.email, verified: sql<boolean>`${users.emailVerifiedAt} is not null` })
      .from(users)
      .where(and(eq(users.id, accountId), ne(users.kind, "guest")))
      .for("update");
    if (!account?.email || account.verified) return { sent: false, reason: "already_verified" };
    const age = await secondsSinceLastToken(tx, account.id, "verify_email");
    if (age !== null && age < minIntervalSeconds) {
      return { sent: false, reason: "recently_sent", retryAfterSeconds: Math.max(1, Math.ceil(minIntervalSeconds - age)) };
    }
    await queueVerificationEmail(tx, { id: account.id, email: account.email });
    return { sent: true, email: account.email };
  });
}

/**
 * "Send the link again" on the orders page: a 429 within RESEND_VERIFICATION_SECONDS of the last link, so a
 * script cannot turn the shop into a mail cannon aimed at one address.
 */
export async function resendEmailVerification(accountId: string): Promise<{ email: string | null }> {
  const outcome = await requestEmailVerification(accountId, RESEND_VERIFICATION_SECONDS);
  if (outcome.sent) return { email: outcome.email };
  if (outcome.reason === "recently_sent") {
    throw rateLimited("verification emails for this account", outcome.retryAfterSeconds ?? RESEND_VERIFICATION_SECONDS);
  }
  return { email: null };
}

/**
 * Opens a verification link: the token is used, the account's email counts as proven (only if it is still the
 * address the link was sent to), and the guest orders placed with that address join the account. All in one
 * transaction: a refusal leaves the token unused and nothing claimed.
 */
export async function verifyEmail(token: unknown): Promise<{ accountId: string; email: string; claimedOrders: number }> {
  return db.transaction(async (tx) => {
    const proof = await redeemAccountToken(tx, token, "verify_email");
    const proven = await markEmailProven(tx, proof);
    if (!proven) throw new AccountTokenError("unknown");
    const claimedOrders = await claimGuestOrders(tx, proof.userId);
    return { accountId: proof.userId, email: proof.email, claimedOrders };
  });
}

/**
 * Sets `email_verified_at` when the account's email is still `email` (a link proves the address it was sent
 * to, not whatever the account says now). True when the account's address is proven afterwards.
 */
export async function markEmailProven(tx: Tx, proof: { userId: string; email: string }): Promise<boolean> {
  const sameAddress = and(
    eq(users.id, proof.userId),
    ne(users.kind, "guest"),
    sql`lower(${users.email}) = lower(${proof.email})`,
  );
  await tx
    .update(users)
    .set({ emailVerifiedAt: sql`now()` })
    .where(and(sameAddress, isNull(users.emailVerifiedAt)));
  const [still] = await tx.select({ id: users.id }).from(users).where(sameAddress);
  return Boolean(still);
}

/** Whether the account's email is proven, for the orders page's notice. */
export async function emailStatus(accountId: string): Promise<{ email: string | null; verified: boolean }> {
  const [row] = await db
    .select({ email: users.email, verified: sql<boolean>`${users.emailVerifiedAt} is not null` })
    .from(users)
    .where(eq(users.id, accountId));
  if (!row) throw new DomainError("not_found", "No such account.");
  return row;
}
