/**
 * The one build check of tests, journeys and bench: run `next build` when there is no production build or a
 * source file changed since it was made, so what runs over HTTP is always this code.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

export const nextBin = path.join(process.cwd(), "node_modules", "next", "dist", "bin", "next");

/** What the production build is made from. */
const SOURCES = ["app", "components", "lib", "db", "proxy.ts", "instrumentation.ts", "next.config.mjs", "package.json"];

/** The newest modification time under these paths. */
function newestSource(paths: string[]): { file: string; mtimeMs: number } {
  let newest = { file: "", mtimeMs: 0 };
  const visit = (full: string) => {
    const stat = fs.statSync(full, { throwIfNoEntry: false });
    if (!stat) return;
    if (stat.isDirectory()) {
      for (const entry of fs.readdirSync(full)) visit(path.join(full, entry));
    } else if (stat.mtimeMs > newest.mtimeMs) {
      newest = { file: full, mtimeMs: stat.mtimeMs };
    }
  };
  paths.forEach((p) => visit(path.join(process.cwd(), p)));
  return newest;
}

export function ensureBuild(log: (line: string) => void = console.log): void {
  const built = fs.statSync(path.join(process.cwd(), ".next", "BUILD_ID"), { throwIfNoEntry: false });
  const newest = newestSource(SOURCES);
  if (built && built.mtimeMs >= newest.mtimeMs) return;
  log(
    built
      ? `The build is older than ${path.relative(process.cwd(), newest.file)}: running \`next build\` …`
      : "No production build yet: running `next build` …",
  );
  const build = spawnSync(process.execPath, [nextBin, "build"], {
    stdio: "inherit",
    // A production build whatever runs it (vitest sets NODE_ENV=test; next.config.mjs reads it for the CSP).
    env: { ...process.env, NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1" },
  });
  if (build.status !== 0) throw new Error("next build failed");
}
