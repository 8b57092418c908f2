/**
 * Keyset (cursor) paging: a page starts right after (or ends right before) the last row a client saw, found
 * through an index, so page 400 costs what page 1 costs and a product added meanwhile never shifts a page.
 *
 * A cursor is opaque to clients: base64url JSON of the list it belongs to, the sort key values of the row it
 * points at, and whether it reads forwards (`after`) or backwards (`before`).
 */
import "server-only";
import { sql, type SQL, type SQLWrapper } from "drizzle-orm";
import { z } from "zod";
import { DomainError } from "./errors";
import { isUuid } from "./ids";

export type KeyValue = string | number;

export interface Cursor {
  /** What the cursor belongs to (e.g. the sort order): a cursor of another list is refused. */
  list: string;
  keys: KeyValue[];
  direction: "after" | "before";
}

const cursorPayload = z.object({
  l: z.string().max(40),
  k: z.array(z.union([z.string().max(300), z.number().finite()])).min(1).max(4),
  d: z.enum(["a", "b"]),
});

export function encodeCursor(cursor: Cursor): string {
  const payload = { l: cursor.list, k: cursor.keys, d: cursor.direction === "after" ? "a" : "b" };
  return Buffer.from(JSON.stringify(payload)).toString("base64url");
}

const badCursor = (message = "The cursor is not valid: use a nextCursor this list gave you.") =>
  new DomainError("invalid_request", message, { issues: [{ path: ["cursor"], message }] });

/** Reads a cursor made by encodeCursor for this list; anything else is a 400 `invalid_request`. */
export function decodeCursor(value: string, list: string, keyCount: number): Cursor {
  if (!/^[A-Za-z0-9_-]{1,1000}$/.test(value)) throw badCursor();
  let data: unknown;
  try {
    data = JSON.parse(Buffer.from(value, "base64url").toString("utf8"));
  } catch {
    throw badCursor();
  }
  const parsed = cursorPayload.safeParse(data);
  if (!parsed.success || parsed.data.k.length !== keyCount) throw badCursor();
  if (parsed.data.l !== list) throw badCursor("The cursor belongs to another sort order or list: start again from the first page.");
  return { list, keys: parsed.data.k, direction: parsed.data.d === "a" ? "after" : "before" };
}

/**
 * One sort order of a list: the key expressions (the last one unique, so every row has exactly one place), each
 * with the SQL type its cursor value is cast to, all in one direction (so a row comparison can use the index).
 */
export interface KeysetOrder {
  list: string;
  keys: { expression: SQLWrapper; type: string; validate?: (value: KeyValue) => boolean }[];
  direction: "asc" | "desc";
}

/** The WHERE condition for the rows after (or before) the cursor, in this order. */
export function keysetCondition(order: KeysetOrder, cursor: Cursor): SQL {
  order.keys.forEach((key, i) => {
    if (key.validate && !key.validate(cursor.keys[i]!)) throw badCursor();
  });
  const forwards = cursor.direction === "after";
  const greater = (order.direction === "asc") === forwards;
  const columns = sql.join(
    order.keys.map((k) => k.expression),
    sql`, `,
  );
  const values = sql.join(
    order.keys.map((k, i) => sql`${cursor.keys[i]}::${sql.raw(k.type)}`),
    sql`, `,
  );
  return greater ? sql`(${columns}) > (${values})` : sql`(${columns}) < (${values})`;
}

/** ORDER BY for reading forwards, or the reverse for reading a page backwards (flipped back afterwards). */
export function keysetOrderBy(order: KeysetOrder, direction: Cursor["direction"] = "after"): SQL[] {
  const ascending = (order.direction === "asc") === (direction === "after");
  return order.keys.map((k) => (ascending ? sql`${k.expression} asc` : sql`${k.expression} desc`));
}

export interface Page<T> {
  rows: T[];
  nextCursor: string | null;
  prevCursor: string | null;
}

/**
 * Turns `limit + 1` rows read in `cursor`'s direction into a page: the extra row only says there is more.
 * `keysOf` gives a row's sort key values for the cursors.
 */
