/**
 * The account tokens behind verification and reset links, against the database: only a hash is stored, a token
 * is accepted once even when two requests race with it, an expired or other-purpose token is refused (and
 * stays unused), guest orders join only an account whose email is proven, and "Forgot password" is limited
 * per address and per IP alike for known and unknown emails.
 */
import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { db, pool } from "@/db/client";
import { requestPasswordReset, resetPassword, verifyEmail } from "@/lib/accounts";
import { issueAccountToken } from "@/lib/accounts/tokens";
import { env } from "@/lib/platform/env";
import { claimGuestOrders } from "@/lib/orders";
import { createAccount } from "@/lib/accounts/shoppers";
import { upsertAdmin } from "@/db/seed";
import { expectDomainError, makeProduct, sellUnits } from "../support/fixtures";

afterAll(async () => {
  await pool.end();
});

async function account() {
  const email = `tokens-${randomUUID().slice(0, 8)}@example.test`;
  const created = await createAccount({ email, password: `pw-${randomUUID()}` });
  return { ...created, email };
}

const issue = (userId: string, email: string, purpose: "verify_email" | "reset_password", lifetimeSeconds = 600) =>
  issueAccountToken(db, { userId, purpose, email, lifetimeSeconds });

async function verifiedAt(userId: string): Promise<string | null> {
  const [row] = await db.execute<{ at: string | null }>(sql`select email_verified_at::text as at from users where id = ${userId}`);
  return row!.at;
}

/** A guest order placed with `email` (the guest's checkout email set to it). */
async function guestOrderWith(email: string) {
  const product = await makeProduct(2);
  const { order } = await sellUnits(product.id, 1);
  await db.execute(sql`update orders set email = ${email} where id = ${order.id}`);
  return order.id;
}

async function ownerOf(orderId: string): Promise<string> {
  const [row] = await db.execute<{ shopper_id: string }>(sql`select shopper_id from orders where id = ${orderId}`);
  return row!.shopper_id;
}

describe("account tokens", () => {
  it("stores only the token's hash", async () => {
    const owner = await account();
    const { token } = await issue(owner.id, owner.email, "verify_email");
    const [row] = await db.execute<{ n: number }>(sql`
      select count(*)::int as n from account_tokens where token_hash = ${token} or token_hash like ${`%${token.slice(0, 12)}%`}`);
    expect(row!.n).toBe(0);
  });

  it("accepts a token once, even when two uses race", async () => {
    const owner = await account();
    const { token } = await issue(owner.id, owner.email, "verify_email");
    const outcomes = await Promise.allSettled([verifyEmail(token), verifyEmail(token), verifyEmail(token)]);
    expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(1);
    for (const refused of outcomes.filter((o) => o.status === "rejected")) {
      expect((refused as PromiseRejectedResult).reason).toMatchObject({ code: "invalid_request", details: { problem: "used" } });
    }
    expect(await verifiedAt(owner.id)).not.toBeNull();
  });

  it("refuses an expired token and a token of another purpose, and leaves them unused", async () => {
    const owner = await account();
    const expired = await issue(owner.id, owner.email, "verify_email", 600);
    await db.execute(sql`update account_tokens set expires_at = now() - interval '1 second' where id = ${expired.id}`);
    const error = await expectDomainError(verifyEmail(expired.token), "invalid_request");
    expect(error.details).toEqual({ problem: "expired" });

    const reset = await issue(owner.id, owner.email, "reset_password");
    expect((await expectDomainError(verifyEmail(reset.token), "invalid_request")).details).toEqual({ problem: "unknown" });
    expect((await expectDomainError(verifyEmail("not-a-token"), "invalid_request")).details).toEqual({ problem: "unknown" });
    expect(await verifiedAt(owner.id)).toBeNull();
    // The reset token was not spent by the refused verification: it still sets a password.
    await expect(resetPassword({ token: reset.token, password: "a brand new password" })).resolves.toMatchObject({ email: owner.email });
  });

  it("proves only the address the link was sent to", async () => {
    const owner = await account();
    const { token } = await issue(owner.id, `someone-else-${randomUUID().slice(0, 6)}@example.test`, "verify_email");
    expect((await expectDomainError(verifyEmail(token), "invalid_request")).details).toEqual({ problem: "unknown" });
    expect(await verifiedAt(owner.id)).toBeNull();
  });
});

