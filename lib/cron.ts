/**
 * The expiry job: releases holds whose time is up, settles payments whose answer was lost, tells waiting
 * shoppers about products that are back, sends due emails and drops finished rate-limit windows. The cron endpoint runs
 * it on a schedule (Vercel Cron or any other scheduler), and `npm run dev` / `npm start` also run it in-process
 * so holds visibly expire in a demo. Correctness never depends on either: every reader and writer already
 * treats a hold past its time as released.
 */
import "server-only";
import { bearerToken, sameSecret } from "./admin/access";
import { notifyBackInStock } from "./catalog/back-in-stock";
import { env } from "./platform/env";
import { pruneHoldOutcomeCounts } from "./inventory/hold-outcome-counts";
import { expireStaleHolds, sweepLine } from "./inventory";
import { errorFields, log } from "./platform/log";
import { queueMissingOrderConfirmations } from "./mail";
import { drainOutbox, type DrainResult } from "./mail/send";
import { recoverPayments } from "./payments/recovery";
import { pruneRateLimits } from "./platform/rate-limit";

/** True for `Authorization: Bearer <CRON_SECRET>`; with CRON_SECRET unset, nobody may run the job over HTTP. */
export function isCronRequest(request: Request): boolean {
  const token = bearerToken(request);
  if (!env.CRON_SECRET || token === null) return false;
  return sameSecret(token, env.CRON_SECRET);
}

export interface ExpiryJobResult {
  /** Holds released because their time was up. */
  expired: number;
  /** Payments whose answer was lost, settled by asking the provider. */
  paymentsSettled: number;
  /** Waiting shoppers told that a product is back (queued emails). */
  notified: number;
  /** What the outbox drain did with due emails. */
  emails: DrainResult;
}

/**
 * Runs the job once: expire stale holds, settle payments whose answer was lost (asking the provider), tell
 * waiting shoppers about units that came back (from any cause), then send due emails — each step its own short
 * transaction, the sending outside any. Safe to run concurrently and often.
 */
export async function runExpiryJob(): Promise<ExpiryJobResult> {
  const expired = (await sweepLine()).expired + (await expireStaleHolds());
  const paymentsSettled = await recoverPayments();
  await pruneRateLimits();
  await pruneHoldOutcomeCounts();
  const notified = await notifyBackInStock();
  await queueMissingOrderConfirmations();
  const emails = await drainOutbox();
  return { expired, paymentsSettled, notified, emails };
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
      const { expired, paymentsSettled, notified, emails } = await runExpiryJob();
      const said = (event: string, message: string, fields: Record<string, unknown>) => log.info({ event, ...fields }, message);
      if (expired > 0) said("expiry_sweep", `expiry sweep: released ${expired} hold${expired === 1 ? "" : "s"} whose time was up`, { expired });
      if (paymentsSettled > 0) {
        said("payment_recovery", `expiry sweep: settled ${paymentsSettled} payment${paymentsSettled === 1 ? "" : "s"} with the provider`, { paymentsSettled });
      }
      if (notified > 0) said("back_in_stock", `expiry sweep: told ${notified} waiting shopper${notified === 1 ? "" : "s"} a product is back`, { notified });
      if (emails.sent + emails.retrying + emails.failed > 0) {
        said("email_drain", `expiry sweep: emails sent ${emails.sent}, to retry ${emails.retrying}, given up ${emails.failed}`, { ...emails });
      }
    } catch (error) {
      log.error({ event: "expiry_sweep_failed", ...errorFields(error) }, "expiry sweep failed");
    } finally {
      schedule();
    }
  };
  schedule();
  log.info({ event: "expiry_sweep_started", seconds }, `expiry sweep: every ${seconds} s (EXPIRY_SWEEP_SECONDS=0 turns it off)`);
}

/** The line's sweep never runs more often than this. */
const LINE_SWEEP_MIN_MS = 50;

const globalForLine = globalThis as unknown as { stockholdLineSweep?: boolean };

/**
 * Runs the line's sweep (lib/inventory/line/sweep.ts) about every LINE_SWEEP_SECONDS in this server process (0
 * turns it off): a hold lapsing on a variant that shoppers wait for reaches the next in line within seconds, with
 * no other traffic. It reads one index when no one waits. The cron job runs it too.
 */
export function startLineSweep(): void {
  const seconds = env.LINE_SWEEP_SECONDS;
  if (seconds === 0 || !env.DATABASE_URL || globalForLine.stockholdLineSweep) return;
  globalForLine.stockholdLineSweep = true;
  // Wakes every `seconds`, or just after the next hold waited for lapses if that is sooner (a lapse then reaches
  // the next in line within a few tens of milliseconds).
  const schedule = (inMs = seconds * 1000) => setTimeout(sweep, Math.min(seconds * 1000, Math.max(LINE_SWEEP_MIN_MS, inMs))).unref();
  const sweep = async () => {
    let next: number | null = null;
    try {
      const { expired, offered, nextLapseInMs } = await sweepLine();
      next = nextLapseInMs === null ? null : nextLapseInMs + LINE_SWEEP_MIN_MS;
      if (expired + offered > 0) log.info({ event: "line_sweep", expired, offered }, `line sweep: ${expired} lapsed, ${offered} offered`);
    } catch (error) {
      log.error({ event: "line_sweep_failed", ...errorFields(error) }, "line sweep failed");
    } finally {
      schedule(next ?? undefined);
    }
  };
  schedule();
}
