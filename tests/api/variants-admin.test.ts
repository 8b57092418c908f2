/**
 * The admin side of variants over HTTP: creating a product with options and variants, adding, changing and
 * retiring a variant, adding an option value; each variant's levels on the stock API with the low / sold-out /
 * held filters and the totals counted per variant; restocking one variant; holds, the ledger and orders naming
 * the SKU. Every bad input is a 4xx JSON error with nothing half-written.
 */
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { db } from "@/db/client";
import { createGuest } from "@/lib/accounts/shoppers";
import { addToCart } from "@/lib/cart";
import { createProduct } from "@/lib/catalog/products";
import { startCheckout } from "@/lib/checkout";
import { makeProduct, payInFull } from "../support/fixtures";
import { adminApiForFile } from "./admin-helpers";
import { expectError } from "./shop-support";

const { get, post, request } = adminApiForFile();

const patch = (path: string, json: unknown) =>
  request("PATCH", path, { body: JSON.stringify(json), headers: { "content-type": "application/json" } });

let made = 0;
const tag = () => `${(made += 1)}${Math.random().toString(36).slice(2, 7)}`.toUpperCase();

type VariantRow = { id: string; sku: string; options: Record<string, string>; retired: boolean; onHand: number; reserved: number; allocated: number; available: number };
type StockRow = { id: string; name: string; onHand: number; reserved: number; allocated: number; available: number; variants: VariantRow[] };

/** A shirt in S, M and L with these opening stocks, made through lib (the API's own create is tested below). */
async function makeShirt(stock: { S: number; M: number; L: number }, name = `Trail Shirt ${tag()}`) {
  const t = tag();
  const product = await createProduct({
    name,
    priceCents: 3000,
    options: [{ name: "Size", values: ["S", "M", "L"] }],
    variants: (["S", "M", "L"] as const).map((size) => ({ sku: `TS-${t}-${size}`, options: { Size: size }, onHand: stock[size] })),
    actorId: null,
  });
  const variantIds = await db.execute<{ id: string; size: string }>(
    sql`select id, options->>'Size' as size from product_variants where product_id = ${product.id}`,
  );
  const id = (size: string) => variantIds.find((v) => v.size === size)!.id;
  return { ...product, S: id("S"), M: id("M"), L: id("L"), sku: (size: string) => `TS-${t}-${size}` };
}

/** A guest holding `quantity` of one variant in an active checkout. */
async function holdVariant(variantId: string, quantity: number) {
  const guest = await createGuest();
  await addToCart(guest.id, { variantId }, quantity);
  const email = `guest-${guest.id.slice(0, 8)}@example.test`;
  const { checkout } = await startCheckout({ ...guest, email } as Parameters<typeof startCheckout>[0], { email });
  return { shopper: { ...guest, email }, checkout };
}

async function sellVariant(variantId: string, quantity: number) {
  const { shopper, checkout } = await holdVariant(variantId, quantity);
  return payInFull({ checkoutId: checkout.id, shopperId: shopper.id, cardNumber: "4242424242424242", idempotencyKey: `order-${checkout.id}` });
}

async function productCount(slug: string): Promise<number> {
  const [row] = await db.execute<{ n: number }>(sql`select count(*)::int as n from products where slug = ${slug}`);
  return row!.n;
}

async function variantRows(productId: string) {
  return db.execute<{ sku: string; options: Record<string, string>; price_cents: number; retired: boolean; on_hand: number }>(sql`
    select v.sku, v.options, v.price_cents, v.retired_at is not null as retired, s.on_hand
    from product_variants v join stock_levels s on s.variant_id = v.id
    where v.product_id = ${productId} order by v.position`);
}

const shirtBody = (slug: string, t: string) => ({
  name: `Camp Shirt ${t}`,
  slug,
  priceCents: 2500,
  options: [
    { name: "Size", values: ["S", "M"] },
    { name: "Colour", values: ["Red", "Blue"] },
  ],
  variants: [
    { sku: `CS-${t}-S-RED`, options: { Size: "S", Colour: "Red" }, onHand: 4 },
    { sku: `CS-${t}-M-RED`, options: { Size: "M", Colour: "Red" }, onHand: 0, priceCents: 2700 },
    { sku: `CS-${t}-M-BLUE`, options: { Size: "M", Colour: "Blue" }, onHand: 9 },
  ],
});

