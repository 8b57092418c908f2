/**
 * The app's log lines leave asynchronously (lib/platform/log.ts: pino writing stdout off the request's path), yet
 * a process that ends right after logging still writes every line it logged, in order: on `process.exit`, on a
 * SIGTERM answered with `process.exit` (as `next start` does), and when it simply runs out of work.
 */
import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";

const tsx = path.join(process.cwd(), "node_modules", ".bin", "tsx");
const logModule = path.join(process.cwd(), "lib", "platform", "log.ts");
const LINES = 5_000;

/** Runs `body` in a process of its own with the app's `log`, and reads back the lines it wrote to stdout. */
function linesWrittenBy(body: string): unknown[] {
  const child = spawnSync(
    tsx,
    ["--conditions=react-server", "-e", `import(${JSON.stringify(logModule)}).then((m) => { const log = m.log ?? m.default.log; ${body} });`],
    { encoding: "utf8", env: { ...process.env, LOG_LEVEL: "info" }, maxBuffer: 64 * 1024 * 1024, timeout: 60_000 },
  );
  expect(child.error).toBeUndefined();
  return child.stdout
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => (JSON.parse(line) as { n?: unknown }).n);
}

const everyLine = Array.from({ length: LINES }, (_, i) => i);
const logAll = `for (let n = 0; n < ${LINES}; n++) log.info({ n }, "line ${"x".repeat(100)}");`;

describe("log lines written asynchronously", () => {
  it("are all written when the process exits right after logging them", () => {
    expect(linesWrittenBy(`${logAll} process.exit(0);`)).toEqual(everyLine);
  });

  it("are all written when SIGTERM ends the process, as it ends next start", () => {
    expect(linesWrittenBy(`process.on("SIGTERM", () => process.exit(143)); ${logAll} process.kill(process.pid, "SIGTERM");`)).toEqual(everyLine);
  });

  it("are all written when the process runs out of work", () => {
    expect(linesWrittenBy(logAll)).toEqual(everyLine);
  });
});
