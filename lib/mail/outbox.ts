/**
 * Queueing email: a row in `email_outbox`, written with the caller's transaction (or the pool), so an email
 * exists exactly when what it reports was committed. Sending happens later, in the sweep (./send.ts).
 */
import "server-only";
import { desc, eq, sql } from "drizzle-orm";
import { db, type Db, type Tx } from "@/db/client";
import { emailOutbox, type EmailKind, type OutboxEmail } from "@/db/schema";

export type Executor = Db | Tx;

export interface EmailToQueue {
  kind: EmailKind;
  recipient: string;
  subject: string;
  text: string;
  html: string;
  /** Names the email's cause ("order:<id>"): queueing the same cause twice queues one email. */
  dedupeKey: string;
}

/** Queues one email; returns its id, or null when an email with this dedupe key is already queued. */
export async function queueEmail(executor: Executor, email: EmailToQueue): Promise<number | null> {
  const [row] = await executor
    .insert(emailOutbox)
    .values({
      kind: email.kind,
      recipient: email.recipient,
      subject: email.subject,
      textBody: email.text,
      htmlBody: email.html,
      dedupeKey: email.dedupeKey,
    })
    .onConflictDoNothing({ target: emailOutbox.dedupeKey })
    .returning({ id: emailOutbox.id });
  return row?.id ?? null;
}

export type OutboxSummary = Pick<
  OutboxEmail,
  "id" | "kind" | "recipient" | "subject" | "status" | "attempts" | "lastError" | "createdAt" | "sentAt"
>;

/** The newest emails first, for the admin's outbox page. */
export async function listOutbox(limit = 200): Promise<OutboxSummary[]> {
  return db
    .select({
      id: emailOutbox.id,
      kind: emailOutbox.kind,
      recipient: emailOutbox.recipient,
      subject: emailOutbox.subject,
      status: emailOutbox.status,
      attempts: emailOutbox.attempts,
      lastError: emailOutbox.lastError,
      createdAt: emailOutbox.createdAt,
      sentAt: emailOutbox.sentAt,
    })
    .from(emailOutbox)
    .orderBy(desc(emailOutbox.id))
    .limit(limit);
}

export async function getOutboxEmail(id: number): Promise<OutboxEmail | null> {
  const [row] = await db.select().from(emailOutbox).where(eq(emailOutbox.id, id));
  return row ?? null;
}

/** How many emails wait in each status (for the outbox page's heading). */
export async function outboxCounts(): Promise<Record<string, number>> {
  const rows = await db
    .select({ status: emailOutbox.status, count: sql<number>`count(*)::int` })
    .from(emailOutbox)
    .groupBy(emailOutbox.status);
  return Object.fromEntries(rows.map((r) => [r.status, r.count]));
}
