/**
 * Runs before each test file: gives it a fresh database copied from the migrated template and points
 * DATABASE_URL at it, before the file imports anything from lib/ or db/. A file that uses the run's shared app
 * (shared-app.ts) gets that app's database instead.
 */
import crypto from "node:crypto";
import path from "node:path";
import postgres from "postgres";
import { afterAll, afterEach, beforeAll, beforeEach, expect, inject } from "vitest";
import { SHARED_APP_ENV, SHARES_THE_APP } from "./shared-app";

const serverUrl = inject("serverUrl");
const file = path.relative(process.cwd(), expect.getState().testPath ?? "");

if (SHARES_THE_APP.includes(file)) {
  const shared = inject("sharedApp");
  process.env.DATABASE_URL = shared.databaseUrl;
  process.env.TEST_DATABASE_NAME = shared.databaseName;
  process.env[SHARED_APP_ENV] = "1";
} else {
  const name = `stockhold_test_${crypto.randomBytes(6).toString("hex")}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  // Copying a template can collide with another worker copying it at the same moment: retry briefly.
  for (let attempt = 0; ; attempt += 1) {
    try {
      await admin.unsafe(`create database ${name} template ${inject("templateDatabase")}`);
      break;
    } catch (error) {
      if (attempt >= 20) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 200));
    }
  }
  await admin.end();

  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  process.env.DATABASE_URL = url.toString();
  process.env.TEST_DATABASE_NAME = name;
}

/**
 * Files that measure latency run alone: each takes this advisory lock exclusively while every other file holds
 * it shared, so the figure they check is the app's, not the load a neighbouring file puts on the same cores.
 * (PostgreSQL queues a waiting exclusive request ahead of later shared ones, so it is not starved.) Such a file
 * takes it around each test only, so that its app starts while the other worker still runs files; the other
 * worker then waits for the measured test alone, not for the start of the app as well.
 */
const RUNS_ALONE = ["tests/faults/slow-provider.test.ts"];
const RUN_ALONE_LOCK = 727_001;
const lockSession = postgres(serverUrl, { max: 1, onnotice: () => {} });
if (RUNS_ALONE.includes(file)) {
  beforeEach(async () => {
    await lockSession`select pg_advisory_lock(${RUN_ALONE_LOCK})`;
  });
  afterEach(async () => {
    await lockSession`select pg_advisory_unlock(${RUN_ALONE_LOCK})`;
  });
} else {
  beforeAll(async () => {
    await lockSession`select pg_advisory_lock_shared(${RUN_ALONE_LOCK})`;
  });
}
afterAll(async () => {
  await lockSession.end();
});