describe("POST /api/admin/products with options and variants", () => {
  it("creates the product with each variant's SKU, options, price and opening stock (201)", async () => {
    const t = tag();
    const slug = `camp-shirt-${t.toLowerCase()}`;
    const response = await post("/api/admin/products", shirtBody(slug, t));
    expect(response.status, response.text).toBe(201);
    const { product } = response.body;
    expect(product).toMatchObject({
      slug,
      priceCents: 2500,
      available: 13,
      options: [
        { name: "Size", values: ["S", "M"] },
        { name: "Colour", values: ["Red", "Blue"] },
      ],
    });
    expect(product.variants.map((v: VariantRow) => ({ sku: v.sku, options: v.options }))).toEqual([
      { sku: `CS-${t}-S-RED`, options: { Size: "S", Colour: "Red" } },
      { sku: `CS-${t}-M-RED`, options: { Size: "M", Colour: "Red" } },
      { sku: `CS-${t}-M-BLUE`, options: { Size: "M", Colour: "Blue" } },
    ]);
    for (const v of product.variants) expect(v.id).toMatch(/^[0-9a-f-]{36}$/);
    expect((await variantRows(product.id)).map((r) => [r.sku, r.price_cents, r.on_hand])).toEqual([
      [`CS-${t}-S-RED`, 2500, 4],
      [`CS-${t}-M-RED`, 2700, 0],
      [`CS-${t}-M-BLUE`, 2500, 9],
    ]);
  });

  it("without variants, makes one variant holding onHand with a SKU made from the slug", async () => {
    const t = tag().toLowerCase();
    const response = await post("/api/admin/products", { name: `Plain Mug ${t}`, priceCents: 900, onHand: 5 });
    expect(response.status, response.text).toBe(201);
    expect(response.body.product.variants).toHaveLength(1);
    expect(response.body.product.variants[0]).toMatchObject({ sku: `PLAIN-MUG-${t.toUpperCase()}`, options: {} });
  });

  const badCreates: [string, (slug: string, t: string) => unknown, number, string][] = [
    [
      "four options",
      (slug, t) => ({
        ...shirtBody(slug, t),
        options: ["Size", "Colour", "Fit", "Sleeve"].map((name) => ({ name, values: ["A"] })),
      }),
      400,
      "invalid_request",
    ],
    [
      "an option value that does not exist",
      (slug, t) => ({ ...shirtBody(slug, t), variants: [{ sku: `CS-${t}-XL`, options: { Size: "XL", Colour: "Red" } }] }),
      400,
      "invalid_request",
    ],
    [
      "an option the product does not have",
      (slug, t) => ({ ...shirtBody(slug, t), variants: [{ sku: `CS-${t}-X`, options: { Size: "S", Colour: "Red", Fit: "Slim" } }] }),
      400,
      "invalid_request",
    ],
    [
      "the same option combination twice in one request",
      (slug, t) => ({
        ...shirtBody(slug, t),
        variants: [
          { sku: `CS-${t}-A`, options: { Size: "S", Colour: "Red" } },
          { sku: `CS-${t}-B`, options: { Size: "S", Colour: "Red" } },
        ],
      }),
      400,
      "invalid_request",
    ],
    [
      "the same SKU twice in one request",
      (slug, t) => ({
        ...shirtBody(slug, t),
        variants: [
          { sku: `CS-${t}-A`, options: { Size: "S", Colour: "Red" } },
          { sku: `cs-${t}-a`, options: { Size: "M", Colour: "Red" } },
        ],
      }),
      400,
      "invalid_request",
    ],
    ["a SKU with spaces", (slug, t) => ({ ...shirtBody(slug, t), variants: [{ sku: `CS ${t}`, options: { Size: "S", Colour: "Red" } }] }), 400, "invalid_request"],
    ["options without variants", (slug, t) => ({ ...shirtBody(slug, t), variants: undefined, onHand: 3 }), 400, "invalid_request"],
  ];

  it.each(badCreates)("refuses %s and writes nothing", async (_what, body, status, code) => {
    const t = tag();
    const slug = `bad-shirt-${t.toLowerCase()}`;
    expectError(await post("/api/admin/products", body(slug, t)), status, code);
    expect(await productCount(slug)).toBe(0);
  });

  it("refuses a SKU another product has (409) and writes nothing", async () => {
    const shirt = await makeShirt({ S: 1, M: 1, L: 1 });
    const t = tag();
    const slug = `copy-shirt-${t.toLowerCase()}`;
    const body = shirtBody(slug, t);
    body.variants[2]!.sku = shirt.sku("M").toLowerCase();
    expectError(await post("/api/admin/products", body), 409, "conflict");
    expect(await productCount(slug)).toBe(0);
    const [row] = await db.execute<{ n: number }>(sql`select count(*)::int as n from product_variants where sku like ${`CS-${t}-%`}`);
    expect(row!.n).toBe(0);
  });
});

