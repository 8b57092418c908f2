/**
 * The engine of this commit beside the engine of an earlier one, in the same run, on the same PostgreSQL server:
 * "no slower than before" measured, not remembered. Each side is a process of its own running
 * bench/engine-rounds.ts in its own tree (this one, and the earlier commit's `git archive` kept in a cache directory
 * outside the repository, keyed by the commit, as bench/baseline-app.ts keeps its build), on a database of its own
 * migrated by that tree's own migrations. The two sides take turns (earlier, this, earlier, this, …), each round
 * 2,000 holds on a fresh hot variant at 64 callers while the other side sits idle, so whatever else loads the
 * machine falls on both alike; each side's figure is the median of its rounds.
 */
import { execFileSync, spawn, spawnSync, type ChildProcessWithoutNullStreams } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";
import postgres from "postgres";
import type { EngineRound } from "./engine-rounds";

/** 2026-12-07, the last commit before stock locations (issue 28). */
export const PREVIOUS_COMMIT = "7e4cbcf";

const READY_MARK = ".stockhold-engine-tree-ready";

function cacheRoot(): string {
  return process.env.STOCKHOLD_BENCH_CACHE ?? path.join(os.homedir(), ".cache", "stockhold-bench");
}

function run(command: string, args: string[], cwd: string): void {
  const result = spawnSync(command, args, { cwd, stdio: ["ignore", "inherit", "inherit"] });
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed in ${cwd} (exit ${result.status})`);
}

/**
 * The earlier commit's tree with its dependencies: its own locked versions, which are this tree's when the lock
 * file and patches are the same (then this tree's node_modules is linked, not installed again), else `npm ci`.
 */
export function ensurePreviousTree(log: (line: string) => void, commit = PREVIOUS_COMMIT): { commit: string; dir: string } {
  const sha = execFileSync("git", ["rev-parse", `${commit}^{commit}`], { encoding: "utf8" }).trim();
  const dir = path.join(cacheRoot(), `engine-${sha}`);
  if (!fs.existsSync(path.join(dir, READY_MARK))) {
    log(`Unpacking ${sha.slice(0, 7)} into ${dir} (once; kept for later runs) …`);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    const archive = spawnSync("git", ["archive", "--format=tar", sha], { maxBuffer: 1 << 30 });
    if (archive.status !== 0) throw new Error(`git archive ${sha} failed: ${archive.stderr.toString()}`);
    const untar = spawnSync("tar", ["-x", "-C", dir], { input: archive.stdout });
    if (untar.status !== 0) throw new Error(`unpacking ${sha} failed: ${untar.stderr.toString()}`);
    fs.writeFileSync(path.join(dir, READY_MARK), `${sha}\n`);
  }
  // Its dependencies, checked on every run: the tree that first unpacked it (and whose node_modules it may link)
  // can be gone since, or have other dependencies by now.
  const modules = path.join(dir, "node_modules");
  const sameDependencies = spawnSync("git", ["diff", "--quiet", sha, "--", "package-lock.json", "patches"]).status === 0;
  const linked = fs.lstatSync(modules, { throwIfNoEntry: false })?.isSymbolicLink() ?? false;
  if (sameDependencies) {
    // Against this working tree: the same lock file and patches give the same node_modules.
    fs.rmSync(modules, { recursive: true, force: true });
    fs.symlinkSync(path.join(process.cwd(), "node_modules"), modules, "dir");
  } else if (linked || !fs.existsSync(path.join(modules, ".bin", "tsx"))) {
    fs.rmSync(modules, { recursive: true, force: true });
    run("npm", ["ci", "--no-audit", "--no-fund", "--prefer-offline"], dir);
  }
  // This driver, not the earlier commit's (it may have none): the same work on both sides.
  fs.copyFileSync(path.join(process.cwd(), "bench", "engine-rounds.ts"), path.join(dir, "bench", "engine-rounds.ts"));
  return { commit: sha, dir };
}

export interface EngineSide {
  name: string;
  round(): Promise<EngineRound>;
  stop(): Promise<void>;
}

/**
 * Starts bench/engine-rounds.ts in `dir` on a fresh database `database` of the server at `serverUrl`, with the
 * engine's bench settings; resolves once it has migrated and warmed up.
 */
export async function startEngineSide(name: string, dir: string, serverUrl: string, database: string): Promise<EngineSide> {
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`drop database if exists ${database} with (force)`);
    await admin.unsafe(`create database ${database}`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  const child: ChildProcessWithoutNullStreams = spawn(
    path.join(dir, "node_modules", ".bin", "tsx"),
    ["--conditions=react-server", path.join("bench", "engine-rounds.ts")],
    {
      cwd: dir,
      env: {
        ...process.env,
        DATABASE_URL: url.toString(),
        RATE_LIMIT_CHECKOUTS_PER_MINUTE: "0",
        RATE_LIMIT_REQUESTS_PER_IP_PER_MINUTE: "0",
        EXPIRY_SWEEP_SECONDS: "0",
        LOG_LEVEL: "warn",
      },
      stdio: ["pipe", "pipe", "pipe"],
    },
  );
  const errors: string[] = [];
  child.stderr.on("data", (chunk: Buffer) => errors.push(chunk.toString()));
  const waiting: ((line: string) => void)[] = [];
  const lines = readline.createInterface({ input: child.stdout });
  lines.on("line", (line) => {
    if (line === "READY" || line.startsWith("RESULT ")) waiting.shift()?.(line);
  });
  const exited = new Promise<never>((_, reject) =>
    child.once("exit", (code) => reject(new Error(`the ${name} engine exited (${code}):\n${errors.join("").slice(-2000)}`))),
  );
  exited.catch(() => {});
  const next = () => Promise.race([new Promise<string>((resolve) => waiting.push(resolve)), exited]);
  await next();
  return {
    name,
    async round() {
      const answer = next();
      child.stdin.write("round\n");
      return JSON.parse((await answer).slice("RESULT ".length)) as EngineRound;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.stdin.end();
        setTimeout(() => child.kill("SIGKILL"), 10_000).unref();
      }),
  };
}
