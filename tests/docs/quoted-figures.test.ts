/**
 * Every benchmark figure the README and BENCHMARKS.md quote comes from a saved result file: the summary of the
 * saved runs is current and every result file the pages name exists (`npm run bench:summary -- --check`).
 */
import { spawnSync } from "node:child_process";
import { expect, it } from "vitest";

it("quotes only figures that the saved result files give", () => {
  const check = spawnSync(process.execPath, ["--import", "tsx", "bench/summarize.ts", "--check"], { encoding: "utf8" });
  expect(check.status, `${check.stdout}\n${check.stderr}`).toBe(0);
});
