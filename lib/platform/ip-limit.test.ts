/**
 * The per-address request limit counts in memory and adds its counts to PostgreSQL about once a second: while a
 * flush is on its way, what it carries still counts, so the limit holds on one server exactly, however slow the
 * database is to answer.
 */
import postgres from "postgres";
import { afterAll, expect, it } from "vitest";
import { pool } from "@/db/client";
import { countRequestFromIp } from "./ip-limit";

const sql = postgres(process.env.DATABASE_URL!, { max: 2, onnotice: () => {} });

afterAll(async () => {
  await sql.end();
  await pool.end();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const LIMIT = 5;
const refused = (ip: string) => {
  try {
    countRequestFromIp(ip, LIMIT);
    return false;
  } catch (error) {
    expect(error).toMatchObject({ code: "rate_limited" });
    return true;
  }
};

it("refuses past the limit while the flush that carries the earlier requests is still waiting for the database", async () => {
  // Well inside a minute's window (the counts' windows are whole minutes), so the test does not straddle two.
  while (Date.now() % 60_000 > 50_000) await sleep(500);
  const ip = `192.0.2.${Math.floor(Math.random() * 250) + 1}`;
  const window = Math.floor(Date.now() / 60_000) * 60;
  // The address's row for this window, locked by another transaction: the flush's upsert waits for it.
  await sql`insert into rate_limits (bucket, window_start, hits) values (${`ip:${ip}`}, to_timestamp(${window}), 0)`;
  let release = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  const locker = sql.begin(async (tx) => {
    await tx`select hits from rate_limits where bucket = ${`ip:${ip}`} for update`;
    await held;
  });
  try {
    for (let i = 0; i < LIMIT; i += 1) expect(refused(ip)).toBe(false);
    // The flush starts about a second after the first request, and waits for the row.
    for (let i = 0; ; i += 1) {
      const [waiting] = await sql`select count(*)::int as n from pg_stat_activity
        where datname = current_database() and wait_event_type = 'Lock' and query ilike '%rate_limits%'`;
      if (waiting!.n > 0) break;
      if (i > 100) throw new Error("the flush never started");
      await sleep(50);
    }
    expect(refused(ip)).toBe(true);
  } finally {
    release();
    await locker;
  }
  // Once the flush is answered, the total across servers says the same.
  for (let i = 0; i < 100; i += 1) {
    const [row] = await sql`select hits from rate_limits where bucket = ${`ip:${ip}`}`;
    if (row!.hits >= LIMIT) break;
    await sleep(50);
  }
  expect(refused(ip)).toBe(true);
});
