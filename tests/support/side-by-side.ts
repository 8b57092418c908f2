/**
 * Runs npm scripts at the same time and fails if any of them fails: `npm test` lints beside the build and the
 * type-check (`eslint` keeps one core busy; one after the other they left the second core idle). Each script's
 * output is printed in one piece when it ends, so they never interleave.
 *
 *   tsx tests/support/side-by-side.ts lint build-and-typecheck
 */
import { spawn } from "node:child_process";

const scripts = process.argv.slice(2);
if (scripts.length === 0) {
  console.error("usage: tsx tests/support/side-by-side.ts <npm script> [<npm script> …]");
  process.exit(2);
}

const npm = process.platform === "win32" ? "npm.cmd" : "npm";

function run(script: string): Promise<boolean> {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(npm, ["run", script], { stdio: ["ignore", "pipe", "pipe"] });
    const output: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => output.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => output.push(chunk));
    child.on("error", (error) => output.push(Buffer.from(`${error.message}\n`)));
    child.on("close", (code, signal) => {
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      const ok = code === 0;
      const text = Buffer.concat(output).toString();
      process.stdout.write(`> npm run ${script}: ${ok ? "passed" : `FAILED (${signal ?? `exit ${code}`})`} in ${seconds} s\n`);
      if (text.trim()) process.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
      resolve(ok);
    });
  });
}

void Promise.all(scripts.map(run)).then((results) => {
  process.exitCode = results.every(Boolean) ? 0 : 1;
});