describe("POST /api/admin/products/{productId}/variants", () => {
  it("adds a variant with its SKU, options, price (the product's unless given) and opening stock (201)", async () => {
    const shirt = await makeShirt({ S: 1, M: 1, L: 1 });
    await patch(`/api/admin/products/${shirt.id}`, { options: [{ name: "Size", values: ["S", "M", "L", "XL"] }] });
    const response = await post(`/api/admin/products/${shirt.id}/variants`, { sku: `XL-${tag()}`, options: { Size: "XL" }, onHand: 6 });
    expect(response.status, response.text).toBe(201);
    expect(response.body.variant).toMatchObject({ productId: shirt.id, options: { Size: "XL" }, priceCents: 3000, retired: false });
    expect((await variantRows(shirt.id)).at(-1)).toMatchObject({ options: { Size: "XL" }, on_hand: 6 });

    const priced = await post(`/api/admin/products/${shirt.id}/variants`, { sku: `XL2-${tag()}`, options: { size: "xl" }, priceCents: 100 });
    // "xl" of "size" is the product's XL: a duplicate of the combination just added.
    expectError(priced, 409, "conflict");
  });

  it("refuses bad variants with a 4xx and adds nothing", async () => {
    const shirt = await makeShirt({ S: 1, M: 1, L: 1 });
    const other = await makeShirt({ S: 1, M: 1, L: 1 });
    const path = `/api/admin/products/${shirt.id}/variants`;
    expectError(await post(path, { sku: `NEW-${tag()}`, options: { Size: "XXL" } }), 400, "invalid_request");
    expectError(await post(path, { sku: `NEW-${tag()}`, options: { Colour: "Red" } }), 400, "invalid_request");
    expectError(await post(path, { sku: `NEW-${tag()}`, options: {} }), 400, "invalid_request");
    expectError(await post(path, { sku: other.sku("S"), options: { Size: "S" } }), 409, "conflict");
    expectError(await post(path, { sku: `NEW-${tag()}`, options: { Size: "M" } }), 409, "conflict");
    expectError(await post(path, { sku: "has space", options: { Size: "M" } }), 400, "invalid_request");
    expectError(await post(path, { sku: `NEW-${tag()}`, options: { Size: "M" }, onHand: -1 }), 400, "invalid_request");
    expectError(await post(`/api/admin/products/${crypto.randomUUID()}/variants`, { sku: `NEW-${tag()}`, options: {} }), 404, "not_found");
    expectError(await post("/api/admin/products/not-a-product/variants", { sku: `NEW-${tag()}`, options: {} }), 404, "not_found");
    expect(await variantRows(shirt.id)).toHaveLength(3);
  });
});

