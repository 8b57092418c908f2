/**
 * The built app for one test file: started before its tests, stopped after them together with this file's
 * database pool. The object answered is filled in once the app is up (use it inside tests and hooks).
 * A file that needs no environment of its own and is listed in shared-app.ts uses the run's shared app instead.
 */
import { afterAll, beforeAll } from "vitest";
import { pool } from "@/db/client";
import { startApp, type RunningApp } from "./app-server";
import { sharedAppOfThisFile } from "./shared-app";

export function appForFile(overrides: Record<string, string> = {}): RunningApp {
  const app = {} as RunningApp;
  beforeAll(async () => {
    const started = await startOrShareApp(overrides);
    // Copy the accessors as they are (the shared app's `logs` and `process` refuse to be read).
    Object.defineProperties(app, Object.getOwnPropertyDescriptors(started));
  });
  afterAll(async () => {
    await app.stop?.();
    await pool.end();
  });
  return app;
}

/** This file's app: the shared one when the file is listed for it and asks for no environment, else its own. */
export async function startOrShareApp(overrides: Record<string, string> = {}): Promise<RunningApp> {
  const shared = Object.keys(overrides).length === 0 ? sharedAppOfThisFile() : undefined;
  return shared ?? startApp(overrides);
}
