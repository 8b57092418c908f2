/** Helpers for integration tests: raw SQL access to this file's database, and fixtures. */
import postgres from "postgres";

export function rawSql(options: { max?: number } = {}) {
  return postgres(process.env.DATABASE_URL!, { max: options.max ?? 5, onnotice: () => {} });
}

/** Many separate connections, e.g. one per simulated shopper or app server. */
export function separateConnections(count: number) {
  return Array.from({ length: count }, () => postgres(process.env.DATABASE_URL!, { max: 1, onnotice: () => {} }));
}
