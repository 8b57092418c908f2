/** Small typed SQL pieces that Drizzle's query builder has no word for. */
import "server-only";
import { sql, type AnyColumn } from "drizzle-orm";
import { bareName } from "@/db/batch-statements";

/**
 * Decodes a timestamptz expression (not a column) as ISO 8601 in UTC. Under Drizzle, postgres.js hands such
 * values over as PostgreSQL's text; read through `new Date` as Drizzle reads timestamp columns, to the millisecond.
 */
export const isoTime = (value: string): string => new Date(value).toISOString();

/** `excluded.<column>` in an upsert's `set`: the value the refused insert proposed. */
export const excluded = (column: AnyColumn) => sql`excluded.${bareName(column)}`;
