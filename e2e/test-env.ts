/**
 * What the e2e web server and the journeys agree on: where the app listens, the accounts it creates, the secrets
 * it is started with, and the short hold lifetime that lets the expiry journey finish in seconds.
 * Test-only values: nothing here protects a real shop.
 */
import { execFileSync } from "node:child_process";

/** A port nothing listens on now, found by a child process because Playwright loads its config synchronously. */
function freePort(): string {
  const script =
    "const s = require('node:net').createServer(); s.listen(0, '127.0.0.1', () => { console.log(s.address().port); s.close(); });";
  return execFileSync(process.execPath, ["-e", script], { encoding: "utf8" }).trim();
}

// Chosen once by the runner; the web server inherits it through the environment and may trade it for another if
// someone takes it first, and the journeys get the one it listens on (playwright.config.ts). A port of our own
// means a run never talks to another checkout's server (parallel runs, a dev server on 3000). Set E2E_PORT to
// pin one, e.g. to keep a server from `node --import tsx e2e/web-server.ts` running between runs.
if (!process.env.E2E_PORT) {
  process.env.E2E_PORT = freePort();
  process.env.E2E_PORT_CHOSEN = "1";
}
export const E2E_PORT = Number(process.env.E2E_PORT);
/** Whoever runs the journeys named this port: the server must listen there or fail, never on another. */
export const E2E_PORT_PINNED = process.env.E2E_PORT_CHOSEN !== "1";
export const BASE_URL = `http://127.0.0.1:${E2E_PORT}`;

export const ADMIN = { email: "admin@e2e.test", password: "admin-e2e-password" } as const;
export const SHOPPER = { email: "shopper@e2e.test", password: "shopper-e2e-password", name: "E2E Shopper" } as const;

export const AUTH_SECRET = "e2e-auth-secret-0123456789abcdef0123456789abcdef";
export const CRON_SECRET = "e2e-cron-secret";
export const ADMIN_API_TOKEN = "e2e-admin-api-token";

/** Inactivity lifetime of a hold: long enough for any journey to act, short enough to watch one expire. */
export const RESERVATION_TTL_SECONDS = 15;
export const RESERVATION_MAX_SECONDS = 60;

export const CARDS = {
  ok: "4242424242424242",
  declined: "4000000000000002",
  insufficientFunds: "4000000000009995",
  asyncOk: "4000000000003220",
  /** Authorized, but its first capture fails (the order is placed; the capture is left to a retry). */
  captureFailsOnce: "4000000000000341",
} as const;
