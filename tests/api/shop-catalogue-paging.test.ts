/**
 * GET /api/products over real HTTP: keyset paging (no duplicates, no gaps, both directions), full-text search,
 * the sort orders, "in stock only", `held` / `nextReleaseAt` (a shopper's own hold is not counted against
 * them), and a 400 `invalid_request` for every bad parameter.
 */
import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db, pool } from "@/db/client";
import { describeAdjustments, fitCartToStock } from "@/lib/cart";
import { startCheckout } from "@/lib/checkout";
import { startApp, type RunningApp } from "../support/app-server";
import { HttpClient } from "../support/http";
import { makeProduct, shopperWithCart, timeTravelHolds } from "../support/fixtures";
import { expectError, shopperWithLines, startedCheckout } from "./shop-support";

let app: RunningApp;

beforeAll(async () => {
  app = await startApp();
});

afterAll(async () => {
  await app?.stop();
  await pool.end();
});

interface ListedProduct {
  id: string;
  slug: string;
  name: string;
  description: string;
  priceCents: number;
  available: number;
  held: number;
  nextReleaseAt: string | null;
}

interface ProductList {
  products: ListedProduct[];
  nextCursor: string | null;
  prevCursor: string | null;
}

/** Products made in one statement, with their stock and opening-stock ledger rows: the catalogue at scale. */
async function bulkProducts(items: { name: string; description?: string; priceCents: number; onHand: number }[]) {
  const tag = randomUUID().slice(0, 8);
  const rows = await db.execute<{ id: string }>(sql`
    with input as (
      select * from json_to_recordset(${JSON.stringify(
        items.map((item, i) => ({ ...item, description: item.description ?? "", slug: `bulk-${tag}-${i}` })),
      )}::json) as x(name text, description text, slug text, "priceCents" int, "onHand" int)
    ), made as (
      insert into products (slug, name, description, price_cents)
      select slug, name, description, "priceCents" from input returning id, slug
    ), variant as (
      insert into product_variants (product_id, sku, price_cents)
      select made.id, upper(made.slug), input."priceCents" from made join input using (slug) returning id, product_id
    ), main as (
      select id from locations order by priority, id limit 1
    ), stock as (
      insert into stock_levels (product_id, variant_id, location_id, on_hand)
      select made.id, variant.id, main.id, input."onHand" from made join input using (slug) join variant on variant.product_id = made.id cross join main
    ), ledger as (
      insert into stock_movements (product_id, variant_id, location_id, kind, on_hand_delta, reason)
      select made.id, variant.id, main.id, 'receive', input."onHand", 'opening stock'
      from made join input using (slug) join variant on variant.product_id = made.id cross join main where input."onHand" > 0
    )
    select id from made`);
  return rows.map((r) => r.id);
}

const client = () => new HttpClient(app.baseUrl);

async function list(http: HttpClient, params: Record<string, string>) {
  const result = await http.get<ProductList>(`/api/products?${new URLSearchParams(params).toString()}`);
  expect(result.status, result.text).toBe(200);
  return result.body;
}

/** Follows nextCursor from the first page to the last; every page at most `limit` long. */
async function walk(http: HttpClient, params: Record<string, string>, limit: number) {
  const pages: ProductList[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < 200; i += 1) {
    const page = await list(http, { ...params, limit: String(limit), ...(cursor ? { cursor } : {}) });
    expect(page.products.length).toBeLessThanOrEqual(limit);
    pages.push(page);
    cursor = page.nextCursor;
    if (!cursor) break;
  }
  expect(cursor, "the walk reached the last page").toBeNull();
  return pages;
}

