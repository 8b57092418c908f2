/**
 * The admin lists at scale: the stock dashboard's page (search, low / sold-out / held filters, totals of the
 * whole shop computed in SQL), and paging of holds, orders and the ledger. Each default answer stays as it was.
 */
import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { db } from "@/db/client";
import { makeProduct, timeTravelHolds } from "../support/fixtures";
import { expectError } from "./shop-support";
import { adminApiForFile, guestHolding, paidOrder } from "./admin-helpers";

const { get } = adminApiForFile();

type StockRow = { id: string; name: string; onHand: number; reserved: number; allocated: number; available: number; low: boolean; soldOut: boolean };

/** Follows nextCursor from the first page to the last; answers every row in order. */
async function walk<T>(path: string, key: string, limit: number): Promise<T[]> {
  const rows: T[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < 500; i += 1) {
    const separator = path.includes("?") ? "&" : "?";
    const response = await get(`${path}${separator}limit=${limit}${cursor ? `&cursor=${cursor}` : ""}`);
    expect(response.status, response.text).toBe(200);
    expect(response.body[key].length).toBeLessThanOrEqual(limit);
    rows.push(...response.body[key]);
    cursor = response.body.nextCursor;
    if (!cursor) return rows;
  }
  throw new Error("no last page");
}

describe("GET /api/admin/stock, a page at a time", () => {
  it("pages by name through every product with the whole shop's totals on each page", async () => {
    for (let i = 0; i < 7; i += 1) await makeProduct(i);
    const everything = await get("/api/admin/stock");
    const all: StockRow[] = everything.body.products;
    expect(everything.body.nextCursor).toBeUndefined();

    const paged = await walk<StockRow>("/api/admin/stock", "products", 3);
    expect(paged.map((p) => p.id)).toEqual(all.map((p) => p.id));
    expect(new Set(paged.map((p) => p.id)).size).toBe(all.length);

    const page = await get("/api/admin/stock?limit=2");
    expect(page.body.products).toHaveLength(2);
    expect(page.body.totals).toEqual(everything.body.totals);
    const back = await get(`/api/admin/stock?limit=2&cursor=${(await get(`/api/admin/stock?limit=2&cursor=${page.body.nextCursor}`)).body.prevCursor}`);
    expect(back.body.products.map((p: StockRow) => p.id)).toEqual(page.body.products.map((p: StockRow) => p.id));
  });

  it("filters low, sold out and held stock, and finds products by name", async () => {
    const tag = `dash${randomUUID().replace(/-/g, "").slice(0, 8)}`;
    const name = async (onHand: number, suffix: string) => {
      const product = await makeProduct(onHand);
      await db.execute(sql`update products set name = ${`${suffix} ${tag}`} where id = ${product.id}`);
      return product;
    };
    const plenty = await name(20, "Plenty");
    const low = await name(2, "Low");
    const gone = await name(0, "Gone");
    const held = await name(10, "Held");
    await guestHolding(held.id, 4);

    const ids = async (query: string) =>
      ((await get(`/api/admin/stock?q=${tag}&${query}`)).body.products as StockRow[]).map((p) => p.id).sort();
    expect(await ids("filter=all")).toEqual([plenty.id, low.id, gone.id, held.id].sort());
    expect(await ids("filter=low")).toEqual([low.id]);
    expect(await ids("filter=sold_out")).toEqual([gone.id]);
    expect(await ids("filter=held")).toEqual([held.id]);
    expect(await ids(`limit=10`)).toHaveLength(4);
    expect((await get(`/api/admin/stock?q=plen ${tag}`)).body.products.map((p: StockRow) => p.id)).toEqual([plenty.id]);

    const totals = (await get("/api/admin/stock")).body.totals;
    const all: StockRow[] = (await get("/api/admin/stock")).body.products;
    expect(totals.held).toBe(all.filter((p) => p.reserved > 0).length);
    expect(totals.low).toBe((await walk<StockRow>("/api/admin/stock?filter=low", "products", 50)).length);
    expect(totals.soldOut).toBe((await walk<StockRow>("/api/admin/stock?filter=sold_out", "products", 50)).length);
  });

  it.each([
    ["an unknown filter", "filter=empty"],
    ["limit 0", "limit=0"],
    ["a limit over 500", "limit=501"],
    ["a limit in words", "limit=lots"],
    ["a bad cursor", "cursor=nonsense"],
    ["a cursor of another list", `cursor=${Buffer.from(JSON.stringify({ l: "name", k: ["a", randomUUID()], d: "a" })).toString("base64url")}`],
  ])("refuses %s with 400", async (_label, query) => {
    expectError(await get(`/api/admin/stock?${query}`), 400, "invalid_request");
  });
});

