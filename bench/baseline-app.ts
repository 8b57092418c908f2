/**
 * The app as it was before structured logs, request ids and metrics came in (commit 6ed8e2a added pino and
 * prom-client): commit BASELINE_COMMIT, the last one before it, built beside the current build so the HTTP bench
 * can measure what observability costs per request on the same machine, in the same run.
 *
 * The baseline is that commit's own tree (`git archive`), its own locked dependencies (`npm ci`, which applies
 * that commit's own patches), its own `next build`, its own migrations on a database of its own. It is kept in a
 * cache directory outside the repository, keyed by the commit (a copy inside the repository would be a second app
 * for tsc, eslint and Next.js's root detection to find), so a second run starts it without building again.
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import postgres from "postgres";
import { freePort } from "../db/embedded";

/** 2026-11-25, the last commit before pino and prom-client (6ed8e2a). */
export const BASELINE_COMMIT = "4f99d14";

const READY_MARK = ".stockhold-baseline-ready";

/** Where a commit's baseline build is kept: $STOCKHOLD_BENCH_CACHE or ~/.cache/stockhold-bench. */
function cacheRoot(): string {
  return process.env.STOCKHOLD_BENCH_CACHE ?? path.join(os.homedir(), ".cache", "stockhold-bench");
}

export interface BaselineBuild {
  commit: string;
  dir: string;
  /** Whether this run had to build it (false: taken from the cache). */
  built: boolean;
}

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): void {
  const result = spawnSync(command, args, { cwd, env, stdio: ["ignore", "inherit", "inherit"] });
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed in ${cwd} (exit ${result.status})`);
}

/** The baseline commit's production build, made once per commit and kept in the cache. */
export function ensureBaselineBuild(log: (line: string) => void, commit = BASELINE_COMMIT): BaselineBuild {
  const sha = execFileSync("git", ["rev-parse", `${commit}^{commit}`], { encoding: "utf8" }).trim();
  const dir = path.join(cacheRoot(), `baseline-${sha}`);
  const mark = path.join(dir, READY_MARK);
  if (fs.existsSync(mark) && fs.existsSync(path.join(dir, ".next", "BUILD_ID"))) return { commit: sha, dir, built: false };

  log(`Building the baseline ${sha.slice(0, 7)} in ${dir} (once; kept for later runs) …`);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const archive = spawnSync("git", ["archive", "--format=tar", sha], { maxBuffer: 1 << 30 });
  if (archive.status !== 0) throw new Error(`git archive ${sha} failed: ${archive.stderr.toString()}`);
  const untar = spawnSync("tar", ["-x", "-C", dir], { input: archive.stdout });
  if (untar.status !== 0) throw new Error(`unpacking ${sha} failed: ${untar.stderr.toString()}`);
  // Its own package-lock.json: the same next, react, drizzle and postgres versions as today, without pino or prom-client.
  run("npm", ["ci", "--no-audit", "--no-fund", "--prefer-offline"], dir);
  run(process.execPath, [path.join(dir, "node_modules", "next", "dist", "bin", "next"), "build"], dir, {
    ...process.env,
    NODE_ENV: "production",
    NEXT_TELEMETRY_DISABLED: "1",
  });
  fs.writeFileSync(mark, `${sha}\n`);
  return { commit: sha, dir, built: true };
}

export interface BaselineApp {
  baseUrl: string;
  /** The server's process id. */
  pid: number;
  logs: string[];
  stop(): Promise<void>;
}

/** A database of the baseline's own next to `databaseUrl`'s, made afresh and migrated by the baseline's own code. */
async function prepareBaselineDatabase(build: BaselineBuild, databaseUrl: string): Promise<string> {
  const url = new URL(databaseUrl);
  const name = "stockhold_bench_baseline";
  const admin = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.unsafe(`create database ${name}`);
  } finally {
    await admin.end();
  }
  url.pathname = `/${name}`;
  // That commit's db/migrate.ts and db/migrations: its schema, not today's.
  run(
    path.join(build.dir, "node_modules", ".bin", "tsx"),
    ["-e", 'import("./db/migrate.ts").then((m) => (m.runMigrations ?? m.default.runMigrations)(process.env.DATABASE_URL))'],
    build.dir,
    { ...process.env, DATABASE_URL: url.toString() },
  );
  return url.toString();
}

/**
 * `next start` of the baseline build on 127.0.0.1 and a free port, on its own database, with the same production
 * settings as the current app in the bench (`env`). Ready when its health check answers 200.
 */
export async function startBaselineApp(build: BaselineBuild, databaseUrl: string, env: Record<string, string>): Promise<BaselineApp> {
  const url = await prepareBaselineDatabase(build, databaseUrl);
  const port = await freePort();
  const logs: string[] = [];
  const child = spawn(
    process.execPath,
    [path.join(build.dir, "node_modules", "next", "dist", "bin", "next"), "start", "--hostname", "127.0.0.1", "--port", String(port)],
    {
      cwd: build.dir,
      env: {
        ...process.env,
        NODE_ENV: "production",
        NEXT_TELEMETRY_DISABLED: "1",
        EXPIRY_SWEEP_SECONDS: "0",
        // The server stops if the bench dies without stopping it (that commit's db/supervised.ts).
        STOCKHOLD_SUPERVISOR_PID: String(process.pid),
        ...env,
        DATABASE_URL: url,
        PORT: String(port),
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  child.stdout.on("data", (chunk: Buffer) => logs.push(chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => logs.push(chunk.toString()));
  const gone = () => child.exitCode !== null || child.signalCode !== null;
  const stop = () =>
    new Promise<void>((resolve) => {
      if (gone()) return resolve();
      child.once("exit", () => resolve());
      child.kill("SIGTERM");
      setTimeout(() => child.kill("SIGKILL"), 5_000).unref();
    });
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (gone()) throw new Error(`the baseline's next start exited early:\n${logs.join("")}`);
    try {
      // "Ready" is printed once this child listens: only then is an answer on the port its own.
      const response = await fetch(`${baseUrl}/api/health`, { signal: AbortSignal.timeout(5_000) });
      if (response.status === 200 && logs.join("").includes("Ready")) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the baseline was not ready within 60 s:\n${logs.join("")}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { baseUrl, pid: child.pid!, logs, stop };
}