describe("PATCH /api/admin/products/{productId}/variants/{variantId}", () => {
  it("changes a variant's SKU and price, retires it and puts it back", async () => {
    const shirt = await makeShirt({ S: 1, M: 1, L: 1 });
    const path = `/api/admin/products/${shirt.id}/variants/${shirt.L}`;
    const sku = `TS-L-${tag()}`;
    const changed = await patch(path, { sku, priceCents: 3500 });
    expect(changed.status, changed.text).toBe(200);
    expect(changed.body.variant).toMatchObject({ id: shirt.L, sku, priceCents: 3500, retired: false });

    const retired = await patch(path, { retired: true });
    expect(retired.body.variant).toMatchObject({ id: shirt.L, retired: true });
    const back = await patch(path, { retired: false });
    expect(back.body.variant).toMatchObject({ retired: false });
  });

  it("refuses unknown fields, unknown variants, another product's variant and a taken SKU, changing nothing", async () => {
    const shirt = await makeShirt({ S: 1, M: 1, L: 1 });
    const other = await makeShirt({ S: 1, M: 1, L: 1 });
    const path = `/api/admin/products/${shirt.id}/variants/${shirt.M}`;
    // A field the contract does not define (`preorder` is one now: pre-orders).
    expectError(await patch(path, { backorder: true }), 400, "invalid_request");
    expectError(await patch(path, { priceCents: 100, backorder: true }), 400, "invalid_request");
    expectError(await patch(path, { preorder: "yes" }), 400, "invalid_request");
    expectError(await patch(path, {}), 400, "invalid_request");
    expectError(await patch(path, { priceCents: -5 }), 400, "invalid_request");
    expectError(await patch(`/api/admin/products/${shirt.id}/variants/${crypto.randomUUID()}`, { priceCents: 100 }), 404, "not_found");
    expectError(await patch(`/api/admin/products/${shirt.id}/variants/${other.M}`, { priceCents: 100 }), 404, "not_found");
    expectError(await patch(`/api/admin/products/${shirt.id}/variants/nope`, { priceCents: 100 }), 404, "not_found");
    expectError(await patch(path, { sku: other.sku("M"), priceCents: 100 }), 409, "conflict");
    expect((await variantRows(shirt.id)).map((r) => [r.sku, r.price_cents])).toEqual([
      [shirt.sku("S"), 3000],
      [shirt.sku("M"), 3000],
      [shirt.sku("L"), 3000],
    ]);
    expect((await variantRows(other.id)).map((r) => r.price_cents)).toEqual([3000, 3000, 3000]);
  });
});

describe("PATCH /api/admin/products/{productId} with options", () => {
  it("adds a value to an option, so a new variant can use it", async () => {
    const shirt = await makeShirt({ S: 1, M: 1, L: 1 });
    const response = await patch(`/api/admin/products/${shirt.id}`, { options: [{ name: "Size", values: ["XS", "S", "M", "L", "XL"] }] });
    expect(response.status, response.text).toBe(200);
    expect(response.body.product.options).toEqual([{ name: "Size", values: ["XS", "S", "M", "L", "XL"] }]);
    const added = await post(`/api/admin/products/${shirt.id}/variants`, { sku: `XS-${tag()}`, options: { Size: "XS" } });
    expect(added.status, added.text).toBe(201);
    // A value no variant uses may go again.
    const trimmed = await patch(`/api/admin/products/${shirt.id}`, { options: [{ name: "Size", values: ["XS", "S", "M", "L"] }] });
    expect(trimmed.status, trimmed.text).toBe(200);
    expect(trimmed.body.product.options).toEqual([{ name: "Size", values: ["XS", "S", "M", "L"] }]);
  });

  it("never removes a value a variant uses, nor adds, renames or removes an option, and changes nothing then", async () => {
    const shirt = await makeShirt({ S: 1, M: 1, L: 1 });
    await patch(`/api/admin/products/${shirt.id}/variants/${shirt.L}`, { retired: true });
    const path = `/api/admin/products/${shirt.id}`;
    // L is retired but has its history: it keeps its value.
    expectError(await patch(path, { options: [{ name: "Size", values: ["S", "M", "XL"] }], name: "Renamed" }), 409, "conflict");
    expectError(await patch(path, { options: [{ name: "Size", values: ["S", "M", "L"] }, { name: "Colour", values: ["Red"] }] }), 400, "invalid_request");
    expectError(await patch(path, { options: [{ name: "Fit", values: ["S", "M", "L"] }] }), 400, "invalid_request");
    expectError(await patch(path, { options: [] }), 400, "invalid_request");
    expectError(
      await patch(path, { options: ["Size", "Colour", "Fit", "Sleeve"].map((name) => ({ name, values: ["S", "M", "L"] })) }),
      400,
      "invalid_request",
    );
    expectError(await patch(path, { options: [{ name: "Size", values: ["S", "M", "L", "m"] }] }), 400, "invalid_request");
    const [row] = await db.execute<{ name: string; values: string[] }>(sql`
      select p.name, o.values from products p join product_options o on o.product_id = p.id where p.id = ${shirt.id}`);
    expect(row).toEqual({ name: shirt.name, values: ["S", "M", "L"] });
  });
});