describe("paging and sort orders", () => {
  it("walks the whole catalogue in every sort order with no duplicates and no gaps, forwards and back", async () => {
    // Ties on purpose: equal prices and equal names must still page cleanly (the id breaks ties).
    await bulkProducts(
      Array.from({ length: 40 }, (_, i) => ({
        name: i % 5 === 0 ? "Twin Name Vase" : `Paging item ${String(i).padStart(2, "0")}`,
        priceCents: 1000 + (i % 4) * 250,
        onHand: i % 3,
      })),
    );
    const all = await db.execute<{ id: string; name: string; price_cents: number; created_at: string }>(sql`
      select id, name, price_cents, to_char(created_at, 'YYYYMMDDHH24MISSUS') as created_at from products`);
    const http = client();

    for (const sort of ["newest", "price_asc", "price_desc", "name"]) {
      const pages = await walk(http, { sort }, 7);
      const ids = pages.flatMap((p) => p.products.map((product) => product.id));
      expect(new Set(ids).size, `${sort}: no duplicates`).toBe(ids.length);
      expect(new Set(ids), `${sort}: no gaps`).toEqual(new Set(all.map((r) => r.id)));
      expect(pages[0]!.prevCursor, `${sort}: the first page has no previous page`).toBeNull();

      const listed = pages.flatMap((p) => p.products);
      for (let i = 1; i < listed.length; i += 1) {
        const [a, b] = [listed[i - 1]!, listed[i]!];
        if (sort === "price_asc") expect(a.priceCents).toBeLessThanOrEqual(b.priceCents);
        if (sort === "price_desc") expect(a.priceCents).toBeGreaterThanOrEqual(b.priceCents);
      }
      if (sort === "newest") {
        const created = new Map(all.map((r) => [r.id, r.created_at]));
        const stamps = listed.map((p) => created.get(p.id)!);
        expect(stamps).toEqual([...stamps].sort().reverse());
      }

      // Back from the last page by prevCursor: the same pages, in reverse.
      const back: string[][] = [pages[pages.length - 1]!.products.map((p) => p.id)];
      let prev = pages[pages.length - 1]!.prevCursor;
      while (prev) {
        const page = await list(http, { sort, limit: "7", cursor: prev });
        back.unshift(page.products.map((p) => p.id));
        prev = page.prevCursor;
      }
      expect(back, `${sort}: previous pages are the pages seen going forwards`).toEqual(
        pages.map((p) => p.products.map((product) => product.id)),
      );
    }

    // By name (the default without a search): the database's own text order, ties broken by id.
    const byName = (await walk(http, {}, 9)).flatMap((p) => p.products);
    const names = byName.map((p) => p.name);
    const [ordered] = await db.execute<{ names: string[] }>(sql`
      select array_agg(name order by name, id) as names from products`);
    expect(names).toEqual(ordered!.names);
  });

  it("answers 100 products by default and at most 100 per page", async () => {
    const [count] = await db.execute<{ n: number }>(sql`select count(*)::int as n from products`);
    if (count!.n <= 100) {
      await bulkProducts(Array.from({ length: 101 - count!.n }, (_, i) => ({ name: `Filler ${i}`, priceCents: 500, onHand: 1 })));
    }
    const http = client();
    const first = await list(http, {});
    expect(first.products).toHaveLength(100);
    expect(first.nextCursor).toEqual(expect.any(String));
    const rest = await list(http, { cursor: first.nextCursor! });
    const total = (await db.execute<{ n: number }>(sql`select count(*)::int as n from products`))[0]!.n;
    expect(first.products.length + rest.products.length).toBe(Math.min(total, 200));
    expect((await list(http, { limit: "100" })).products).toHaveLength(100);
    expect((await list(http, { limit: "1" })).products).toHaveLength(1);
  });

  it("does not shift a page when a product is added meanwhile (keyset, not offset)", async () => {
    const tag = `shift${randomUUID().slice(0, 6)}`;
    await bulkProducts(Array.from({ length: 6 }, (_, i) => ({ name: `${tag} ${String.fromCharCode(98 + i)}`, priceCents: 100, onHand: 1 })));
    const http = client();
    const first = await list(http, { q: tag, sort: "name", limit: "3" });
    // A product that sorts before everything seen: page two must still start right after the first page.
    await bulkProducts([{ name: `${tag} a`, priceCents: 100, onHand: 1 }]);
    const second = await list(http, { q: tag, sort: "name", limit: "3", cursor: first.nextCursor! });
    expect(second.products.map((p) => p.name)).toEqual([`${tag} e`, `${tag} f`, `${tag} g`]);
  });
});

