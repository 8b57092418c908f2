/**
 * Runs once when a Next.js server starts. In the Node.js runtime of `npm run dev` / `npm start` it starts the
 * in-process expiry sweep (lib/cron.ts), the test payment provider's webhook delivery, and ties the server's
 * life to its supervisor (db/supervised.ts).
 * `next build` also loads this file to prerender; it must not touch the database then, hence the build-phase
 * check before anything is imported.
 */
export async function register() {
  if (process.env.NEXT_RUNTIME === "nodejs" && process.env.NEXT_PHASE !== "phase-production-build") {
    const { exitWithSupervisor } = await import("./db/supervised");
    exitWithSupervisor();
    const { startExpirySweep } = await import("./lib/cron");
    startExpirySweep();
    if ((process.env.PAYMENT_PROVIDER ?? "test") === "test") {
      // The built-in test provider delivers its webhooks from here, as a remote provider would.
      const { startWebhookDelivery } = await import("./lib/payments/test-provider");
      startWebhookDelivery();
    }
  }
}