describe("GET /api/admin/stock per variant", () => {
  it("gives each product its variants' levels beside its sums, filters per variant, and counts variants in the totals", async () => {
    const name = `Stock Shirt ${tag()}`;
    // S: 2 (low), M: 1 sold (sold out), L: 10 of which 4 held.
    const shirt = await makeShirt({ S: 2, M: 1, L: 10 }, name);
    await sellVariant(shirt.M, 1);
    await holdVariant(shirt.L, 4);
    const plain = await makeProduct(3);

    const everything = await get("/api/admin/stock");
    expect(everything.status).toBe(200);
    const row: StockRow = everything.body.products.find((p: StockRow) => p.id === shirt.id);
    expect(row).toMatchObject({ name, onHand: 13, reserved: 4, allocated: 1, available: 8 });
    expect(row.variants).toEqual([
      expect.objectContaining({ id: shirt.S, sku: shirt.sku("S"), options: { Size: "S" }, onHand: 2, reserved: 0, allocated: 0, available: 2 }),
      expect.objectContaining({ id: shirt.M, sku: shirt.sku("M"), options: { Size: "M" }, onHand: 1, reserved: 0, allocated: 1, available: 0 }),
      expect.objectContaining({ id: shirt.L, sku: shirt.sku("L"), options: { Size: "L" }, onHand: 10, reserved: 4, allocated: 0, available: 6 }),
    ]);
    const plainRow: StockRow = everything.body.products.find((p: StockRow) => p.id === plain.id);
    expect(plainRow.variants).toEqual([expect.objectContaining({ id: plain.variantId, options: {}, onHand: 3, available: 3 })]);

    // A page of the dashboard lists the product once, with the same variants.
    const page = await get(`/api/admin/stock?q=${encodeURIComponent(name)}`);
    expect(page.body.products).toHaveLength(1);
    expect(page.body.products[0]).toMatchObject({ id: shirt.id, onHand: 13, reserved: 4, allocated: 1, available: 8 });
    expect(page.body.products[0].variants).toEqual(row.variants);

    // Listed under each filter one of its variants meets, though the product's sum would not.
    const ids = async (filter: string) => (await get(`/api/admin/stock?filter=${filter}&q=${encodeURIComponent(name)}`)).body.products.map((p: StockRow) => p.id);
    expect(await ids("low")).toEqual([shirt.id]);
    expect(await ids("sold_out")).toEqual([shirt.id]);
    expect(await ids("held")).toEqual([shirt.id]);

    // This file's products: the shirt's three variants count one each; the totals count products and variants.
    const { totals } = everything.body;
    const all: StockRow[] = everything.body.products;
    const variants = all.flatMap((p) => p.variants);
    // Retired variants (earlier tests retire some) are not sold: never low or sold out.
    const onSale = variants.filter((v) => !v.retired);
    expect(everything.body.variantCount).toBe(variants.length);
    expect(totals).toEqual({
      products: all.length,
      reserved: variants.reduce((n, v) => n + v.reserved, 0),
      allocated: variants.reduce((n, v) => n + v.allocated, 0),
      onHand: variants.reduce((n, v) => n + v.onHand, 0),
      available: variants.reduce((n, v) => n + v.available, 0),
      low: onSale.filter((v) => v.available > 0 && v.available <= 3).length,
      soldOut: onSale.filter((v) => v.available === 0).length,
      held: variants.filter((v) => v.reserved > 0).length,
    });
    expect(page.body.totals).toEqual(totals);
  });

  it("does not count a retired variant as low or sold out", async () => {
    const name = `Retired Shirt ${tag()}`;
    const shirt = await makeShirt({ S: 10, M: 0, L: 10 }, name);
    const before = (await get("/api/admin/stock")).body.totals;
    expect((await get(`/api/admin/stock?filter=sold_out&q=${encodeURIComponent(name)}`)).body.products).toHaveLength(1);
    expect((await patch(`/api/admin/products/${shirt.id}/variants/${shirt.M}`, { retired: true })).status).toBe(200);
    const after = await get("/api/admin/stock");
    expect(after.body.totals.soldOut).toBe(before.soldOut - 1);
    expect((await get(`/api/admin/stock?filter=sold_out&q=${encodeURIComponent(name)}`)).body.products).toHaveLength(0);
    const row: StockRow & { variants: (VariantRow & { retired: boolean })[] } = after.body.products.find((p: StockRow) => p.id === shirt.id);
    expect(row.variants.find((v) => v.id === shirt.M)).toMatchObject({ retired: true, available: 0 });
  });
});

