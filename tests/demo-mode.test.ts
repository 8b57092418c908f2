/**
 * The README's first commands: `npm run dev` and `npm start` without DATABASE_URL start an embedded PostgreSQL,
 * migrate and seed it, serve the demo catalogue, and leave no database or app process behind after Ctrl-C
 * (SIGINT to the whole process group, as a terminal sends it).
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { freePort, isAlive } from "@/db/embedded";
import { demoKits, demoProducts } from "@/db/seed";
import { until } from "./support/wait";

const dataDirs: string[] = [];
afterAll(() => dataDirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

describe.each(["start", "dev"] as const)("demo mode: npm %s", (mode) => {
  it("serves the seeded catalogue from the embedded database and stops everything on Ctrl-C", { timeout: 240_000 }, async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `stockhold-demo-${mode}-`));
    fs.chmodSync(dataDir, 0o755);
    dataDirs.push(dataDir);
    const port = await freePort();
    // Demo mode: no database or secret of ours, and no NODE_ENV from the test runner (next dev sets its own).
    const env: Record<string, string | undefined> = { ...process.env, PORT: String(port), STOCKHOLD_DATA_DIR: dataDir };
    for (const name of ["DATABASE_URL", "AUTH_SECRET", "NODE_ENV"]) delete env[name];
    // What `npm run dev` / `npm start` run (package.json), without npm in between.
    const supervisor = spawn(process.execPath, ["--import", "tsx", "db/run.ts", mode], {
      env: env as NodeJS.ProcessEnv,
      detached: true, // its own process group, like a terminal's foreground job
      stdio: ["ignore", "pipe", "pipe"],
    });
    const output: string[] = [];
    supervisor.stdout.on("data", (c: Buffer) => output.push(c.toString()));
    supervisor.stderr.on("data", (c: Buffer) => output.push(c.toString()));
    // "close", not "exit": its last lines ("Embedded PostgreSQL stopped.") may still be in the pipe at "exit".
    const exited = new Promise<number | null>((resolve) => supervisor.once("close", (code) => resolve(code)));

    let products: { slug: string; available: number }[] = [];
    // The dev server compiles each route on its first request: give it time.
    await until(
      `npm ${mode} to serve /api/products`,
      async () => {
        try {
          const response = await fetch(`http://127.0.0.1:${port}/api/products`, { signal: AbortSignal.timeout(60_000) });
          if (!response.ok) return false;
          products = ((await response.json()) as { products: typeof products }).products;
          return true;
        } catch {
          return false;
        }
      },
      180_000,
      300,
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}\n${output.join("")}`);
    });
    // Every demo product and kit (the listing's first page holds them all).
    expect(products.length, output.join("")).toBe(demoProducts.length + demoKits.length);
    expect(products.filter((p) => p.available >= 1 && p.available <= 3).length).toBeGreaterThan(0);
    expect(output.join("")).toMatch(/Demo admin: admin@stockhold\.test \/ \S+/);
    const health = await fetch(`http://127.0.0.1:${port}/api/health`);
    expect(health.status).toBe(200);

    const pidFile = path.join(dataDir, "postgres", "postmaster.pid");
    const postgresPid = Number(fs.readFileSync(pidFile, "utf8").split("\n")[0]);
    expect(isAlive(postgresPid)).toBe(true);

    process.kill(-supervisor.pid!, "SIGINT");
    // Each passes on Next.js's own exit code: `next start` ends with 128 + SIGINT, `next dev` with 0.
    expect(await exited).toBe({ start: 130, dev: 0 }[mode]);
    await until("PostgreSQL to stop", () => !isAlive(postgresPid), 10_000, 100);
    expect(fs.existsSync(pidFile)).toBe(false);
    expect(output.join("")).toContain("Embedded PostgreSQL stopped.");
    // Nothing listens on the app's port any more: the Next.js server went with its supervisor.
    await expect(fetch(`http://127.0.0.1:${port}/api/health`, { signal: AbortSignal.timeout(5_000) })).rejects.toThrow();
    // No process of the group is left (the kill fails with ESRCH once the group is empty).
    await until("the process group to be empty", () => !isAlive(-supervisor.pid!), 10_000, 100);
  });
});