describe("search", () => {
  it("finds by name and description, by word prefixes, all words, best matches first", async () => {
    const tag = `qx${randomUUID().replace(/-/g, "").slice(0, 8)}`;
    const [inName, inDescription, both, other] = await bulkProducts([
      { name: `Lantern ${tag}`, description: "A brass lamp for the porch.", priceCents: 3000, onHand: 2 },
      { name: `Storm glass ${tag}`, description: "Pairs well with any lantern on a shelf.", priceCents: 2000, onHand: 2 },
      { name: `Lantern hook ${tag}`, description: "Holds one lantern.", priceCents: 900, onHand: 2 },
      { name: `Rope ${tag}`, description: "Hemp, ten metres.", priceCents: 1200, onHand: 2 },
    ]);
    const http = client();

    const lantern = await list(http, { q: `lantern ${tag}` });
    const ids = lantern.products.map((p) => p.id);
    expect(new Set(ids)).toEqual(new Set([inName, inDescription, both]));
    // Ranked: a name match (weight A) before a description-only match.
    expect(ids.indexOf(inDescription!)).toBe(2);

    // Prefixes of each word; case and punctuation do not matter.
    expect((await list(http, { q: `LANT, ${tag.slice(0, 6)}!` })).products.map((p) => p.id).sort()).toEqual(
      [inName!, inDescription!, both!].sort(),
    );
    // Every word must match.
    expect((await list(http, { q: `hemp ${tag}` })).products.map((p) => p.id)).toEqual([other]);
    expect((await list(http, { q: `hemp lantern ${tag}` })).products).toEqual([]);
    // Another sort order applies to the matches.
    expect((await list(http, { q: tag, sort: "price_asc" })).products.map((p) => p.priceCents)).toEqual([900, 1200, 2000, 3000]);
    // Paging through matches by relevance.
    const pages = await walk(http, { q: tag }, 1);
    expect(pages.flatMap((p) => p.products.map((product) => product.id)).sort()).toEqual([inName!, inDescription!, both!, other!].sort());
  });

  it("finds a model number written after a hyphen by its number, as PostgreSQL's parser reads it signed", async () => {
    const tag = `qm${randomUUID().replace(/-/g, "").slice(0, 8)}`;
    const number = String(10_000 + Math.floor(Math.random() * 80_000));
    const [lamp, kettle] = await bulkProducts([
      { name: `Desk lamp ${tag} A-${number}`, description: "Brass.", priceCents: 3000, onHand: 2 },
      { name: `Kettle ${tag}`, description: `Spare lid for the K-${number} and others.`, priceCents: 2000, onHand: 2 },
    ]);
    const http = client();
    const found = async (q: string) => (await list(http, { q })).products.map((p) => p.id);
    // The number in a name ranks before the same number in a description; "a" is a stop word.
    for (const q of [`${tag} ${number}`, `${tag} A-${number}`, `${tag} ${number.slice(0, 3)}`]) {
      expect(await found(q), q).toEqual([lamp, kettle]);
    }
    expect(await found(`${tag} k-${number}`)).toEqual([kettle]);
  });

  it("treats query syntax as plain words and finds nothing for punctuation alone", async () => {
    const http = client();
    for (const q of ["!!!", "&|:*()", "' or 1=1 --", "\\", "a & !b | c:*", "<script>", "ünïcödé"]) {
      const result = await http.get<ProductList>(`/api/products?q=${encodeURIComponent(q)}`);
      expect(result.status, `${q}: ${result.text}`).toBe(200);
    }
    expect((await list(http, { q: "!!!" })).products).toEqual([]);
  });
});

