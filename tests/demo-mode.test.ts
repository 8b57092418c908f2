/**
 * The README's first command in production form: `npm start` without DATABASE_URL starts an embedded PostgreSQL,
 * migrates and seeds it, serves the demo catalogue, and leaves no database process behind after Ctrl-C
 * (SIGINT to the whole process group, as a terminal sends it).
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { freePort, isAlive } from "@/db/embedded";

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "stockhold-demo-"));
fs.chmodSync(dataDir, 0o755);
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

describe("demo mode", () => {
  it("serves the seeded catalogue from the embedded database and stops it on Ctrl-C", async () => {
    const port = await freePort();
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), STOCKHOLD_DATA_DIR: dataDir };
    delete env.DATABASE_URL;
    delete env.AUTH_SECRET;
    const supervisor = spawn(process.execPath, ["--import", "tsx", "db/run.ts", "start"], {
      env,
      detached: true, // its own process group, like a terminal's foreground job
      stdio: ["ignore", "pipe", "pipe"],
    });
    const output: string[] = [];
    supervisor.stdout.on("data", (c: Buffer) => output.push(c.toString()));
    supervisor.stderr.on("data", (c: Buffer) => output.push(c.toString()));
    const exited = new Promise<number | null>((resolve) => supervisor.once("exit", (code) => resolve(code)));

    let products: { slug: string; available: number }[] = [];
    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline) {
      try {
        const response = await fetch(`http://127.0.0.1:${port}/api/products`);
        if (response.ok) {
          products = ((await response.json()) as { products: typeof products }).products;
          break;
        }
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    expect(products.length, output.join("")).toBe(12);
    expect(products.some((p) => p.available >= 1 && p.available <= 3)).toBe(true);
    expect(output.join("")).toMatch(/Demo admin: admin@stockhold\.test \/ \S+/);

    const pidFile = path.join(dataDir, "postgres", "postmaster.pid");
    const postgresPid = Number(fs.readFileSync(pidFile, "utf8").split("\n")[0]);
    expect(isAlive(postgresPid)).toBe(true);

    process.kill(-supervisor.pid!, "SIGINT");
    await exited;
    for (let waited = 0; waited < 10_000 && isAlive(postgresPid); waited += 100) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(isAlive(postgresPid)).toBe(false);
    expect(fs.existsSync(pidFile)).toBe(false);
  });
});
