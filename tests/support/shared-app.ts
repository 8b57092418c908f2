/**
 * One built app shared by the test files that need no environment of their own, instead of a `next start` per
 * file (a few seconds each, more on a busy machine). global-setup.ts starts it once on a database of its own;
 * database-per-file.ts points these files' DATABASE_URL at that database instead of a fresh copy, since the app
 * and the file must see the same rows.
 *
 * A file belongs here only if sharing cannot change what it sees: every assertion looks at the rows the file
 * made itself (its products, checkouts, carts, accounts), never at counts or listings of the whole shop, never at
 * the app's logs, metrics or process, and it moves no one else's holds in time. Files that list the catalogue,
 * the admin's tables or snapshot the whole shop keep a database and an app of their own.
 */
import type { ChildProcess } from "node:child_process";
import { inject } from "vitest";
import type { RunningApp } from "./app-server";

export const SHARES_THE_APP = [
  "tests/api/admin-product-forms.test.ts",
  "tests/api/health.test.ts",
  "tests/api/line-cap.test.ts",
  "tests/api/shop-checkout.test.ts",
  "tests/api/shop-pay.test.ts",
  "tests/security/headers.test.ts",
];

export interface SharedApp {
  baseUrl: string;
  port: number;
  databaseUrl: string;
  databaseName: string;
}

declare module "vitest" {
  export interface ProvidedContext {
    sharedApp: SharedApp;
  }
}

/** Set by database-per-file.ts when this file is one of SHARES_THE_APP. */
export const SHARED_APP_ENV = "STOCKHOLD_TEST_SHARED_APP";

/** The shared app, when this file is one that uses it. */
export function sharedAppOfThisFile(): RunningApp | undefined {
  if (process.env[SHARED_APP_ENV] !== "1") return undefined;
  const { baseUrl, port } = inject("sharedApp");
  const notOurs = (what: string) => new Error(`the shared test app has no ${what} of this file: give the file an app of its own`);
  return {
    baseUrl,
    port,
    get process(): ChildProcess {
      throw notOurs("process");
    },
    get logs(): string[] {
      throw notOurs("logs");
    },
    // global-setup.ts stops it after the run.
    stop: async () => {},
    kill: async () => {
      throw notOurs("process to kill");
    },
  };
}