describe("in stock only, held and nextReleaseAt", () => {
  it("shows units in other shoppers' live holds as held, with when the soonest lapses; not the shopper's own", async () => {
    const tag = `hx${randomUUID().replace(/-/g, "").slice(0, 8)}`;
    const [product] = await bulkProducts([{ name: `Held lamp ${tag}`, priceCents: 4900, onHand: 5 }]);
    const holder = await shopperWithLines(app, [{ productId: product!, quantity: 2 }]);
    const holding = await startedCheckout(holder);
    const second = await shopperWithLines(app, [{ productId: product!, quantity: 1 }]);
    const secondHolding = await startedCheckout(second);
    const soonest = [holding.expiresAt, secondHolding.expiresAt].sort()[0]!;

    const visitor = client();
    const seen = (await list(visitor, { q: tag })).products[0]!;
    expect(seen).toMatchObject({ id: product, available: 2, held: 3 });
    expect(Date.parse(seen.nextReleaseAt!)).toBe(Date.parse(soonest));

    // The holder's own 2 are theirs: they see 4 available and only the other shopper's 1 as held.
    const mine = (await list(holder, { q: tag })).products[0]!;
    expect(mine).toMatchObject({ available: 4, held: 1 });
    expect(Date.parse(mine.nextReleaseAt!)).toBe(Date.parse(secondHolding.expiresAt));
    const slug = seen.slug;
    expect((await holder.get(`/api/products/${slug}`)).body.product).toMatchObject({ available: 4, held: 1 });
    expect((await visitor.get(`/api/products/${slug}`)).body.product).toMatchObject({ available: 2, held: 3 });
    // Their cart agrees: the line they hold is not short.
    const cart = (await holder.get("/api/cart")).body.cart;
    expect(cart.lines[0]).toMatchObject({ productId: product, quantity: 2, available: 4, held: 1 });

    // Once the holds' time is up they no longer count, even before any sweep releases them.
    await timeTravelHolds([holding.id, secondHolding.id]);
    const after = (await list(visitor, { q: tag })).products[0]!;
    expect(after).toMatchObject({ available: 5, held: 0, nextReleaseAt: null });
  });

  it("leaves out what this shopper cannot have, but keeps what they hold themselves", async () => {
    const tag = `sx${randomUUID().replace(/-/g, "").slice(0, 8)}`;
    const [inStock, none, heldByOther, heldByMe] = await bulkProducts([
      { name: `Shelf a ${tag}`, priceCents: 100, onHand: 3 },
      { name: `Shelf b ${tag}`, priceCents: 100, onHand: 0 },
      { name: `Shelf c ${tag}`, priceCents: 100, onHand: 1 },
      { name: `Shelf d ${tag}`, priceCents: 100, onHand: 1 },
    ]);
    const other = await shopperWithLines(app, [{ productId: heldByOther!, quantity: 1 }]);
    await startedCheckout(other);
    const me = await shopperWithLines(app, [{ productId: heldByMe!, quantity: 1 }]);
    await startedCheckout(me);

    const everything = await list(client(), { q: tag });
    expect(everything.products.map((p) => p.id).sort()).toEqual([inStock!, none!, heldByOther!, heldByMe!].sort());
    expect((await list(client(), { q: tag, inStock: "true" })).products.map((p) => p.id)).toEqual([inStock]);
    expect((await list(me, { q: tag, inStock: "1" })).products.map((p) => p.id).sort()).toEqual([inStock!, heldByMe!].sort());
    expect((await list(client(), { q: tag, inStock: "false" })).products).toHaveLength(4);
  });

  it("adjusting the cart to stock keeps the shopper's own hold and says what changed", async () => {
    const watch = await makeProduct(1, 24900);
    const kettle = await makeProduct(3, 6500);
    const mine = await makeProduct(1, 1000);
    const shopper = await shopperWithCart([{ productId: mine.id, quantity: 1 }]);
    await startCheckout(shopper, { email: shopper.email });
    // The shopper's own hold of the last unit is theirs; then others take the watch and two kettles.
    const rival = await shopperWithCart([
      { productId: watch.id, quantity: 1 },
      { productId: kettle.id, quantity: 2 },
    ]);
    await startCheckout(rival, { email: rival.email });
    await db.execute(sql`
      insert into cart_lines (cart_id, product_id, variant_id, quantity)
      select c.id, p.id, v.id, p.q from carts c, (values (${watch.id}::uuid, 1), (${kettle.id}::uuid, 3)) as p(id, q)
      join product_variants v on v.product_id = p.id
      where c.shopper_id = ${shopper.id}`);

    const { cart, adjustments } = await fitCartToStock(shopper.id);
    expect(describeAdjustments(adjustments)).toBe(`${watch.name} removed: sold out; ${kettle.name} 3 → 1`);
    expect(cart.lines.map((l) => [l.productId, l.quantity]).sort()).toEqual(
      [
        [mine.id, 1],
        [kettle.id, 1],
      ].sort(),
    );
    expect(describeAdjustments((await fitCartToStock(shopper.id)).adjustments)).toBeNull();
  });
});

