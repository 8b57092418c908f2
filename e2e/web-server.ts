/**
 * The app under test for Playwright (`node --import tsx e2e/web-server.ts`, started by playwright.config.ts):
 * the production build (`next start`) on a fresh embedded PostgreSQL in a new temporary directory, migrated and
 * seeded, with a short hold lifetime. On SIGTERM/SIGINT it stops Next.js, then PostgreSQL, then removes the
 * directory, so every run starts from the same known state.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import bcrypt from "bcryptjs";
import postgres from "postgres";
import { startEmbeddedPostgres, type EmbeddedDatabase } from "../db/embedded";
import { runMigrations } from "../db/migrate";
import { seedDemoCatalogue, upsertAdmin } from "../db/seed";
import {
  ADMIN,
  ADMIN_API_TOKEN,
  AUTH_SECRET,
  CRON_SECRET,
  E2E_PORT,
  RESERVATION_MAX_SECONDS,
  RESERVATION_TTL_SECONDS,
  SHOPPER,
} from "./test-env";

const root = process.cwd();
const nextBin = path.join(root, "node_modules", "next", "dist", "bin", "next");
const log = (line: string) => console.log(`[e2e server] ${line}`);

function ensureBuild(): void {
  // `npm test` builds right before the journeys; a bare `npx playwright test` on a fresh clone builds here.
  if (fs.existsSync(path.join(root, ".next", "BUILD_ID"))) return;
  log("No production build found: running `next build` …");
  const build = spawnSync(process.execPath, [nextBin, "build"], {
    stdio: "inherit",
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
  });
  if (build.status !== 0) throw new Error("next build failed");
}

async function createShopperAccount(databaseUrl: string): Promise<void> {
  const passwordHash = await bcrypt.hash(SHOPPER.password, 10);
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    await sql`insert into users (kind, email, name, password_hash)
              values ('shopper', ${SHOPPER.email}, ${SHOPPER.name}, ${passwordHash})`;
  } finally {
    await sql.end();
  }
}

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
};

/**
 * Playwright signals the whole process group, so PostgreSQL may already be shutting down on its own; then
 * `stop()` would wait forever for an exit event it has missed. Watch the postmaster's pid as well.
 */
async function stopPostgres(database: EmbeddedDatabase, dataDir: string): Promise<void> {
  const pidFile = path.join(dataDir, "postmaster.pid");
  const pid = fs.existsSync(pidFile) ? Number.parseInt(fs.readFileSync(pidFile, "utf8").split("\n")[0] ?? "", 10) : NaN;
  const gone = new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      if (!Number.isInteger(pid) || !isAlive(pid)) {
        clearInterval(timer);
        resolve();
      }
    }, 50);
  });
  await Promise.race([database.stop(), gone]);
}

async function main(): Promise<void> {
  ensureBuild();

  const tempDir = fs.mkdtempSync(path.join(os.tmpdir(), "stockhold-e2e-"));
  // PostgreSQL runs as the `postgres` OS user when we are root: it must be able to enter the directory.
  fs.chmodSync(tempDir, 0o755);
  const dataDir = path.join(tempDir, "data");
  let database: EmbeddedDatabase | undefined;
  let app: ChildProcess | undefined;

  let cleaning: Promise<void> | undefined;
  const cleanUp = () =>
    (cleaning ??= (async () => {
      if (database) await stopPostgres(database, dataDir).catch((error: unknown) => log(`stopping PostgreSQL: ${String(error)}`));
      fs.rmSync(tempDir, { recursive: true, force: true });
    })());

  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    if (app && app.exitCode === null && app.signalCode === null) app.kill(signal);
    else void cleanUp().then(() => process.exit(0));
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));

  try {
    database = await startEmbeddedPostgres({
      dataDir,
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
        CRON_SECRET,
        ADMIN_API_TOKEN,
        RESERVATION_TTL_SECONDS: String(RESERVATION_TTL_SECONDS),
        RESERVATION_MAX_SECONDS: String(RESERVATION_MAX_SECONDS),
        // Holds must end by themselves, not because a sweep happened to run.
        EXPIRY_SWEEP_SECONDS: "0",
        RATE_LIMIT_CHECKOUTS_PER_MINUTE: "0",
        RATE_LIMIT_REQUESTS_PER_IP_PER_MINUTE: "0",
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
