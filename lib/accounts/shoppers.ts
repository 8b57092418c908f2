/** People who shop: accounts (shoppers and admins) and guests. Passwords are stored as bcrypt hashes. */
import "server-only";
import { createHash } from "node:crypto";
import bcrypt from "bcryptjs";
import { and, eq, gt, ne, notExists, sql } from "drizzle-orm";
import { db, type Db, type Tx } from "@/db/client";
import { accountTokens, users } from "@/db/schema";
import { env } from "../platform/env";
import { DomainError } from "../platform/errors";
import { consumeRateLimit } from "../platform/rate-limit";

export interface Shopper {
  id: string;
  kind: "guest" | "shopper" | "admin";
  email: string | null;
  name: string | null;
}

const PASSWORD_COST = 10;
// Compared against when no account matches, so an unknown email takes as long as a wrong password.
const DUMMY_HASH = bcrypt.hashSync("stockhold-no-such-account", PASSWORD_COST);

const shopperFields = { id: users.id, kind: users.kind, email: users.email, name: users.name };

export async function createGuest(): Promise<Shopper> {
  const [guest] = await db.insert(users).values({ kind: "guest" }).returning();
  return toShopper(guest!);
}

export async function findShopper(id: string): Promise<Shopper | null> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return null;
  const [shopper] = await db.select(shopperFields).from(users).where(eq(users.id, id));
  return shopper ?? null;
}

/** The bcrypt hash of a new password (sign-up, a password reset). */
export const hashPassword = (password: string) => bcrypt.hash(password, PASSWORD_COST);

/**
 * A new account. A shopper's email is only claimed until the link sent to it is opened (lib/accounts); an
 * admin's address is the operator's word, so it counts as proven at once.
 */
/**
 * The account a session names, or null: a guest id, a deleted account, or a session signed in before the
 * account's password was last reset (a reset ends every earlier session, so whoever knew the old password is
 * out). `signedInAt` is the database's clock at sign-in, in seconds; sessions without it count as very old.
 */
export async function findAccountForSession(id: string, signedInAt: number | undefined): Promise<Shopper | null> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return null;
  const resetSince = db
    .select({ one: sql`1` })
    .from(accountTokens)
    .where(
      and(
        eq(accountTokens.userId, users.id),
        eq(accountTokens.purpose, "reset_password"),
        gt(accountTokens.usedAt, sql`to_timestamp(${signedInAt ?? 0}::float8)`),
      ),
    );
  const [account] = await db
    .select(shopperFields)
    .from(users)
    .where(and(eq(users.id, id), ne(users.kind, "guest"), notExists(resetSince)));
  return account ?? null;
}

export async function createAccount(
  input: { email: string; password: string; name?: string | null; kind?: "shopper" | "admin" },
  executor: Db | Tx = db,
): Promise<Shopper> {
  const passwordHash = await hashPassword(input.password);
  const kind = input.kind ?? "shopper";
  const [row] = await executor
    .insert(users)
    .values({
      kind,
      email: input.email.trim().toLowerCase(),
      name: input.name ?? null,
      passwordHash,
      emailVerifiedAt: kind === "admin" ? sql`now()` : null,
    })
    .onConflictDoNothing()
    .returning();
  if (!row) throw new DomainError("conflict", "An account with this email already exists. Try signing in.");
  return toShopper(row);
}

/**
 * Counts one sign-in attempt against the address it comes from and the account it names; throws 429
 * `rate_limited` past either limit. Unknown emails are counted like known ones, so the limit reveals nothing.
 * Runs before any password check, so guessing costs the attacker a slot without costing us a bcrypt.
 */
export async function limitSignInAttempts(email: string, ip: string): Promise<void> {
  await consumeRateLimit(`signin:ip:${ip}`, env.RATE_LIMIT_SIGNINS_PER_IP_PER_MINUTE, "sign-in attempts from your address");
  // Hashed, so the counters table holds no email addresses.
  const account = createHash("sha256").update(email.trim().toLowerCase()).digest("base64url");
  await consumeRateLimit(`signin:account:${account}`, env.RATE_LIMIT_SIGNINS_PER_ACCOUNT_PER_MINUTE, "sign-in attempts for this account");
}

/**
 * Returns the account for these credentials (and whether its email is proven), or null. Same work whether or
 * not the email exists.
 */
export async function verifyCredentials(
  email: string,
  password: string,
): Promise<(Shopper & { emailVerified: boolean; signedInAt: number }) | null> {
  const [row] = await db
    .select({
      ...shopperFields,
      passwordHash: users.passwordHash,
      emailVerified: sql<boolean>`${users.emailVerifiedAt} is not null`,
      // The database's clock, in seconds: the session remembers when it began (see findAccountForSession).
      now: sql<number>`extract(epoch from now())::float8`,
    })
    .from(users)
    .where(and(sql`lower(${users.email}) = lower(${email.trim()})`, ne(users.kind, "guest")));
  const matches = await bcrypt.compare(password, row?.passwordHash ?? DUMMY_HASH);
  if (!row || !matches) return null;
  return { ...toShopper(row), emailVerified: row.emailVerified, signedInAt: Number(row.now) };
}

function toShopper(row: Shopper): Shopper {
  return { id: row.id, kind: row.kind, email: row.email, name: row.name };
}