describe("refusals", () => {
  const cursorOf = (payload: unknown) => Buffer.from(JSON.stringify(payload)).toString("base64url");

  it.each([
    ["limit 0", "limit=0"],
    ["limit over 100", "limit=101"],
    ["a negative limit", "limit=-1"],
    ["a fractional limit", "limit=1.5"],
    ["a limit in words", "limit=ten"],
    ["a huge limit", "limit=99999999999999999999"],
    ["an unknown sort", "sort=cheapest"],
    ["an inStock that is not a yes or no", "inStock=maybe"],
    ["a search over 200 characters", `q=${"a".repeat(201)}`],
    ["a search with control characters", "q=lamp%00"],
    ["a repeated parameter", "limit=1&limit=2"],
    ["a cursor that is not base64url", "cursor=%2F%2F%2F"],
    ["a cursor that is not JSON", `cursor=${Buffer.from("not json").toString("base64url")}`],
    ["a cursor of the wrong shape", `cursor=${cursorOf({ l: "name", k: [], d: "a" })}`],
    ["a cursor of another sort order", `sort=price_asc&cursor=${cursorOf({ l: "name", k: ["Lamp", randomUUID()], d: "a" })}`],
    ["a cursor with a bad id", `cursor=${cursorOf({ l: "name", k: ["Lamp", "not-a-uuid"], d: "a" })}`],
    ["a cursor with a text price", `sort=price_asc&cursor=${cursorOf({ l: "price_asc", k: ["cheap", randomUUID()], d: "a" })}`],
    ["a cursor with a price beyond range", `sort=price_asc&cursor=${cursorOf({ l: "price_asc", k: [1e300, randomUUID()], d: "a" })}`],
    ["a cursor with an impossible date", `sort=newest&cursor=${cursorOf({ l: "newest", k: ["2026-02-30T10:00:00.000000Z", randomUUID()], d: "a" })}`],
    ["a cursor with a NUL in a name", `cursor=${cursorOf({ l: "name", k: ["a\u0000b", randomUUID()], d: "a" })}`],
    ["a cursor of another search", `q=lamp&cursor=${cursorOf({ l: "relevance", k: [0.5, randomUUID()], d: "a" })}`],
    ["a cursor over 1000 characters", `cursor=${"A".repeat(1001)}`],
  ])("refuses %s with 400 invalid_request", async (_label, query) => {
    expectError(await client().get(`/api/products?${query}`), 400, "invalid_request");
  });

  it("refuses a search's cursor for another search, and a forged rank", async () => {
    const http = client();
    const tag = `rx${randomUUID().replace(/-/g, "").slice(0, 8)}`;
    await bulkProducts([
      { name: `Rank a ${tag}`, priceCents: 100, onHand: 1 },
      { name: `Rank b ${tag}`, priceCents: 100, onHand: 1 },
    ]);
    const first = await list(http, { q: tag, limit: "1" });
    expect(first.nextCursor).toEqual(expect.any(String));
    expect((await list(http, { q: tag, limit: "1", cursor: first.nextCursor! })).products).toHaveLength(1);
    expectError(await http.get(`/api/products?q=other&limit=1&cursor=${first.nextCursor}`), 400, "invalid_request");
    const payload = JSON.parse(Buffer.from(first.nextCursor!, "base64url").toString()) as { l: string; k: unknown[] };
    const forged = cursorOf({ ...payload, k: [1e40, payload.k[1]] });
    expectError(await http.get(`/api/products?q=${tag}&cursor=${forged}`), 400, "invalid_request");
  });

  it("accepts empty parameters as not given", async () => {
    const result = await client().get<ProductList>("/api/products?q=&sort=&inStock=&cursor=&limit=");
    expect(result.status, result.text).toBe(200);
    expect(result.body.products.length).toBeGreaterThan(0);
  });
});
