/** The admin stock endpoints: levels with totals, creating products, restock and write-off, the ledger. */
import { describe, expect, it } from "vitest";
import { reconcileStock } from "@/lib/inventory";
import { levels, makeProduct, timeTravelHolds } from "../support/fixtures";
import { adminApiForFile, guestHolding, paidOrder } from "./admin-helpers";

const { get, post, request } = adminApiForFile();

type StockRow = { id: string; slug: string; name: string; onHand: number; reserved: number; allocated: number; available: number; low: boolean; soldOut: boolean };

describe("GET /api/admin/stock", () => {
  it("lists every product's on hand, reserved, allocated and available, flags low and sold out, and totals them", async () => {
    const plenty = await makeProduct(10);
    const low = await makeProduct(3);
    const gone = await makeProduct(2);
    await guestHolding(plenty.id, 4);
    await paidOrder(gone.id, 2);

    const response = await get("/api/admin/stock");
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toContain("no-store");
    const byId = new Map<string, StockRow>(response.body.products.map((p: StockRow) => [p.id, p]));
    expect(byId.get(plenty.id)).toMatchObject({ slug: plenty.slug, onHand: 10, reserved: 4, allocated: 0, available: 6, low: false, soldOut: false });
    expect(byId.get(low.id)).toMatchObject({ onHand: 3, reserved: 0, allocated: 0, available: 3, low: true, soldOut: false });
    expect(byId.get(gone.id)).toMatchObject({ onHand: 2, reserved: 0, allocated: 2, available: 0, low: false, soldOut: true });

    // This file's database starts empty and this is its first test: these three are every product there is.
    expect(byId.size).toBe(3);
    expect(response.body.totals).toEqual({
      products: 3,
      onHand: 10 + 3 + 2,
      reserved: 4,
      allocated: 2,
      available: 6 + 3 + 0,
      low: 1,
      soldOut: 1,
      held: 1,
    });
    expect(Number.isNaN(Date.parse(response.body.serverTime))).toBe(false);
  });
});

