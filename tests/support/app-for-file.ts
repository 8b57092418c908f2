/**
 * The built app for one test file: started before its tests, stopped after them together with this file's
 * database pool. The object answered is filled in once the app is up (use it inside tests and hooks).
 */
import { afterAll, beforeAll } from "vitest";
import { pool } from "@/db/client";
import { startApp, type RunningApp } from "./app-server";

export function appForFile(overrides: Record<string, string> = {}): RunningApp {
  const app = {} as RunningApp;
  beforeAll(async () => {
    Object.assign(app, await startApp(overrides));
  });
  afterAll(async () => {
    await app.stop?.();
    await pool.end();
  });
  return app;
}
