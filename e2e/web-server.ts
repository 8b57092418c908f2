/**
 * The app under test for Playwright (`node --import tsx e2e/web-server.ts`, started by playwright.config.ts):
 * the production build (`next start`) on a fresh embedded PostgreSQL in a new temporary directory, migrated and
 * seeded, with a short hold lifetime. On SIGTERM/SIGINT it stops Next.js, then PostgreSQL, then removes the
 * directory, so every run starts from the same known state.
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import bcrypt from "bcryptjs";
import postgres from "postgres";
import { freePort, isAlive, startEmbeddedPostgres, type EmbeddedDatabase } from "../db/embedded";
import { runMigrations } from "../db/migrate";
import { seedDemoCatalogue, upsertAdmin } from "../db/seed";
import { ensureBuild, nextBin } from "../tests/support/build";
import {
  ADMIN,
  ADMIN_API_TOKEN,
  AUTH_SECRET,
  BASE_URL,
  CRON_SECRET,
  E2E_PORT,
  RESERVATION_MAX_SECONDS,
  RESERVATION_TTL_SECONDS,
  SHOPPER,
} from "./test-env";

const log = (line: string) => console.log(`[e2e server] ${line}`);
/** Well inside playwright.config.ts's gracefulShutdown timeout, so PostgreSQL and the directory are still cleaned up. */
const NEXT_STOP_GRACE_MS = 5_000;
const TEMP_PREFIX = "stockhold-e2e-";

async function createShopperAccount(databaseUrl: string): Promise<void> {
  const passwordHash = await bcrypt.hash(SHOPPER.password, 10);
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    // Its address counts as proven, as if the link had been opened (the verification journey signs up anew).
    await sql`insert into users (kind, email, name, password_hash, email_verified_at)
              values ('shopper', ${SHOPPER.email}, ${SHOPPER.name}, ${passwordHash}, now())`;
  } finally {
    await sql.end();
  }
}

/** The pid of the PostgreSQL server running on this data directory, if one is. */
function runningPostmaster(dataDir: string): number | null {
  const pidFile = path.join(dataDir, "postmaster.pid");
  if (!fs.existsSync(pidFile)) return null;
  const pid = Number.parseInt(fs.readFileSync(pidFile, "utf8").split("\n")[0] ?? "", 10);
  return Number.isInteger(pid) && isAlive(pid) ? pid : null;
}

/**
 * Playwright signals the whole process group, so PostgreSQL may already be shutting down on its own; then
 * `stop()` would wait forever for an exit event it has missed. Watch the postmaster's pid as well.
 */
async function stopPostgres(database: EmbeddedDatabase, dataDir: string): Promise<void> {
  const pid = runningPostmaster(dataDir);
  const gone = new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      if (pid === null || !isAlive(pid)) {
        clearInterval(timer);
        resolve();
      }
    }, 50);
  });
  await Promise.race([database.stop(), gone]);
}

/**
 * A run that was killed outright (SIGKILL, a CI timeout) leaves its directory behind. Remove those whose
 * PostgreSQL is gone; a young directory may belong to a run that is still starting, so it is left alone.
 */
function removeAbandonedRuns(): void {
  for (const name of fs.readdirSync(os.tmpdir())) {
    if (!name.startsWith(TEMP_PREFIX)) continue;
    const dir = path.join(os.tmpdir(), name);
    try {
      if (Date.now() - fs.statSync(dir).mtimeMs < 10 * 60_000) continue;
      if (runningPostmaster(path.join(dir, "data")) !== null) continue;
      fs.rmSync(dir, { recursive: true, force: true });
    } catch {
      // Another run is tidying up the same directory: not ours to worry about.
    }
  }
}

