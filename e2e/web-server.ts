/**
 * The app under test for Playwright (`node --import tsx e2e/web-server.ts`, started by playwright.config.ts):
 * the production build (`next start`) on a fresh embedded PostgreSQL in a new temporary directory, migrated and
 * seeded, with a short hold lifetime. On SIGTERM/SIGINT it stops Next.js, then PostgreSQL, then removes the
 * directory, so every run starts from the same known state.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import bcrypt from "bcryptjs";
import postgres from "postgres";
import { freePort, isAlive, type EmbeddedDatabase } from "../db/embedded";
import { runMigrations } from "../db/migrate";
import { seedDemoCatalogue, upsertAdmin } from "../db/seed";
import { ensureBuild, nextBin } from "../tests/support/build";
import { startEmbeddedPostgresOnFreePort } from "../tests/support/embedded-on-free-port";
import {
  ADMIN,
  ADMIN_API_TOKEN,
  AUTH_SECRET,
  CRON_SECRET,
  E2E_PORT,
  E2E_PORT_PINNED,
  RESERVATION_MAX_SECONDS,
  RESERVATION_TTL_SECONDS,
  SHOPPER,
} from "./test-env";

const log = (line: string) => console.log(`[e2e server] ${line}`);
/** Well inside playwright.config.ts's gracefulShutdown timeout, so PostgreSQL and the directory are still cleaned up. */
const NEXT_STOP_GRACE_MS = 5_000;
const TEMP_PREFIX = "stockhold-e2e-";
/** Within playwright.config.ts's webServer timeout, which also covers a build and the database's start. */
const NEXT_READY_WITHIN_MS = 60_000;

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

/**
 * Starts `next start` on this port and waits until it answers its health check as itself. Its output is passed
 * through (Playwright shows it) and watched for a lost port.
 */
async function startNext(
  port: number,
  databaseUrl: string,
  spawned: (child: ChildProcess) => void,
): Promise<"ready" | "port taken" | "exited" | "not ready in time"> {
  const instance = randomUUID();
  const baseUrl = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [nextBin, "start", "--port", String(port), "--hostname", "127.0.0.1"], {
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      NODE_ENV: "production",
      DATABASE_URL: databaseUrl,
      AUTH_SECRET,
      AUTH_TRUST_HOST: "true",
      NEXT_TELEMETRY_DISABLED: "1",
      // Should this process be killed outright, the server stops by itself (db/supervised.ts).
      STOCKHOLD_SUPERVISOR_PID: String(process.pid),
      STOCKHOLD_INSTANCE_ID: instance,
      CRON_SECRET,
      ADMIN_API_TOKEN,
      // Links in emails (order confirmation, back in stock) point at this server, and the test payment
      // provider sends its webhooks here; its asynchronous cards confirm after a second.
      SHOP_URL: baseUrl,
      PORT: String(port),
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
  spawned(child);
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    process.stdout.write(chunk);
    if (output.length < 100_000) output += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    process.stderr.write(chunk);
    if (output.length < 100_000) output += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));

  const deadline = Date.now() + NEXT_READY_WITHIN_MS;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      await exited;
      return output.includes("EADDRINUSE") ? "port taken" : "exited";
    }
    try {
      const answer = await fetch(`${baseUrl}/api/health`, { redirect: "manual", signal: AbortSignal.timeout(5_000) });
      await answer.arrayBuffer();
      if (answer.status === 200 && answer.headers.get("x-instance-id") === instance) return "ready";
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      await exited;
      return "not ready in time";
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
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
    database = await startEmbeddedPostgresOnFreePort(
      // A throwaway cluster: durability buys nothing here.
      { dataDir, settings: { fsync: "off", synchronous_commit: "off", full_page_writes: "off" } },
      [E2E_PORT],
    );
    await database.createDatabase("stockhold_e2e");
    const url = database.urlFor("stockhold_e2e");
    await runMigrations(url);
    await seedDemoCatalogue(url);
    await upsertAdmin(url, ADMIN.email, ADMIN.password);
    await createShopperAccount(url);
    if (stopping) return void (await cleanUp());

    // The runner chose a free port when it loaded its config, and another run on this machine may have taken it
    // since. Ready is our own server's health answer (X-Instance-Id), never a stranger's on the same port; a port
    // lost before Next.js could bind it is traded for another unless E2E_PORT was pinned. Playwright learns the
    // port from the "ready at" line (playwright.config.ts) and hands it to the journeys as E2E_PORT.
    let port = E2E_PORT;
    for (let attempt = 1; ; attempt += 1) {
      const started = await startNext(port, url, (child) => (app = child));
      if (stopping) {
        await cleanUp();
        process.exit(0);
      }
      if (started === "ready") break;
      if (started === "port taken" && !E2E_PORT_PINNED && attempt < 5) {
        log(`port ${port} was taken by another process: trying another`);
        port = await freePort();
        continue;
      }
      throw new Error(`next start did not start on port ${port} (${started})`);
    }
    log(`next start on port ${port}, database in ${tempDir}`);
    log(`ready at http://127.0.0.1:${port}`);
    app!.on("exit", (code, signal) => {
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
