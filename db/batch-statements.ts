/**
 * Statements whose text does not depend on how many values or rows they carry. postgres.js prepares a statement
 * once per connection and, before its first run, asks PostgreSQL to describe it: a round trip of its own. The
 * builder's `inArray` and `.values(rows)` write one parameter per value, so a batch of 31 and a batch of 32 are
 * two statements, each described on every connection before it runs (behind a transaction-mode pooler, where
 * nothing stays prepared, on every run). For the hold batch, whose sizes change all the time and whose writes
 * run while a hot stock row is locked, these keep the text fixed: one parameter per list, one per batch of rows,
 * and build it once (`preparedOnce`).
 */
import { getTableColumns, is, Placeholder, sql, type Column, type SQL, type SQLWrapper } from "drizzle-orm";
import { PgDialect, type PgTable } from "drizzle-orm/pg-core";
import type { PostgresJsSession } from "drizzle-orm/postgres-js";
import type { RowList } from "postgres";
import { db, type Tx } from "./client";

/** `column = any($1)`: `inArray` with the whole list in one parameter (given now, or a placeholder). */
export function anyOf<TColumn extends Column>(column: TColumn, values: readonly TColumn["_"]["data"][] | Placeholder): SQL {
  return is(values, Placeholder) ? sql`${column} = any(${values})` : sql`${column} = any(${sql.param(values)})`;
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

type Runnable = { execute(placeholderValues?: Record<string, unknown>): Promise<unknown> };

/**
 * A statement built once and run in any transaction, with its placeholders (`sql.placeholder`) filled per run.
 *
 * Drizzle builds a query's SQL text every time it runs it, and a prepared query (`.prepare()`) stays bound to the
 * session it was built on, while every transaction is a session of its own (drizzle-orm #613, #2826). The hold
 * batch runs a dozen statements per batch: building them took about a third of its CPU (BENCHMARKS.md). Here the
 * query is built and prepared once, on the pool, and each run executes that prepared query on the transaction's
 * connection. Its name only marks it prepared: postgres.js prepares a statement per connection by its text.
 */
export function preparedOnce<TQuery extends Runnable>(build: () => TQuery) {
  let template: TQuery | undefined;
  return (tx: Tx, values: Record<string, unknown> = {}): ReturnType<TQuery["execute"]> => {
    if (!template) {
      template = build();
      // The one field of Drizzle's postgres.js prepared query that names its connection: if a Drizzle upgrade
      // renames it, fail on first use rather than run on the pool outside the transaction.
      if (!Object.hasOwn(template, "client")) throw new Error("drizzle-orm's prepared query has no `client` to run on");
    }
    const onTransaction = Object.create(template) as TQuery;
    (onTransaction as unknown as { client: unknown }).client = (tx._.session as unknown as PostgresJsSession<never, never, never>).client;
    return onTransaction.execute(values) as ReturnType<TQuery["execute"]>;
  };
}

const dialect = new PgDialect();

/** A raw statement to run with `preparedOnce`: postgres.js's rows as they come, with the row count. */
export function rawStatement<TRow extends Record<string, unknown>>(statement: SQL) {
  return db._.session.prepareQuery(dialect.sqlToQuery(statement), undefined, "raw", false) as unknown as {
    execute(placeholderValues?: Record<string, unknown>): Promise<RowList<TRow[]>>;
  };
}

/**
 * `json_to_recordset($1::json) as <alias>(<name> <type>, …)`: rows as a table in one JSON parameter (a placeholder,
 * filled with `JSON.stringify(rows)`), each field typed like the schema column it is named after
 * (`{ product_id: stockLevels.productId }`). For `from` in an update and for insertRows. Raw SQL because the
 * builder has no table function as a source.
 */
export function jsonRows(alias: string, fields: Record<string, Column>, rows: Placeholder): SQL {
  const shape = sql.join(
    Object.entries(fields).map(([name, column]) => sql`${sql.identifier(name)} ${sql.raw(column.getSQLType())}`),
    sql`, `,
  );
  // JSON carries dates (ISO 8601), nulls and jsonb values as they are.
  return sql`json_to_recordset(${rows}::json) as ${sql.identifier(alias)}(${shape})`;
}

type InsertKey<TTable extends PgTable> = string & keyof TTable["$inferInsert"];

/**
 * `insert into <table> (<columns>) select … from json_to_recordset($1)`: a multi-row insert with every row in one
 * JSON parameter, built once (`preparedOnce`). Raw SQL because the builder's insert … select must list every column
 * of the table; the columns here still come from the schema, so a renamed column breaks the type check.
 * `columns` fixes the statement; the others take their defaults. `computed` gives a column an SQL expression
 * (e.g. from the database's clock) instead of a value per row; `then` follows the insert (`on conflict …`,
 * `returning …`). Returns the function that runs it in a transaction; it needs at least one row.
 */
export function insertRows<
  TTable extends PgTable,
  TKey extends InsertKey<TTable>,
  TComputed extends InsertKey<TTable> = never,
  TReturned extends Record<string, unknown> = Record<string, never>,
>(
  table: TTable,
  columns: readonly TKey[],
  options: { computed?: { [K in TComputed]: SQL }; then?: SQL } = {},
): (tx: Tx, rows: readonly { [K in TKey]: TTable["$inferInsert"][K] }[]) => Promise<RowList<TReturned[]>> {
  const byKey = getTableColumns(table) as Record<string, Column>;
  const given = columns.map((key) => byKey[key]!);
  const computed = (options.computed ?? {}) as Record<string, SQL>;
  const derived = Object.keys(computed).map((key) => [byKey[key]!, computed[key]!] as const);
  const targets = sql.join([...given, ...derived.map(([column]) => column)].map(bareName), sql`, `);
  const values = sql.join([...given.map((column) => sql`r.${bareName(column)}`), ...derived.map(([, expression]) => expression)], sql`, `);
  // Each row's fields under their columns' database names.
  const source = jsonRows("r", Object.fromEntries(given.map((column) => [column.name, column])), sql.placeholder("rows"));
  const run = preparedOnce(() =>
    rawStatement<TReturned>(sql`insert into ${table} (${targets}) select ${values} from ${source} ${options.then ?? sql``}`),
  );
  return (tx, rows) =>
    run(tx, { rows: JSON.stringify(rows.map((row) => Object.fromEntries(columns.map((key, i) => [given[i]!.name, row[key]])))) });
}
