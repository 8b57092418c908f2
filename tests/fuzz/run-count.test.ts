/** The fuzz run counts: a positive whole number or the default; anything else refuses to start. */
import { describe, expect, it } from "vitest";
import { checkRunCounts, runCount } from "./run-count";

describe("FUZZ_RUNS and FUZZ_ACTION_RUNS", () => {
  it("default to 120 and 60 when unset, and take a positive whole number", () => {
    expect(runCount("FUZZ_RUNS", {})).toBe(120);
    expect(runCount("FUZZ_ACTION_RUNS", {})).toBe(60);
    expect(runCount("FUZZ_RUNS", { FUZZ_RUNS: "7" })).toBe(7);
    expect(runCount("FUZZ_ACTION_RUNS", { FUZZ_ACTION_RUNS: " 1000 " })).toBe(1000);
  });

  it.each(["0", "", " ", "-3", "1.5", "abc", "1e3", "0x10", "007", "99999999999999999999"])("refuse %j", (value) => {
    expect(() => runCount("FUZZ_RUNS", { FUZZ_RUNS: value })).toThrow(/FUZZ_RUNS must be a positive whole number/);
    expect(() => checkRunCounts({ FUZZ_ACTION_RUNS: value })).toThrow(/FUZZ_ACTION_RUNS must be a positive whole number/);
  });
});