async function main(): Promise<void> {
  // `npm test` builds right before the journeys; a bare `npx playwright test` builds here when it must.
  ensureBuild(log);
  removeAbandonedRuns();

  const tempDir = fs.mkdtempSync(path.join(os.tmpdir(), TEMP_PREFIX));
  // PostgreSQL runs as the `postgres` OS user when we are root: it must be able to enter the directory.
  fs.chmodSync(tempDir, 0o755);
  const dataDir = path.join(tempDir, "data");
  let database: EmbeddedDatabase | undefined;
  let app: ChildProcess | undefined;

  // Last resort if this process ends any other way than through cleanUp (an uncaught error, process.exit).
  process.on("exit", () => fs.rmSync(tempDir, { recursive: true, force: true }));

  let cleaning: Promise<void> | undefined;
  const cleanUp = () =>
    (cleaning ??= (async () => {
      if (database) await stopPostgres(database, dataDir).catch((error: unknown) => log(`stopping PostgreSQL: ${String(error)}`));
      try {
        fs.rmSync(tempDir, { recursive: true, force: true, maxRetries: 5 });
      } catch (error) {
        log(`could not remove ${tempDir}: ${String(error)}`);
      }
    })());

  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    const running = app;
    if (running && running.exitCode === null && running.signalCode === null) {
      running.kill(signal);
      // Next.js waits for requests in flight; one stuck on the database (which got the signal too) must not
      // hold up the cleanup until Playwright gives up and kills everything.
      setTimeout(() => {
        if (running.exitCode !== null || running.signalCode !== null) return;
        log(`next start did not stop within ${NEXT_STOP_GRACE_MS / 1000} s: killing it`);
        running.kill("SIGKILL");
      }, NEXT_STOP_GRACE_MS).unref();
    } else {
      void cleanUp().then(() => process.exit(0));
    }
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));

  try {
    // Both ports come from the same pool of free ones: keep PostgreSQL off the one the app is about to take.
    let databasePort = await freePort();
    while (databasePort === E2E_PORT) databasePort = await freePort();
    database = await startEmbeddedPostgres({
      dataDir,
      port: databasePort,
      // A throwaway cluster: durability buys nothing here.
      settings: { fsync: "off", synchronous_commit: "off", full_page_writes: "off" },
    });
    await database.createDatabase("stockhold_e2e");
    const url = database.urlFor("stockhold_e2e");
    await runMigrations(url);
    await seedDemoCatalogue(url);
    await upsertAdmin(url, ADMIN.email, ADMIN.password);
    await createShopperAccount(url);
    if (stopping) return void (await cleanUp());

    app = spawn(process.execPath, [nextBin, "start", "--port", String(E2E_PORT), "--hostname", "127.0.0.1"], {
      stdio: "inherit",
      env: {
        ...process.env,
        NODE_ENV: "production",
        DATABASE_URL: url,
        AUTH_SECRET,
        AUTH_TRUST_HOST: "true",
        NEXT_TELEMETRY_DISABLED: "1",
        // Should this process be killed outright, the server stops by itself (db/supervised.ts).
        STOCKHOLD_SUPERVISOR_PID: String(process.pid),
        CRON_SECRET,
        ADMIN_API_TOKEN,
        // Links in emails (order confirmation, back in stock) point at this server, and the test payment
        // provider sends its webhooks here; its asynchronous cards confirm after a second.
        SHOP_URL: BASE_URL,
        PORT: String(E2E_PORT),
        PAYMENT_TEST_WEBHOOK_DELAY_MS: "1000",
        RESERVATION_TTL_SECONDS: String(RESERVATION_TTL_SECONDS),
        RESERVATION_MAX_SECONDS: String(RESERVATION_MAX_SECONDS),
        // Holds must end by themselves, not because a sweep happened to run.
        EXPIRY_SWEEP_SECONDS: "0",
        RATE_LIMIT_CHECKOUTS_PER_MINUTE: "0",
        RATE_LIMIT_REQUESTS_PER_IP_PER_MINUTE: "0",
        RATE_LIMIT_SIGNINS_PER_ACCOUNT_PER_MINUTE: "0",
        RATE_LIMIT_SIGNINS_PER_IP_PER_MINUTE: "0",
        // Every journey's browser comes from 127.0.0.1.
        RATE_LIMIT_CHECKOUTS_PER_IP_PER_HOUR: "0",
        RATE_LIMIT_UNITS_PER_IP_PER_PRODUCT_PER_HOUR: "0",
        // One JSON line per request would drown the test report; warnings and errors still show.
        LOG_LEVEL: process.env.LOG_LEVEL ?? "warn",
      },
    });
    log(`next start on port ${E2E_PORT}, database in ${tempDir}`);
    app.on("exit", (code, signal) => {
      if (!stopping) log(`next start exited unexpectedly (${signal ?? code})`);
      void cleanUp().then(() => process.exit(stopping ? 0 : (code ?? 1)));
    });
  } catch (error) {
    await cleanUp();
    throw error;
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
