/**
 * How many inputs a fuzz property tries: FUZZ_RUNS / FUZZ_ACTION_RUNS when set, else the default. Anything but
 * a positive whole number is refused (global-setup.ts checks before the run starts): 0 or a typo would make
 * every property pass without trying a single input.
 */
export const RUN_COUNT_VARIABLES = { FUZZ_RUNS: 120, FUZZ_ACTION_RUNS: 60 } as const;

export function runCount(name: keyof typeof RUN_COUNT_VARIABLES, env: Record<string, string | undefined> = process.env): number {
  const raw = env[name];
  if (raw === undefined) return RUN_COUNT_VARIABLES[name];
  const value = raw.trim();
  if (!/^[1-9][0-9]*$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw new Error(`${name} must be a positive whole number of runs, not ${JSON.stringify(raw)}`);
  }
  return Number(value);
}

/** Throws naming the first fuzz run count that is set to something other than a positive whole number. */
export function checkRunCounts(env: Record<string, string | undefined> = process.env): void {
  for (const name of Object.keys(RUN_COUNT_VARIABLES) as (keyof typeof RUN_COUNT_VARIABLES)[]) runCount(name, env);
}