describe("POST /api/admin/stock/{productId}/adjust with variantId", () => {
  it("restocks one variant; a product with several needs the variant named", async () => {
    const shirt = await makeShirt({ S: 1, M: 0, L: 1 });
    const response = await post(`/api/admin/stock/${shirt.id}/adjust`, { variantId: shirt.M, delta: 5, reason: "delivery" });
    expect(response.status, response.text).toBe(200);
    expect(response.body.product).toMatchObject({ id: shirt.id, onHand: 7, available: 7 });
    expect(response.body.product.variant).toMatchObject({ id: shirt.M, onHand: 5, available: 5 });
    expect((await variantRows(shirt.id)).map((r) => r.on_hand)).toEqual([1, 5, 1]);

    expectError(await post(`/api/admin/stock/${shirt.id}/adjust`, { delta: 5, reason: "delivery" }), 400, "variant_required");
    const other = await makeShirt({ S: 1, M: 1, L: 1 });
    expectError(await post(`/api/admin/stock/${shirt.id}/adjust`, { variantId: other.M, delta: 5, reason: "x" }), 404, "not_found");
    expectError(await post(`/api/admin/stock/${shirt.id}/adjust`, { variantId: crypto.randomUUID(), delta: 5, reason: "x" }), 404, "not_found");
    expectError(await post(`/api/admin/stock/${shirt.id}/adjust`, { variantId: "M", delta: 5, reason: "x" }), 400, "invalid_request");
    expectError(await post(`/api/admin/stock/${shirt.id}/adjust`, { variantId: shirt.S, delta: -2, reason: "broken" }), 409, "invariant_violation");
    expect((await variantRows(shirt.id)).map((r) => r.on_hand)).toEqual([1, 5, 1]);
    expect((await variantRows(other.id)).map((r) => r.on_hand)).toEqual([1, 1, 1]);

    // A one-variant product still needs no variantId.
    const plain = await makeProduct(1);
    const restocked = await post(`/api/admin/stock/${plain.id}/adjust`, { delta: 2, reason: "delivery" });
    expect(restocked.status, restocked.text).toBe(200);
    expect(restocked.body.product).toMatchObject({ onHand: 3 });
  });
});

describe("holds, the ledger and orders name the SKU", () => {
  it("reservations and movements carry variantId and sku; an order's lines their sku and options", async () => {
    const shirt = await makeShirt({ S: 3, M: 3, L: 3 });
    const { checkout } = await holdVariant(shirt.S, 2);
    const order = await sellVariant(shirt.L, 1);

    const holds = await get(`/api/admin/reservations?productId=${shirt.id}`);
    expect(holds.status).toBe(200);
    const hold = holds.body.reservations.find((r: { checkoutId: string }) => r.checkoutId === checkout.id);
    expect(hold).toMatchObject({ productId: shirt.id, variantId: shirt.S, sku: shirt.sku("S"), options: { Size: "S" }, quantity: 2 });
    // Found by SKU too.
    const bySku = await get(`/api/admin/reservations?q=${encodeURIComponent(shirt.sku("S"))}`);
    expect(bySku.body.reservations.map((r: { id: string }) => r.id)).toContain(hold.id);

    const ledger = await get(`/api/admin/movements?productId=${shirt.id}`);
    expect(ledger.status).toBe(200);
    const reserve = ledger.body.movements.find((m: { kind: string; checkoutId: string | null }) => m.kind === "reserve" && m.checkoutId === checkout.id);
    expect(reserve).toMatchObject({ variantId: shirt.S, sku: shirt.sku("S"), options: { Size: "S" } });
    for (const m of ledger.body.movements) expect(m.sku).toMatch(/^TS-/);

    const detail = await get(`/api/admin/orders/${order.id}`);
    expect(detail.status).toBe(200);
    expect(detail.body.order.lines).toEqual([expect.objectContaining({ variantId: shirt.L, sku: shirt.sku("L"), options: { Size: "L" }, quantity: 1 })]);
    expect(detail.body.order.movements.every((m: { sku: string }) => m.sku === shirt.sku("L"))).toBe(true);
  });
});