describe("guest orders join only a proven address", () => {
  it("claimGuestOrders moves nothing for an unverified account, and the guest orders of its email once verified", async () => {
    const owner = await account();
    const orderId = await guestOrderWith(owner.email.toUpperCase());
    const guestId = await ownerOf(orderId);
    expect(await claimGuestOrders(db, owner.id)).toBe(0);
    expect(await ownerOf(orderId)).toBe(guestId);

    const { token } = await issue(owner.id, owner.email, "verify_email");
    expect(await verifyEmail(token)).toMatchObject({ accountId: owner.id, claimedOrders: 1 });
    expect(await ownerOf(orderId)).toBe(owner.id);
  });
});

/** Limits count in one-minute windows of the database clock: start a count well inside one. */
async function awayFromWindowEdge(needSeconds = 8): Promise<void> {
  const [row] = await db.execute<{ second: number }>(sql`select extract(second from clock_timestamp())::float8 as second`);
  const left = 60 - Number(row!.second);
  if (left < needSeconds) await new Promise((resolve) => setTimeout(resolve, left * 1000 + 250));
}

describe("forgot password limits", () => {
  it("limits requests per email address, known or not, whichever addresses they come from", async () => {
    const limit = env.RATE_LIMIT_PASSWORD_RESETS_PER_MINUTE;
    expect(limit).toBeGreaterThan(0);
    const known = await account();
    const unknown = `nobody-${randomUUID().slice(0, 8)}@example.test`;
    await awayFromWindowEdge();
    for (const email of [known.email, unknown]) {
      for (let i = 0; i < limit; i += 1) await requestPasswordReset({ email, ip: `10.9.${i}.${Math.floor(Math.random() * 250)}` });
      const error = await expectDomainError(requestPasswordReset({ email, ip: "10.9.250.1" }), "rate_limited");
      expect(error.message).toMatch(/for this address/);
    }
    const [row] = await db.execute<{ n: number }>(sql`
      select count(*)::int as n from email_outbox where kind = 'reset_password' and recipient = ${known.email}`);
    expect(row!.n).toBe(limit);
  });

  it("limits requests per IP address, whichever emails they name", async () => {
    const limit = env.RATE_LIMIT_PASSWORD_RESETS_PER_MINUTE;
    const ip = `10.8.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`;
    await awayFromWindowEdge();
    for (let i = 0; i < limit; i += 1) await requestPasswordReset({ email: `any-${randomUUID().slice(0, 8)}@example.test`, ip });
    const error = await expectDomainError(requestPasswordReset({ email: `more-${randomUUID().slice(0, 8)}@example.test`, ip }), "rate_limited");
    expect(error.message).toMatch(/from your address/);
  });
});

describe("admin accounts", () => {
  it("the admin named by ADMIN_EMAIL counts as verified, whether created or promoted from a shopper", async () => {
    const fresh = `admin-${randomUUID().slice(0, 8)}@example.test`;
    await upsertAdmin(process.env.DATABASE_URL!, fresh, "admin password 1");
    const promoted = await account();
    expect(await verifiedAt(promoted.id)).toBeNull();
    await upsertAdmin(process.env.DATABASE_URL!, promoted.email, "admin password 2");
    const rows = await db.execute<{ email: string; kind: string; verified: boolean }>(sql`
      select email, kind, email_verified_at is not null as verified from users where email in (${fresh}, ${promoted.email})
      order by email`);
    expect(rows.map((r) => [r.kind, r.verified])).toEqual([
      ["admin", true],
      ["admin", true],
    ]);
    const made = await createAccount({ email: `made-${randomUUID().slice(0, 8)}@example.test`, password: "pw-admin-made", kind: "admin" });
    expect(await verifiedAt(made.id)).not.toBeNull();
  });
});
