/**
 * Demo mode must survive a crash: a supervisor killed with SIGKILL leaves its PostgreSQL server running, and the
 * next start has to stop that orphan and start cleanly instead of failing on postmaster.pid.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import postgres from "postgres";
import { afterAll, describe, expect, it } from "vitest";
import { freePort, isAlive, startEmbeddedPostgres } from "@/db/embedded";

const root = fs.mkdtempSync(path.join(os.tmpdir(), "stockhold-recovery-"));
fs.chmodSync(root, 0o755);
const dataDir = path.join(root, "data");

afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe("embedded PostgreSQL after a crash", () => {
  it("stops the server an earlier killed run left behind and starts again", async () => {
    const port = await freePort();
    const child = spawn(process.execPath, ["--import", "tsx", "tests/support/embedded-child.ts", dataDir, String(port)], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    await new Promise<void>((resolve, reject) => {
      child.stdout.on("data", (chunk: Buffer) => chunk.toString().includes("READY") && resolve());
      child.on("exit", (code) => reject(new Error(`child exited early with ${code}`)));
    });
    child.kill("SIGKILL");
    await new Promise((resolve) => child.once("exit", resolve));

    const pidFile = path.join(dataDir, "postmaster.pid");
    const orphanPid = Number(fs.readFileSync(pidFile, "utf8").split("\n")[0]);
    expect(isAlive(orphanPid)).toBe(true);

    const server = await startEmbeddedPostgres({ dataDir, port });
    try {
      expect(isAlive(orphanPid)).toBe(false);
      const sql = postgres(server.url, { max: 1 });
      const [row] = await sql<{ ok: number }[]>`select 1 as ok`;
      expect(row?.ok).toBe(1);
      await sql.end();
    } finally {
      await server.stop();
    }
    expect(fs.existsSync(pidFile)).toBe(false);
  });
});
