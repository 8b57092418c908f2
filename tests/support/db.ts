/** Helpers for integration tests: raw SQL access to this file's database, and fixtures. */
import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { afterAll, beforeAll } from "vitest";
import { pool, type Db } from "@/db/client";
import * as schema from "@/db/schema";

export function rawSql(options: { max?: number } = {}) {
  return postgres(process.env.DATABASE_URL!, { max: options.max ?? 5, onnotice: () => {} });
}

/** Many separate connections, e.g. one per simulated shopper or app server. */
export function separateConnections(count: number) {
  return Array.from({ length: count }, () => postgres(process.env.DATABASE_URL!, { max: 1, onnotice: () => {} }));
}

/**
 * `count` Drizzle instances, each on its own single connection (like `count` app servers), already connected so
 * that a race measures row locks rather than connection set-up. Call `end()` when done.
 */
export async function separateDatabases(count: number): Promise<{ dbs: Db[]; end: () => Promise<void> }> {
  const clients = separateConnections(count);
  await Promise.all(clients.map((client) => client`select 1`));
  return {
    dbs: clients.map((client) => drizzle({ client, schema })),
    end: async () => {
      await Promise.all(clients.map((client) => client.end()));
    },
  };
}

/**
 * `separateDatabases(count)` for one test file: connected before its tests, closed after them together with the
 * file's pool. Read `.dbs` inside tests.
 */
export function separateDatabasesForFile(count: number): { dbs: Db[] } {
  const connections = { dbs: [] as Db[], end: async () => {} };
  beforeAll(async () => {
    Object.assign(connections, await separateDatabases(count));
  });
  afterAll(async () => {
    await connections.end();
    await pool.end();
  });
  return connections;
}

/** The SQLSTATE and constraint of a PostgreSQL error, or of the error it wraps (Drizzle wraps driver errors). */
export function postgresErrorOf(error: unknown): { code?: string; constraint?: string; message: string } {
  let current: unknown = error;
  while (current instanceof Error) {
    const pg = current as Error & { code?: unknown; constraint_name?: unknown };
    if (typeof pg.code === "string" && /^[0-9A-Z]{5}$/.test(pg.code)) {
      return {
        code: pg.code,
        constraint: typeof pg.constraint_name === "string" ? pg.constraint_name : undefined,
        message: pg.message,
      };
    }
    current = current.cause;
  }
  return { message: String(error) };
}
