/**
 * The expiry job: releases holds whose time is up and drops finished rate-limit windows. The cron endpoint runs
 * it on a schedule (Vercel Cron or any other scheduler), and `npm run dev` / `npm start` also run it in-process
 * so holds visibly expire in a demo. Correctness never depends on either: every reader and writer already
 * treats a hold past its time as released.
 */
import "server-only";
import { bearerToken, sameSecret } from "./admin";
import { env } from "./env";
import { pruneHoldOutcomeCounts } from "./hold-outcome-counts";
import { expireStaleHolds } from "./inventory";
import { errorFields, log } from "./log";
import { recoverPayments } from "./payments/recovery";
import { pruneRateLimits } from "./rate-limit";

/** True for `Authorization: Bearer <CRON_SECRET>`; with CRON_SECRET unset, nobody may run the job over HTTP. */
export function isCronRequest(request: Request): boolean {
  const token = bearerToken(request);
  if (!env.CRON_SECRET || token === null) return false;
  return sameSecret(token, env.CRON_SECRET);
}

/**
 * Runs the expiry job once: expires stale holds, settles payments whose answer was lost (asking the provider),
 * and drops finished rate-limit windows. Returns how many of each. Safe to run concurrently and often.
 */
export async function runExpiryJob(): Promise<{ expired: number; paymentsSettled: number }> {
  const expired = await expireStaleHolds();
  const paymentsSettled = await recoverPayments();
  await pruneRateLimits();
  await pruneHoldOutcomeCounts();
  return { expired, paymentsSettled };
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
      const { expired, paymentsSettled } = await runExpiryJob();
      if (expired > 0) {
        log.info(
          { event: "expiry_sweep", expired },
          `expiry sweep: released ${expired} hold${expired === 1 ? "" : "s"} whose time was up`,
        );
      }
      if (paymentsSettled > 0) {
        log.info(
          { event: "payment_recovery", paymentsSettled },
          `expiry sweep: settled ${paymentsSettled} payment${paymentsSettled === 1 ? "" : "s"} with the provider`,
        );
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
