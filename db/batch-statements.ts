/**
 * Statements whose text does not depend on how many values or rows they carry. postgres.js prepares a statement
 * once per connection and, before its first run, asks PostgreSQL to describe it: a round trip of its own. The
 * builder's `inArray` and `.values(rows)` write one parameter per value, so a batch of 31 and a batch of 32 are
 * two statements, each described on every connection before it runs (behind a transaction-mode pooler, where
 * nothing stays prepared, on every run). For the hold batch, whose sizes change all the time and whose writes
 * run while a hot stock row is locked, these keep the text fixed: one parameter per list, one per batch of rows.
 */
import { getTableColumns, sql, type Column, type SQL, type SQLWrapper } from "drizzle-orm";
import type { PgTable } from "drizzle-orm/pg-core";

/** `column = any($1)`: `inArray` with the whole list in one parameter. */
export function anyOf<TColumn extends Column>(column: TColumn, values: readonly TColumn["_"]["data"][]): SQL {
  return sql`${column} = any(${sql.param(values)})`;
}

/** A column's bare name, for the places SQL wants it unqualified (`on conflict (…)`, `set … =`, `excluded.…`). */
export const bareName = (column: Column): SQL => sql`${sql.identifier(column.name)}`;

/**
 * `column = any(array(subquery))`: `inArray` over a subquery, as one array. PostgreSQL then reaches the rows through
 * the column's index whatever its statistics say; with `in (subquery)` and statistics older than a flash sale's
 * last few thousand checkouts, it read every live checkout to find a batch's few.
 */
export function anyOfSubquery(column: Column, subquery: SQLWrapper): SQL {
  return sql`${column} = any(array(${subquery}))`;
}

type InsertKey<TTable extends PgTable> = string & keyof TTable["$inferInsert"];

/**
 * `json_to_recordset($1::json) as <alias>(<name> <type>, …)`: rows as a table in one JSON parameter, each field
 * typed like the schema column it is named after (`{ product_id: stockLevels.productId }`). For `from` in an
 * update and for insertRows. Raw SQL because the builder has no table function as a source.
 */
export function jsonRows(alias: string, fields: Record<string, Column>, rows: readonly Record<string, unknown>[]): SQL {
  const shape = sql.join(
    Object.entries(fields).map(([name, column]) => sql`${sql.identifier(name)} ${sql.raw(column.getSQLType())}`),
    sql`, `,
  );
  // JSON carries dates (ISO 8601), nulls and jsonb values as they are.
  return sql`json_to_recordset(${JSON.stringify(rows)}::json) as ${sql.identifier(alias)}(${shape})`;
}

/**
 * `insert into <table> (<columns>) select … from json_to_recordset($1)`: a multi-row insert with every row in one
 * JSON parameter. Raw SQL because the builder's insert … select must list every column of the table; the
 * columns here still come from the schema, so a renamed column breaks the type check. `columns` fixes the
 * statement (the same for every call); the others take their defaults. `computed` gives a column an SQL
 * expression (e.g. from the database's clock) instead of a value per row. Add `returning …` or
 * `on conflict …` after it. Needs at least one row.
 */
export function insertRows<TTable extends PgTable, TKey extends InsertKey<TTable>, TComputed extends InsertKey<TTable> = never>(
  table: TTable,
  columns: readonly TKey[],
  rows: readonly { [K in TKey]: TTable["$inferInsert"][K] }[],
  computed: { [K in TComputed]: SQL } = {} as { [K in TComputed]: SQL },
): SQL {
  const byKey = getTableColumns(table) as Record<string, Column>;
  const given = columns.map((key) => byKey[key]!);
  const derived = (Object.keys(computed) as TComputed[]).map((key) => [byKey[key]!, computed[key]] as const);
  const targets = sql.join([...given, ...derived.map(([column]) => column)].map(bareName), sql`, `);
  const values = sql.join([...given.map((column) => sql`r.${bareName(column)}`), ...derived.map(([, expression]) => expression)], sql`, `);
  // Each row's fields under their columns' database names.
  const source = jsonRows(
    "r",
    Object.fromEntries(given.map((column) => [column.name, column])),
    rows.map((row) => Object.fromEntries(columns.map((key, i) => [given[i]!.name, row[key]]))),
  );
  return sql`insert into ${table} (${targets}) select ${values} from ${source}`;
}
