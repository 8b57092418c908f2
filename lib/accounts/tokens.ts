/**
 * Account tokens: the random secrets in "confirm your email" and "set a new password" links. A token is 32
 * random bytes (base64url); only its sha256 is stored, so the table alone opens nothing. Each is for one
 * purpose, expires, and is used at most once: the statement that accepts it is the one that marks it used.
 */
import "server-only";
import { createHash, randomBytes } from "node:crypto";
import { and, desc, eq, gt, isNull, sql } from "drizzle-orm";
import { z } from "zod";
import { db, type Db, type Tx } from "@/db/client";
import { accountTokens, type AccountTokenPurpose } from "@/db/schema";
import { DomainError } from "../platform/errors";

/** 32 bytes in base64url: 43 characters. Anything else is no token of ours and is not looked up. */
const tokenSchema = z.string().regex(/^[A-Za-z0-9_-]{43}$/);

const hashOf = (token: string) => createHash("sha256").update(token).digest("base64url");

/** Why a link did not work; each gets its own readable message and a way to ask for a new one. */
export type TokenProblem = "unknown" | "used" | "expired";

export const tokenProblemMessages: Record<TokenProblem, string> = {
  unknown: "This link is not valid. It may have been copied incompletely.",
  used: "This link has already been used. Each link works once.",
  expired: "This link has expired.",
};

/** A link that cannot be used: 400 with `details.problem`, so a page can offer the right next step. */
export class AccountTokenError extends DomainError {
  constructor(readonly problem: TokenProblem) {
    super("invalid_request", tokenProblemMessages[problem], { problem });
  }
}

/** Makes a new token for `userId`, valid for `lifetimeSeconds` from the database's now; returns the secret. */
export async function issueAccountToken(
  executor: Db | Tx,
  input: { userId: string; purpose: AccountTokenPurpose; email: string; lifetimeSeconds: number },
): Promise<{ id: string; token: string }> {
  const token = randomBytes(32).toString("base64url");
  const [row] = await executor
    .insert(accountTokens)
    .values({
      userId: input.userId,
      purpose: input.purpose,
      email: input.email,
      tokenHash: hashOf(token),
      expiresAt: sql`now() + make_interval(secs => ${input.lifetimeSeconds})`,
    })
    .returning({ id: accountTokens.id });
  return { id: row!.id, token };
}

/**
 * Accepts `token` for `purpose` once: marks it used in the same statement that checks it is unused and
 * unexpired, so two concurrent uses cannot both pass. Returns the account and the address the link was sent
 * to; throws AccountTokenError (unknown, used, expired) otherwise. Within the caller's transaction, so a
 * failure later in it leaves the token unused.
 */
export async function redeemAccountToken(
  tx: Tx,
  token: unknown,
  purpose: AccountTokenPurpose,
): Promise<{ userId: string; email: string }> {
  const parsed = tokenSchema.safeParse(token);
  if (!parsed.success) throw new AccountTokenError("unknown");
  const hash = hashOf(parsed.data);
  const [accepted] = await tx
    .update(accountTokens)
    .set({ usedAt: sql`now()` })
    .where(
      and(
        eq(accountTokens.tokenHash, hash),
        eq(accountTokens.purpose, purpose),
        isNull(accountTokens.usedAt),
        gt(accountTokens.expiresAt, sql`now()`),
      ),
    )
    .returning({ userId: accountTokens.userId, email: accountTokens.email });
  if (accepted) return accepted;
  throw new AccountTokenError(await problemOf(tx, hash, purpose));
}

/** Whether `token` would be accepted now, without using it: the pages ask before showing their button. */
export async function checkAccountToken(
  token: unknown,
  purpose: AccountTokenPurpose,
): Promise<{ ok: true; email: string } | { ok: false; problem: TokenProblem }> {
  const parsed = tokenSchema.safeParse(token);
  if (!parsed.success) return { ok: false, problem: "unknown" };
  const [row] = await db
    .select({
      email: accountTokens.email,
      used: sql<boolean>`${accountTokens.usedAt} is not null`,
      expired: sql<boolean>`${accountTokens.expiresAt} <= now()`,
    })
    .from(accountTokens)
    .where(and(eq(accountTokens.tokenHash, hashOf(parsed.data)), eq(accountTokens.purpose, purpose)));
  if (!row) return { ok: false, problem: "unknown" };
  if (row.used) return { ok: false, problem: "used" };
  if (row.expired) return { ok: false, problem: "expired" };
  return { ok: true, email: row.email };
}

/** Why a token was refused: a token of another purpose is as unknown as no token at all. */
async function problemOf(executor: Db | Tx, hash: string, purpose: AccountTokenPurpose): Promise<TokenProblem> {
  const [row] = await executor
    .select({ used: sql<boolean>`${accountTokens.usedAt} is not null` })
    .from(accountTokens)
    .where(and(eq(accountTokens.tokenHash, hash), eq(accountTokens.purpose, purpose)));
  if (!row) return "unknown";
  return row.used ? "used" : "expired";
}

/** Marks every unused token of this account and purpose used (a new password ends the other reset links). */
export async function spendOutstandingTokens(executor: Db | Tx, userId: string, purpose: AccountTokenPurpose): Promise<void> {
  await executor
    .update(accountTokens)
    .set({ usedAt: sql`now()` })
    .where(and(eq(accountTokens.userId, userId), eq(accountTokens.purpose, purpose), isNull(accountTokens.usedAt)));
}

/** Seconds since this account's newest token of `purpose` was made, or null when it has none. */
export async function secondsSinceLastToken(
  executor: Db | Tx,
  userId: string,
  purpose: AccountTokenPurpose,
): Promise<number | null> {
  const [row] = await executor
    .select({ age: sql<number>`extract(epoch from now() - ${accountTokens.createdAt})::float8` })
    .from(accountTokens)
    .where(and(eq(accountTokens.userId, userId), eq(accountTokens.purpose, purpose)))
    .orderBy(desc(accountTokens.createdAt))
    .limit(1);
  return row ? Number(row.age) : null;
}