export function toPage<T>(
  fetched: T[],
  limit: number,
  order: KeysetOrder,
  cursor: Cursor | null,
  keysOf: (row: T) => KeyValue[],
): Page<T> {
  const backwards = cursor?.direction === "before";
  const more = fetched.length > limit;
  const rows = fetched.slice(0, limit);
  if (backwards) rows.reverse();
  const first = rows[0];
  const last = rows[rows.length - 1];
  const hasNext = backwards ? true : more;
  const hasPrev = backwards ? more : cursor !== null;
  return {
    rows,
    nextCursor: hasNext && last ? encodeCursor({ list: order.list, keys: keysOf(last), direction: "after" }) : null,
    prevCursor: hasPrev && first ? encodeCursor({ list: order.list, keys: keysOf(first), direction: "before" }) : null,
  };
}

/**
 * Timestamp keys travel as UTC text with microseconds (a JavaScript Date would drop them): select them with
 * `utcText(column)`. Only real dates in exactly that form pass, so no cursor can make PostgreSQL fail to cast.
 */
export const utcText = (column: SQLWrapper) => sql<string>`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

export const isUtcTimestamp = (value: KeyValue) =>
  typeof value === "string" &&
  /^[1-9]\d{3}-\d{2}-\d{2}T([01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{6}Z$/.test(value) &&
  !Number.isNaN(Date.parse(value)) &&
  new Date(Date.parse(value)).toISOString().slice(0, 10) === value.slice(0, 10);
export { isUuid };
/** Fits the `bigint` cast used for whole-number keys. */
export const isWholeNumber = (value: KeyValue) => typeof value === "number" && Number.isSafeInteger(value);
/** Text keys: no NUL (PostgreSQL text cannot hold one). */
export const isText = (value: KeyValue) => typeof value === "string" && !value.includes("\u0000");
/** Search ranks (PostgreSQL `real`), well inside its range so the cast cannot fail. */
export const isRank = (value: KeyValue) => typeof value === "number" && value >= 0 && value <= 1e6;

/**
 * Keyset paging anchored on a row rather than on copied values: the cursor holds only the last row's id, and
 * the page continues from that row's current sort keys (read by `anchor`, a `select <keys> from … where id = …`).
 * For lists whose rows are shaped elsewhere. A cursor whose row is gone yields an empty page.
 */
export interface AnchoredOrder {
  list: string;
  /** The sort key expressions of the main query, the row's id last. */
  columns: SQLWrapper[];
  direction: "asc" | "desc";
  /** The query that reads those keys of the row with this id. */
  anchor: (id: string) => SQLWrapper;
}

export function decodeAnchoredCursor(value: string, order: AnchoredOrder): Cursor {
  const cursor = decodeCursor(value, order.list, 1);
  if (!isUuid(cursor.keys[0]!)) throw badCursor();
  return cursor;
}

export function anchoredCondition(order: AnchoredOrder, cursor: Cursor): SQL {
  const greater = (order.direction === "asc") === (cursor.direction === "after");
  const columns = sql.join(order.columns, sql`, `);
  // A row compares with a subquery in one pair of parentheses: getSQL, or Drizzle adds a second pair to a query.
  const anchor = order.anchor(String(cursor.keys[0])).getSQL();
  return greater ? sql`(${columns}) > (${anchor})` : sql`(${columns}) < (${anchor})`;
}

export function anchoredOrderBy(order: AnchoredOrder, direction: Cursor["direction"] = "after"): SQL {
  const ascending = (order.direction === "asc") === (direction === "after");
  return sql.join(
    order.columns.map((c) => (ascending ? sql`${c} asc` : sql`${c} desc`)),
    sql`, `,
  );
}

/** toPage for anchored lists: the cursors hold the first and last rows' ids. */
export function toAnchoredPage<T extends { id: string }>(fetched: T[], limit: number, order: AnchoredOrder, cursor: Cursor | null): Page<T> {
  const keyed: KeysetOrder = { list: order.list, keys: [], direction: order.direction };
  return toPage(fetched, limit, keyed, cursor, (row) => [row.id]);
}

/** `ILIKE` pattern for "contains": the shopper's text taken literally (no wildcards of their own). */
export const containsPattern = (text: string) => `%${text.trim().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
