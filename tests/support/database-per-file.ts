/**
 * Runs before each test file: gives it a fresh database copied from the migrated template and points
 * DATABASE_URL at it, before the file imports anything from lib/ or db/.
 */
import crypto from "node:crypto";
import postgres from "postgres";
import { inject } from "vitest";

const serverUrl = inject("serverUrl");
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