describe("the shop's totals", () => {
  it("count a hold whose time is up as released, before any sweep, like each product's row", async () => {
    const lapsing = await makeProduct(3);
    const { checkout } = await guestHolding(lapsing.id, 3);
    const live = await makeProduct(5);
    await guestHolding(live.id, 2);
    const totalsOf = (products: StockRow[]) => ({
      products: products.length,
      onHand: products.reduce((sum, p) => sum + p.onHand, 0),
      reserved: products.reduce((sum, p) => sum + p.reserved, 0),
      allocated: products.reduce((sum, p) => sum + p.allocated, 0),
      available: products.reduce((sum, p) => sum + p.available, 0),
      low: products.filter((p) => p.low).length,
      soldOut: products.filter((p) => p.soldOut).length,
      held: products.filter((p) => p.reserved > 0).length,
    });
    const before = (await get("/api/admin/stock")).body;
    expect(before.products.find((p: StockRow) => p.id === lapsing.id)).toMatchObject({ reserved: 3, available: 0, soldOut: true });
    expect(before.totals).toEqual(totalsOf(before.products));

    await timeTravelHolds(checkout.id);
    const after = (await get("/api/admin/stock")).body;
    expect(after.products.find((p: StockRow) => p.id === lapsing.id)).toMatchObject({ reserved: 0, available: 3, low: true });
    expect(after.totals).toEqual(totalsOf(after.products));
    expect(after.totals).toMatchObject({ soldOut: before.totals.soldOut - 1, low: before.totals.low + 1, held: before.totals.held - 1 });
    expect((await get("/api/admin/stock?limit=1")).body.totals).toEqual(after.totals);
  });
});

describe("holds, orders and the ledger, a page at a time", () => {
  it("pages through active holds soonest first and finds them by product or shopper", async () => {
    const product = await makeProduct(20);
    await db.execute(sql`update products set name = 'Pageable Candle' where id = ${product.id}`);
    for (let i = 0; i < 5; i += 1) await guestHolding(product.id, 1);
    const all = (await get("/api/admin/reservations?status=active")).body.reservations;
    const paged = await walk<{ id: string; expiresAt: string }>("/api/admin/reservations?status=active", "reservations", 2);
    expect(paged.map((r) => r.id)).toEqual(all.map((r: { id: string }) => r.id));
    const found = (await get("/api/admin/reservations?status=active&q=pageable%20candle")).body.reservations;
    expect(found).toHaveLength(5);
    const byEmail = (await get(`/api/admin/reservations?status=active&q=${encodeURIComponent(found[0].shopper.email)}`)).body;
    expect(byEmail.reservations.map((r: { id: string }) => r.id)).toEqual([found[0].id]);
    expect((await get("/api/admin/reservations?status=active&q=100%25")).status).toBe(200);
    expectError(await get("/api/admin/reservations?cursor=nonsense"), 400, "invalid_request");
  });

  it("pages through orders newest first and finds one by email or number", async () => {
    const product = await makeProduct(20);
    const orders = [];
    for (let i = 0; i < 4; i += 1) orders.push((await paidOrder(product.id, 1)).order);
    const all = (await get("/api/admin/orders")).body.orders;
    const paged = await walk<{ id: string }>("/api/admin/orders", "orders", 3);
    expect(paged.map((o) => o.id)).toEqual(all.map((o: { id: string }) => o.id));
    expect(new Set(paged.map((o) => o.id)).size).toBe(paged.length);
    const one = orders[2]!;
    expect((await get(`/api/admin/orders?q=${one.id.slice(0, 8)}`)).body.orders.map((o: { id: string }) => o.id)).toEqual([one.id]);
    const [email] = await db.execute<{ email: string }>(sql`select email from orders where id = ${one.id}`);
    expect((await get(`/api/admin/orders?q=${encodeURIComponent(email!.email)}`)).body.orders.map((o: { id: string }) => o.id)).toEqual([one.id]);
    expectError(await get("/api/admin/orders?cursor=nonsense"), 400, "invalid_request");
    expectError(await get("/api/admin/orders?limit=0"), 400, "invalid_request");
  });

  it("pages through the ledger newest first", async () => {
    const product = await makeProduct(3);
    await guestHolding(product.id, 1);
    await guestHolding(product.id, 1);
    const all = (await get(`/api/admin/movements?productId=${product.id}`)).body.movements;
    expect(all.length).toBe(3);
    const paged = await walk<{ id: number }>(`/api/admin/movements?productId=${product.id}`, "movements", 1);
    expect(paged.map((m) => m.id)).toEqual(all.map((m: { id: number }) => m.id));
    const everyProduct = await walk<{ id: number }>("/api/admin/movements", "movements", 4);
    expect(everyProduct.map((m) => m.id)).toEqual([...everyProduct.map((m) => m.id)].sort((a, b) => b - a));
    expectError(await get("/api/admin/movements?cursor=nonsense"), 400, "invalid_request");
  });
});
