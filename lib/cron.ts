/**
 * The expiry job: releases holds whose time is up and drops finished rate-limit windows. The cron endpoint runs
 * it on a schedule (Vercel Cron or any other scheduler), and `npm run dev` / `npm start` also run it in-process
 * so holds visibly expire in a demo. Correctness never depends on either: every reader and writer already
 * treats a hold past its time as released.
 */
import "server-only";
import { bearerToken, sameSecret } from "./admin";
import { notifyBackInStock } from "./back-in-stock";
import { env } from "./env";
import { expireStaleHolds } from "./inventory";
import { drainOutbox, type DrainResult } from "./mail/send";
import { pruneRateLimits } from "./rate-limit";

/** True for `Authorization: Bearer <CRON_SECRET>`; with CRON_SECRET unset, nobody may run the job over HTTP. */
export function isCronRequest(request: Request): boolean {
  const token = bearerToken(request);
  if (!env.CRON_SECRET || token === null) return false;
  return sameSecret(token, env.CRON_SECRET);
}

export interface ExpiryJobResult {
  /** Holds released because their time was up. */
  expired: number;
  /** Waiting shoppers told that a product is back (queued emails). */
  notified: number;
  /** What the outbox drain did with due emails. */
  emails: DrainResult;
}

/**
 * Runs the job once: expire stale holds, tell waiting shoppers about units that came back (from any cause),
 * then send due emails — each step its own short transaction, the sending outside any. Safe to run
 * concurrently and often.
 */
export async function runExpiryJob(): Promise<ExpiryJobResult> {
  const expired = await expireStaleHolds();
  await pruneRateLimits();
  const notified = await notifyBackInStock();
  const emails = await drainOutbox();
  return { expired, notified, emails };
}

const globalForSweep = globalThis as unknown as { stockholdExpirySweep?: boolean };

/**
 * Runs the expiry job about every EXPIRY_SWEEP_SECONDS in this server process (0 turns it off). The next run
 * is scheduled only when the previous one has finished, so runs never overlap; failures are logged, and the
 * timer never keeps the process alive.
 */
export function startExpirySweep(): void {
  const seconds = env.EXPIRY_SWEEP_SECONDS;
  if (seconds === 0 || !env.DATABASE_URL || globalForSweep.stockholdExpirySweep) return;
  globalForSweep.stockholdExpirySweep = true;

  const schedule = () => setTimeout(sweep, seconds * 1000).unref();
  const sweep = async () => {
    try {
      const { expired, notified, emails } = await runExpiryJob();
      if (expired > 0) console.log(`expiry sweep: released ${expired} hold${expired === 1 ? "" : "s"} whose time was up`);
      if (notified > 0) console.log(`expiry sweep: told ${notified} waiting shopper${notified === 1 ? "" : "s"} a product is back`);
      if (emails.sent + emails.retrying + emails.failed > 0) {
        console.log(`expiry sweep: emails sent ${emails.sent}, to retry ${emails.retrying}, given up ${emails.failed}`);
      }
    } catch (error) {
      console.error("expiry sweep failed:", error instanceof Error ? error.message : error);
    } finally {
      schedule();
    }
  };
  schedule();
  console.log(`expiry sweep: every ${seconds} s (EXPIRY_SWEEP_SECONDS=0 turns it off)`);
}
