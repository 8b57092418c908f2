/**
 * Several app servers starting at once on a fresh database all migrate it, and the migration whose indexes are
 * built CONCURRENTLY (outside any transaction) is built once: servers that start the same build at the same
 * moment must not fail (two concurrent builds can deadlock, or find the index's name taken under them).
 */
import crypto from "node:crypto";
import postgres from "postgres";
import { afterAll, expect, inject, it } from "vitest";
import { runMigrations } from "@/db/migrate";

const serverUrl = inject("serverUrl");
const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
const created: string[] = [];

afterAll(async () => {
  for (const name of created) await admin.unsafe(`drop database if exists ${name} with (force)`);
  await admin.end();
});

it("six servers migrating fresh databases at once, five times over: every one finishes, every index valid", async () => {
  for (let round = 0; round < 5; round++) {
    const name = `stockhold_builds_${crypto.randomBytes(6).toString("hex")}`;
    await admin.unsafe(`create database ${name}`);
    created.push(name);
    const url = Object.assign(new URL(serverUrl), { pathname: `/${name}` }).toString();
    const outcomes = await Promise.allSettled(Array.from({ length: 6 }, () => runMigrations(url)));
    expect(outcomes.filter((o) => o.status === "rejected").map((o) => String((o as PromiseRejectedResult).reason))).toEqual([]);
    const db = postgres(url, { max: 1, onnotice: () => {} });
    try {
      const invalid = await db`select c.relname from pg_index i join pg_class c on c.oid = i.indexrelid where not (i.indisvalid and i.indisready)`;
      expect(invalid).toEqual([]);
    } finally {
      await db.end();
    }
  }
});