describe("POST /api/admin/products", () => {
  it("creates a product with its opening stock (201) and records it in the ledger", async () => {
    const response = await post("/api/admin/products", {
      name: "Cedar Candle",
      priceCents: 2400,
      onHand: 7,
      description: "Smells of a forest.",
    });
    expect(response.status).toBe(201);
    expect(response.body.product).toMatchObject({ slug: "cedar-candle", name: "Cedar Candle", priceCents: 2400, available: 7 });
    expect(await levels(response.body.product.id)).toMatchObject({ on_hand: 7, reserved: 0, allocated: 0 });
    const ledger = await get(`/api/admin/movements?productId=${response.body.product.id}`);
    expect(ledger.body.movements).toHaveLength(1);
    expect(ledger.body.movements[0]).toMatchObject({ kind: "receive", onHandDelta: 7, reason: "opening stock", actor: null });
  });

  it("takes an explicit slug, and refuses a taken one with 409", async () => {
    const first = await post("/api/admin/products", { name: "Tea Towel", slug: "tea-towel-blue", priceCents: 900, onHand: 0 });
    expect(first.status).toBe(201);
    expect(first.body.product).toMatchObject({ slug: "tea-towel-blue", available: 0 });
    const again = await post("/api/admin/products", { name: "Another towel", slug: "tea-towel-blue", priceCents: 900, onHand: 1 });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe("conflict");
  });

  it.each([
    [{}, ["name", "priceCents", "onHand"]],
    [{ name: "  ", priceCents: 100, onHand: 1 }, ["name"]],
    [{ name: "Bad price", priceCents: -1, onHand: 1 }, ["priceCents"]],
    [{ name: "Fractional", priceCents: 1.5, onHand: 1 }, ["priceCents"]],
    [{ name: "Negative stock", priceCents: 100, onHand: -3 }, ["onHand"]],
    [{ name: "Bad slug", slug: "Not A Slug!", priceCents: 100, onHand: 1 }, ["slug"]],
  ])("refuses %j with 400 naming %j", async (body, fields) => {
    const response = await post("/api/admin/products", body);
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe("invalid_request");
    const paths = response.body.error.issues.map((i: { path: string[] }) => i.path[0]);
    expect(new Set(paths)).toEqual(new Set(fields));
  });

  it("refuses a body that is not JSON with 415", async () => {
    const response = await request("POST", "/api/admin/products", {
      body: "name=x",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(response.status).toBe(415);
  });
});

describe("POST /api/admin/stock/{productId}/adjust", () => {
  it("restocks and answers with the new levels", async () => {
    const product = await makeProduct(2);
    const response = await post(`/api/admin/stock/${product.id}/adjust`, { delta: 5, reason: "delivery from the maker" });
    expect(response.status).toBe(200);
    expect(response.body.product).toMatchObject({ id: product.id, onHand: 7, reserved: 0, allocated: 0, available: 7 });
  });

  it("writes off free units, but refuses (409) to take units that are held or sold, changing nothing", async () => {
    const product = await makeProduct(6);
    await guestHolding(product.id, 2);
    await paidOrder(product.id, 1);

    const fine = await post(`/api/admin/stock/${product.id}/adjust`, { delta: -3, reason: "water damage" });
    expect(fine.status).toBe(200);
    expect(fine.body.product).toMatchObject({ onHand: 3, reserved: 2, allocated: 1, available: 0 });

    const tooMuch = await post(`/api/admin/stock/${product.id}/adjust`, { delta: -1, reason: "lost" });
    expect(tooMuch.status).toBe(409);
    expect(tooMuch.body.error.code).toBe("invariant_violation");
    expect(await levels(product.id)).toMatchObject({ on_hand: 3, reserved: 2, allocated: 1 });
    expect((await reconcileStock()).problems).toEqual([]);
  });

  it("writes off units whose hold has run out, since they are free again", async () => {
    const product = await makeProduct(2);
    const { checkout } = await guestHolding(product.id, 2);
    await timeTravelHolds(checkout.id);
    const response = await post(`/api/admin/stock/${product.id}/adjust`, { delta: -2, reason: "broken in storage" });
    expect(response.status).toBe(200);
    expect(response.body.product).toMatchObject({ onHand: 0, reserved: 0, available: 0 });
  });

  it.each([
    [{ delta: 0, reason: "nothing" }, "delta"],
    [{ delta: 1.5, reason: "half" }, "delta"],
    [{ delta: "3", reason: "text" }, "delta"],
    [{ delta: 3 }, "reason"],
    [{ delta: 3, reason: "   " }, "reason"],
  ])("refuses %j with 400 on %s", async (body, field) => {
    const product = await makeProduct(1);
    const response = await post(`/api/admin/stock/${product.id}/adjust`, body);
    expect(response.status).toBe(400);
    expect(response.body.error.issues.map((i: { path: string[] }) => i.path[0])).toContain(field);
    expect(await levels(product.id)).toMatchObject({ on_hand: 1 });
  });

  it("answers 404 for an unknown or malformed product id", async () => {
    for (const id of ["00000000-0000-4000-8000-000000000000", "not-a-product"]) {
      const response = await post(`/api/admin/stock/${id}/adjust`, { delta: 1, reason: "restock" });
      expect(response.status).toBe(404);
      expect(response.body.error.code).toBe("not_found");
    }
  });
});

describe("GET /api/admin/movements", () => {
  it("lists a product's ledger newest first, with who or what caused each movement", async () => {
    const product = await makeProduct(5);
    const { checkout } = await guestHolding(product.id, 2);
    await post(`/api/admin/stock/${product.id}/adjust`, { delta: 4, reason: "second delivery" });
    const holds = await get(`/api/admin/reservations?status=active&productId=${product.id}`);
    expect((await post(`/api/admin/reservations/${holds.body.reservations[0].id}/release`)).status).toBe(200);

    const response = await get(`/api/admin/movements?productId=${product.id}`);
    expect(response.status).toBe(200);
    const movements = response.body.movements;
    expect(movements.map((m: { kind: string }) => m.kind)).toEqual(["release", "receive", "reserve", "receive"]);
    const ids = movements.map((m: { id: number }) => m.id);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    const times = movements.map((m: { createdAt: string }) => Date.parse(m.createdAt));
    expect(times).toEqual([...times].sort((a, b) => b - a));

    const [release, restock, reserve, opening] = movements;
    expect(release).toMatchObject({ reservedDelta: -2, availableDelta: 2, checkoutId: checkout.id, reason: "released by an admin" });
    expect(restock).toMatchObject({ onHandDelta: 4, availableDelta: 4, reason: "second delivery", causedBy: "system or API token" });
    expect(reserve).toMatchObject({ reservedDelta: 2, availableDelta: -2, checkoutId: checkout.id });
    expect(reserve.causedBy).toMatch(/^guest/);
    expect(opening).toMatchObject({ onHandDelta: 5, reason: "opening stock" });
    expect(movements).toHaveLength(4);
    expect(new Set(movements.map((m: { productId: string }) => m.productId))).toEqual(new Set([product.id]));
  });

  it("lists every product's movements without a productId, and honours limit", async () => {
    await makeProduct(1);
    await makeProduct(1);
    const response = await get("/api/admin/movements?limit=2");
    expect(response.status).toBe(200);
    expect(response.body.movements).toHaveLength(2);
    expect(response.body.movements[0].id).toBeGreaterThan(response.body.movements[1].id);
  });

  it("answers 404 for an unknown product and 400 for a malformed id", async () => {
    expect((await get("/api/admin/movements?productId=00000000-0000-4000-8000-000000000000")).status).toBe(404);
    expect((await get("/api/admin/movements?productId=oops")).status).toBe(400);
    expect((await get("/api/admin/movements?limit=0")).status).toBe(400);
  });
});
