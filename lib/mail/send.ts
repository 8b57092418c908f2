/**
 * Draining the outbox, run by the expiry sweep (lib/cron.ts), never by a request. Each pass claims a few due
 * emails in one short statement (`FOR UPDATE SKIP LOCKED`, so concurrent sweeps on several servers never claim
 * the same one), sends them with no transaction open, then marks each sent or schedules a retry with backoff.
 * A claim lapses after CLAIM_SECONDS, so an email whose sender died mid-send is tried again.
 */
import "server-only";
import { and, eq, inArray, lte, sql } from "drizzle-orm";
import { db } from "@/db/client";
import { emailOutbox, type OutboxEmail } from "@/db/schema";
import { configuredTransport, type MailTransport } from "./transport";

/** After this many failed attempts an email is given up (status failed, last_error kept for the admin). */
export const MAX_ATTEMPTS = 8;
const CLAIM_SECONDS = 300;
const FIRST_RETRY_SECONDS = 30;
const LONGEST_RETRY_SECONDS = 3600;

/** Seconds before attempt `attempts + 1`: 30 s, 1 min, 2 min, … at most an hour. */
export const retryDelaySeconds = (attempts: number) =>
  Math.min(LONGEST_RETRY_SECONDS, FIRST_RETRY_SECONDS * 2 ** Math.max(0, attempts - 1));

export interface DrainResult {
  sent: number;
  retrying: number;
  failed: number;
  /** Demo mode (no SMTP_URL): emails marked as kept in the outbox instead of sent. */
  kept: number;
}

/** Claims up to `limit` due emails (pending, or claimed by a sender whose claim lapsed). */
async function claimDueEmails(limit: number): Promise<OutboxEmail[]> {
  const due = db
    .select({ id: emailOutbox.id })
    .from(emailOutbox)
    .where(and(inArray(emailOutbox.status, ["pending", "sending"]), lte(emailOutbox.nextAttemptAt, sql`now()`)))
    .orderBy(emailOutbox.nextAttemptAt, emailOutbox.id)
    .limit(limit)
    .for("update", { skipLocked: true });
  return db
    .update(emailOutbox)
    .set({
      status: "sending",
      attempts: sql`${emailOutbox.attempts} + 1`,
      nextAttemptAt: sql`now() + make_interval(secs => ${CLAIM_SECONDS})`,
    })
    .where(inArray(emailOutbox.id, due))
    .returning();
}

/** Only the claim that sent it may settle it: a lapsed claim taken over by another sweep has a higher attempt. */
const ourClaim = (email: OutboxEmail) =>
  and(eq(emailOutbox.id, email.id), eq(emailOutbox.status, "sending"), eq(emailOutbox.attempts, email.attempts));

/** Emails whose link signs someone in or proves their address: nobody but the recipient may read it. */
const carriesAccountLink = new Set<OutboxEmail["kind"]>(["verify_email", "reset_password"]);
const LINK_REMOVED = "(Sent. The link in this email is the recipient's alone and is not kept here.)";

async function markSent(email: OutboxEmail): Promise<void> {
  // Once delivered, a verification or reset link leaves the outbox: whoever reads /admin/outbox or the table
  // could otherwise take over the account while the link is live. (Without SMTP the demo keeps it to be read.)
  const redacted = carriesAccountLink.has(email.kind) ? { textBody: LINK_REMOVED, htmlBody: `<p>${LINK_REMOVED}</p>` } : {};
  await db.update(emailOutbox).set({ status: "sent", sentAt: sql`now()`, lastError: null, ...redacted }).where(ourClaim(email));
}

async function scheduleRetry(email: OutboxEmail, error: unknown): Promise<"retrying" | "failed"> {
  const giveUp = email.attempts >= MAX_ATTEMPTS;
  const message = (error instanceof Error ? error.message : String(error)).slice(0, 500);
  await db
    .update(emailOutbox)
    .set({
      status: giveUp ? "failed" : "pending",
      nextAttemptAt: sql`now() + make_interval(secs => ${retryDelaySeconds(email.attempts)})`,
      lastError: message,
    })
    .where(ourClaim(email));
  return giveUp ? "failed" : "retrying";
}

/**
 * Sends what is due through `transport` (default: SMTP_URL's). Without a transport (demo mode) pending emails
 * are marked kept: they stay readable at /admin/outbox and nothing leaves the machine.
 */
export async function drainOutbox(
  options: { transport?: MailTransport | null; batchSize?: number; maxBatches?: number } = {},
): Promise<DrainResult> {
  const transport = options.transport === undefined ? configuredTransport() : options.transport;
  const result: DrainResult = { sent: 0, retrying: 0, failed: 0, kept: 0 };
  if (!transport) {
    const kept = await db
      .update(emailOutbox)
      .set({ status: "kept", lastError: null })
      .where(eq(emailOutbox.status, "pending"))
      .returning({ id: emailOutbox.id });
    result.kept = kept.length;
    return result;
  }
  const batchSize = options.batchSize ?? 20;
  for (let batch = 0; batch < (options.maxBatches ?? 10); batch += 1) {
    const claimed = await claimDueEmails(batchSize);
    for (const email of claimed) {
      try {
        await transport.send({
          to: email.recipient,
          subject: email.subject,
          text: email.textBody,
          html: email.htmlBody,
          messageId: `<outbox-${email.id}.${email.dedupeKey.replace(/[^A-Za-z0-9.-]/g, "-")}@stockhold>`,
        });
        await markSent(email);
        result.sent += 1;
      } catch (error) {
        result[await scheduleRetry(email, error)] += 1;
      }
    }
    if (claimed.length < batchSize) break;
  }
  return result;
}
