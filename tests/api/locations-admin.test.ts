/**
 * Stock locations over the admin API, in a shop that grows from one location to two and then three: listing,
 * adding, renaming, reordering and deactivating locations; transfers and adjustments at a location; each
 * variant's levels per location in GET /api/admin/stock, with its sums, flags and the shop's totals over active
 * locations only; holds and ledger rows naming their location; fulfilling an order one location at a time.
 * Every bad input is a 4xx in the contract's shape, and nothing moves: the levels and the ledger stay as they were.
 */
import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { db } from "@/db/client";
import { availableSeries, availableSeriesForAll } from "@/lib/admin/ledger-charts";
import { reconcileStock } from "@/lib/inventory";
import { MAIN_LOCATION_ID, makeProduct, timeTravelHolds } from "../support/fixtures";
import { HttpClient } from "../support/http";
import { adminApiForFile, guestHolding, paidOrder, WRONG_TOKEN_HEADERS } from "./admin-helpers";
import { expectError } from "./shop-support";

const { baseUrl, get, post, request } = adminApiForFile();

const patch = (path: string, json: unknown) =>
  request("PATCH", path, { body: JSON.stringify(json), headers: { "content-type": "application/json" } });

type Location = { id: string; name: string; priority: number; active: boolean };
type LocationLevel = { locationId: string; name: string; onHand: number; reserved: number; allocated: number; available: number };
type VariantRow = {
  id: string;
  sku: string;
  onHand: number;
  reserved: number;
  allocated: number;
  available: number;
  incoming: number;
  retired: boolean;
  locations: LocationLevel[];
};
type StockRow = { id: string; name: string; onHand: number; reserved: number; allocated: number; available: number; variants: VariantRow[] };
type Movement = { kind: string; variantId: string; sku: string; locationId: string; locationName: string; onHandDelta: number; reason: string | null };

async function listLocations(): Promise<Location[]> {
  const response = await get("/api/admin/locations");
  expect(response.status, response.text).toBe(200);
  return response.body.locations;
}

/** The location of this name, made through the API when the shop has none yet (each test can run on its own). */
async function location(name: string, options: { inactive?: boolean } = {}): Promise<string> {
  let found = (await listLocations()).find((l) => l.name === name);
  if (!found) {
    const made = await post("/api/admin/locations", { name });
    expect(made.status, made.text).toBe(201);
    found = made.body.location as Location;
  }
  if (options.inactive && found.active) expect((await patch(`/api/admin/locations/${found.id}`, { active: false })).status).toBe(200);
  return found.id;
}

/** Runs `change` with the location active, deactivating it again afterwards (stock arrives only at active ones). */
async function whileActive<T>(locationId: string, change: () => Promise<T>): Promise<T> {
  expect((await patch(`/api/admin/locations/${locationId}`, { active: true })).status).toBe(200);
  try {
    return await change();
  } finally {
    expect((await patch(`/api/admin/locations/${locationId}`, { active: false })).status).toBe(200);
  }
}

/** The variant's stock rows, by location id. */
async function levelsOf(variantId: string): Promise<Record<string, { onHand: number; reserved: number; allocated: number }>> {
  const rows = await db.execute<{ location_id: string; on_hand: number; reserved: number; allocated: number }>(sql`
    select location_id, on_hand, reserved, allocated from stock_levels where variant_id = ${variantId}`);
  return Object.fromEntries(rows.map((r) => [r.location_id, { onHand: r.on_hand, reserved: r.reserved, allocated: r.allocated }]));
}

/** Everything a refused request must leave as it was: the variant's levels at every location and its ledger. */
async function snapshot(variantId: string) {
  const [ledger] = await db.execute<{ n: number; last: number | null }>(sql`
    select count(*)::int as n, max(id)::int as last from stock_movements where variant_id = ${variantId}`);
  return { levels: await levelsOf(variantId), ledger: ledger! };
}

async function adjust(productId: string, body: Record<string, unknown>) {
  const response = await post(`/api/admin/stock/${productId}/adjust`, { reason: "count", ...body });
  expect(response.status, response.text).toBe(200);
  return response.body.product;
}

async function stockRowOf(productId: string): Promise<StockRow> {
  const response = await get("/api/admin/stock");
  expect(response.status, response.text).toBe(200);
  return response.body.products.find((p: StockRow) => p.id === productId);
}

describe("/api/admin/locations", () => {
  it("lists Main, adds a location after it with an empty stock row for every variant, and refuses a taken name", async () => {
    const before = await makeProduct(3);
    expect(await listLocations()).toEqual([{ id: MAIN_LOCATION_ID, name: "Main", priority: 0, active: true }]);

    const made = await post("/api/admin/locations", { name: "  Back room " });
    expect(made.status, made.text).toBe(201);
    expect(made.body.location).toEqual({ id: expect.any(String), name: "Back room", priority: 1, active: true });
    expect(await listLocations()).toEqual([{ id: MAIN_LOCATION_ID, name: "Main", priority: 0, active: true }, made.body.location]);
    expect(await levelsOf(before.variantId)).toEqual({
      [MAIN_LOCATION_ID]: { onHand: 3, reserved: 0, allocated: 0 },
      [made.body.location.id]: { onHand: 0, reserved: 0, allocated: 0 },
    });

    expectError(await post("/api/admin/locations", { name: "BACK ROOM" }), 409, "conflict");
    expect(await listLocations()).toHaveLength(2);
  });

  it.each([
    ["no name", {}],
    ["an empty name", { name: "   " }],
    ["a name of 81 characters", { name: "x".repeat(81) }],
    ["a fractional priority", { name: "Loft", priority: 1.5 }],
    ["a priority as a string", { name: "Loft", priority: "2" }],
    ["a priority out of range", { name: "Loft", priority: 2_000_000 }],
  ])("refuses a new location with %s (400) and adds none", async (_what, body) => {
    const before = await listLocations();
    expectError(await post("/api/admin/locations", body), 400, "invalid_request");
    expect(await listLocations()).toEqual(before);
  });

  it("renames, reorders and deactivates a location; restocks without a location go to the first active one", async () => {
    await location("Back room");
    const made = await post("/api/admin/locations", { name: "Annex", priority: 7 });
    expect(made.status, made.text).toBe(201);
    const annex = made.body.location.id as string;

    const moved = await patch(`/api/admin/locations/${annex}`, { name: "Closed annex", priority: -5 });
    expect(moved.status, moved.text).toBe(200);
    expect(moved.body.location).toEqual({ id: annex, name: "Closed annex", priority: -5, active: true });
    expect((await listLocations()).map((l) => l.name)).toEqual(["Closed annex", "Main", "Back room"]);

    // First by priority, so an adjustment that names no location lands there.
    const product = await makeProduct(0);
    await adjust(product.id, { delta: 2 });
    expect((await levelsOf(product.variantId))[annex]!.onHand).toBe(2);

    const closed = await patch(`/api/admin/locations/${annex}`, { active: false });
    expect(closed.status, closed.text).toBe(200);
    expect(closed.body.location).toMatchObject({ active: false, priority: -5 });
    // Inactive: the first active location by priority takes the restock instead.
    await adjust(product.id, { delta: 1 });
    expect((await levelsOf(product.variantId))[MAIN_LOCATION_ID]!.onHand).toBe(1);
    expect((await patch(`/api/admin/locations/${annex}`, { priority: 50 })).status).toBe(200);
    expect((await listLocations()).map((l) => [l.name, l.active])).toEqual([
      ["Main", true],
      ["Back room", true],
      ["Closed annex", false],
    ]);
  });

  it("refuses bad changes: unknown location 404, nothing or unknown fields 400, a taken name 409, the last active location 409", async () => {
    const backRoom = await location("Back room");
    const before = await listLocations();
    expectError(await patch(`/api/admin/locations/${randomUUID()}`, { name: "Loft" }), 404, "not_found");
    expectError(await patch("/api/admin/locations/not-an-id", { name: "Loft" }), 404, "not_found");
    expectError(await patch(`/api/admin/locations/${backRoom}`, {}), 400, "invalid_request");
    expectError(await patch(`/api/admin/locations/${backRoom}`, { colour: "red" }), 400, "invalid_request");
    expectError(await patch(`/api/admin/locations/${backRoom}`, { active: "no" }), 400, "invalid_request");
    expectError(await patch(`/api/admin/locations/${backRoom}`, { name: "main" }), 409, "conflict");
    expect(await listLocations()).toEqual(before);

    // With Back room closed, Main is the last active location: it cannot close too.
    expect((await patch(`/api/admin/locations/${backRoom}`, { active: false })).status).toBe(200);
    try {
      expectError(await patch(`/api/admin/locations/${MAIN_LOCATION_ID}`, { active: false }), 409, "conflict");
      expect((await listLocations()).find((l) => l.id === MAIN_LOCATION_ID)!.active).toBe(true);
    } finally {
      expect((await patch(`/api/admin/locations/${backRoom}`, { active: true })).status).toBe(200);
    }
  });

  it("is for admins only: 401 without credentials, 403 with a wrong token", async () => {
    const visitor = new HttpClient(baseUrl());
    const body = { variantId: randomUUID(), fromLocationId: MAIN_LOCATION_ID, toLocationId: randomUUID(), quantity: 1, reason: "x" };
    expectError(await visitor.get("/api/admin/locations"), 401, "unauthenticated");
    expectError(await visitor.post("/api/admin/locations", { name: "Loft" }), 401, "unauthenticated");
    expectError(await visitor.send("PATCH", `/api/admin/locations/${MAIN_LOCATION_ID}`, { name: "Loft" }), 401, "unauthenticated");
    expectError(await visitor.post("/api/admin/stock/transfer", body), 401, "unauthenticated");
    expectError(await visitor.get("/api/admin/locations", WRONG_TOKEN_HEADERS), 403, "forbidden");
    expectError(await visitor.post("/api/admin/stock/transfer", body, WRONG_TOKEN_HEADERS), 403, "forbidden");
    expect((await listLocations()).some((l) => l.name === "Loft")).toBe(false);
  });
});

describe("POST /api/admin/stock/transfer", () => {
  it("moves free units between two locations, answers with both sides, and records two ledger rows", async () => {
    const backRoom = await location("Back room");
    const product = await makeProduct(10);
    const moved = await post("/api/admin/stock/transfer", {
      variantId: product.variantId,
      fromLocationId: MAIN_LOCATION_ID,
      toLocationId: backRoom,
      quantity: 4,
      reason: "Stock the back room",
    });
    expect(moved.status, moved.text).toBe(200);
    expect(moved.body.transfer).toEqual({
      variantId: product.variantId,
      from: { locationId: MAIN_LOCATION_ID, name: "Main", onHand: 6, reserved: 0, allocated: 0, available: 6 },
      to: { locationId: backRoom, name: "Back room", onHand: 4, reserved: 0, allocated: 0, available: 4 },
    });
    const levels = await levelsOf(product.variantId);
    expect(levels[MAIN_LOCATION_ID]!.onHand).toBe(6);
    expect(levels[backRoom]!.onHand).toBe(4);

    const ledger = await get(`/api/admin/movements?productId=${product.id}`);
    expect(ledger.status).toBe(200);
    const [into, outOf] = ledger.body.movements as Movement[];
    expect(outOf).toMatchObject({ kind: "transfer", variantId: product.variantId, locationId: MAIN_LOCATION_ID, locationName: "Main", onHandDelta: -4 });
    expect(into).toMatchObject({ kind: "transfer", variantId: product.variantId, locationId: backRoom, locationName: "Back room", onHandDelta: 4 });
    expect(outOf!.reason).toContain("Stock the back room");
    expect(into!.sku).toBe(outOf!.sku);

    // The product's sum is unchanged; its variant shows where the units are.
    const row = await stockRowOf(product.id);
    expect(row).toMatchObject({ onHand: 10, available: 10 });
    expect(row.variants[0]!.locations.filter((l) => l.onHand > 0)).toEqual([
      expect.objectContaining({ locationId: MAIN_LOCATION_ID, onHand: 6, available: 6 }),
      expect.objectContaining({ locationId: backRoom, onHand: 4, available: 4 }),
    ]);
    // On the ledger's chart a transfer is one change that leaves the product's available stock as it was: no dip.
    expect((await availableSeries(product.id)).map((p) => p.available)).toEqual([10, 10]);
    const everyProduct = await availableSeriesForAll(60, 1000);
    expect(everyProduct.find((s) => s.productId === product.id)!.points.map((p) => p.available)).toEqual([10, 10]);
    expect((await reconcileStock()).problems).toEqual([]);
  });

  const badTransfers: [string, (ids: { backRoom: string; annex: string }) => Record<string, unknown>, number, string][] = [
    ["an unknown source location", () => ({ fromLocationId: randomUUID() }), 404, "not_found"],
    ["an unknown destination", () => ({ toLocationId: randomUUID() }), 404, "not_found"],
    ["a location id that is no id", () => ({ toLocationId: "back-room" }), 400, "invalid_request"],
    ["an inactive destination", ({ annex }) => ({ toLocationId: annex }), 409, "location_inactive"],
    ["the same location twice", () => ({ toLocationId: MAIN_LOCATION_ID }), 400, "invalid_request"],
    ["a negative quantity", () => ({ quantity: -2 }), 400, "invalid_request"],
    ["a fractional quantity", () => ({ quantity: 1.5 }), 400, "invalid_request"],
    ["a quantity of zero", () => ({ quantity: 0 }), 400, "invalid_request"],
    ["a quantity as a string", () => ({ quantity: "2" }), 400, "invalid_request"],
    ["an unknown variant", () => ({ variantId: randomUUID() }), 404, "not_found"],
    ["no reason", () => ({ reason: " " }), 400, "invalid_request"],
  ];

  it.each(badTransfers)("refuses %s and moves nothing", async (_what, change, status, code) => {
    const ids = { backRoom: await location("Back room"), annex: await location("Closed annex", { inactive: true }) };
    const product = await makeProduct(5);
    const before = await snapshot(product.variantId);
    const body = { variantId: product.variantId, fromLocationId: MAIN_LOCATION_ID, toLocationId: ids.backRoom, quantity: 1, reason: "move", ...change(ids) };
    expectError(await post("/api/admin/stock/transfer", body), status, code);
    expect(await snapshot(product.variantId)).toEqual(before);
  });

  it("refuses to move held or sold units (409 with what is free) and moves nothing", async () => {
    const backRoom = await location("Back room");
    const product = await makeProduct(5);
    await paidOrder(product.id, 1);
    await guestHolding(product.id, 3);
    const before = await snapshot(product.variantId);
    const body = { variantId: product.variantId, fromLocationId: MAIN_LOCATION_ID, toLocationId: backRoom, quantity: 2, reason: "move" };
    const refused = await post("/api/admin/stock/transfer", body);
    expectError(refused, 409, "invariant_violation");
    expect(refused.body.error).toMatchObject({ free: 1, onHand: 5, reserved: 3, allocated: 1 });
    expect(await snapshot(product.variantId)).toEqual(before);

    const one = await post("/api/admin/stock/transfer", { ...body, quantity: 1 });
    expect(one.status, one.text).toBe(200);
    expect(one.body.transfer.from).toMatchObject({ onHand: 4, reserved: 3, allocated: 1, available: 0 });
  });
});

describe("POST /api/admin/stock/{productId}/adjust at a location", () => {
  it("restocks and writes off at the named location, and answers with the variant's levels there", async () => {
    const backRoom = await location("Back room");
    const product = await makeProduct(1);
    const restocked = await adjust(product.id, { delta: 5, locationId: backRoom });
    expect(restocked).toMatchObject({ onHand: 6, available: 6, location: { id: backRoom, name: "Back room" } });
    expect(restocked.variant.locations).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ locationId: MAIN_LOCATION_ID, onHand: 1 }),
        expect.objectContaining({ locationId: backRoom, onHand: 5, available: 5 }),
      ]),
    );
    await adjust(product.id, { delta: -2, locationId: backRoom });
    expect(await levelsOf(product.variantId)).toMatchObject({ [MAIN_LOCATION_ID]: { onHand: 1 }, [backRoom]: { onHand: 3 } });
    const ledger = (await get(`/api/admin/movements?productId=${product.id}`)).body.movements as Movement[];
    expect(ledger.slice(0, 2)).toEqual([
      expect.objectContaining({ kind: "write_off", locationId: backRoom, locationName: "Back room", onHandDelta: -2 }),
      expect.objectContaining({ kind: "receive", locationId: backRoom, onHandDelta: 5 }),
    ]);
  });

  const badAdjustments: [string, (ids: { backRoom: string; annex: string }) => Record<string, unknown>, number, string][] = [
    ["an unknown location", () => ({ delta: 2, locationId: randomUUID() }), 404, "not_found"],
    ["a location id that is no id", () => ({ delta: 2, locationId: "main" }), 400, "invalid_request"],
    ["a restock of an inactive location", ({ annex }) => ({ delta: 2, locationId: annex }), 409, "location_inactive"],
    ["a fractional change", ({ backRoom }) => ({ delta: 1.5, locationId: backRoom }), 400, "invalid_request"],
    ["a change as a string", ({ backRoom }) => ({ delta: "2", locationId: backRoom }), 400, "invalid_request"],
    ["a write-off of more than the location has", ({ backRoom }) => ({ delta: -3, locationId: backRoom }), 409, "invariant_violation"],
  ];

  it.each(badAdjustments)("refuses %s and moves nothing", async (_what, change, status, code) => {
    const ids = { backRoom: await location("Back room"), annex: await location("Closed annex", { inactive: true }) };
    const product = await makeProduct(5);
    await adjust(product.id, { delta: 2, locationId: ids.backRoom });
    const before = await snapshot(product.variantId);
    expectError(await post(`/api/admin/stock/${product.id}/adjust`, { reason: "count", ...change(ids) }), status, code);
    expect(await snapshot(product.variantId)).toEqual(before);
  });
});

describe("GET /api/admin/stock per location", () => {
  it("gives each variant its levels at every location; holds split over two locations show at both", async () => {
    const backRoom = await location("Back room");
    const annex = await location("Closed annex", { inactive: true });
    const product = await makeProduct(2);
    await adjust(product.id, { delta: 5, locationId: backRoom });
    // Main has 2, so a hold of 4 takes 2 there and 2 from Back room.
    const { checkout } = await guestHolding(product.id, 4);

    const row = await stockRowOf(product.id);
    expect(row).toMatchObject({ onHand: 7, reserved: 4, allocated: 0, available: 3 });
    const [variant] = row.variants;
    expect(variant).toMatchObject({ id: product.variantId, onHand: 7, reserved: 4, allocated: 0, available: 3, incoming: 0 });
    // In the order holds draw on the locations; the inactive one is listed too, empty.
    expect(variant!.locations).toEqual([
      { locationId: MAIN_LOCATION_ID, name: "Main", active: true, onHand: 2, reserved: 2, allocated: 0, available: 0 },
      { locationId: backRoom, name: "Back room", active: true, onHand: 5, reserved: 2, allocated: 0, available: 3 },
      { locationId: annex, name: "Closed annex", active: false, onHand: 0, reserved: 0, allocated: 0, available: 0 },
    ]);

    // The holds and their ledger rows name their locations.
    const holds = await get(`/api/admin/reservations?status=active&productId=${product.id}`);
    expect(holds.status).toBe(200);
    const byName = (a: { locationName: string }, b: { locationName: string }) => a.locationName.localeCompare(b.locationName);
    expect([...holds.body.reservations].sort(byName)).toEqual([
      expect.objectContaining({ checkoutId: checkout.id, variantId: product.variantId, sku: variant!.sku, locationId: backRoom, locationName: "Back room", quantity: 2 }),
      expect.objectContaining({ checkoutId: checkout.id, variantId: product.variantId, sku: variant!.sku, locationId: MAIN_LOCATION_ID, locationName: "Main", quantity: 2 }),
    ]);
    // Searching holds by a location's name finds those drawing on it.
    const atBackRoom = await get(`/api/admin/reservations?status=active&productId=${product.id}&q=back%20ro`);
    expect(atBackRoom.body.reservations.map((r: { locationId: string }) => r.locationId)).toEqual([backRoom]);
    const reserves = ((await get(`/api/admin/movements?productId=${product.id}`)).body.movements as Movement[]).filter((m) => m.kind === "reserve");
    expect(reserves.map((m) => [m.locationName, m.variantId, m.sku]).sort()).toEqual([
      ["Back room", product.variantId, variant!.sku],
      ["Main", product.variantId, variant!.sku],
    ]);

    // A hold whose time is up counts as released at each location it drew on.
    await timeTravelHolds(checkout.id);
    const lapsed = await stockRowOf(product.id);
    expect(lapsed).toMatchObject({ reserved: 0, available: 7 });
    expect(lapsed.variants[0]!.locations.slice(0, 2)).toEqual([
      expect.objectContaining({ locationId: MAIN_LOCATION_ID, reserved: 0, available: 2 }),
      expect.objectContaining({ locationId: backRoom, reserved: 0, available: 5 }),
    ]);
    // Closed, the back room's lapsed units are no longer held, but not on sale either: the product, its variant
    // and the shop's totals agree.
    expect((await patch(`/api/admin/locations/${backRoom}`, { active: false })).status).toBe(200);
    try {
      const closed = await stockRowOf(product.id);
      expect(closed).toMatchObject({ reserved: 0, available: 2 });
      expect(closed.variants[0]).toMatchObject({ reserved: 0, available: 2 });
      const held = await get(`/api/admin/stock?filter=held&q=${encodeURIComponent(closed.name)}`);
      expect(held.body.products).toEqual([]);
    } finally {
      expect((await patch(`/api/admin/locations/${backRoom}`, { active: true })).status).toBe(200);
    }
  });

  it("counts only active locations' units as available: sold out and low are judged on them, and the totals count variants", async () => {
    const annex = await location("Closed annex", { inactive: true });
    const tag = randomUUID().slice(0, 8);
    // Units only at an inactive location: nothing to sell.
    const gone = await post("/api/admin/products", { name: `Annex only ${tag}`, priceCents: 500, onHand: 0 });
    expect(gone.status, gone.text).toBe(201);
    const low = await post("/api/admin/products", { name: `Annex mostly ${tag}`, priceCents: 500, onHand: 2 });
    expect(low.status, low.text).toBe(201);
    await whileActive(annex, async () => {
      await adjust(gone.body.product.id, { delta: 4, locationId: annex });
      await adjust(low.body.product.id, { delta: 6, locationId: annex });
    });

    const everything = await get("/api/admin/stock");
    const goneRow: StockRow = everything.body.products.find((p: StockRow) => p.id === gone.body.product.id);
    expect(goneRow).toMatchObject({ onHand: 4, available: 0, soldOut: true, low: false, soldOutVariants: 1 });
    expect(goneRow.variants[0]).toMatchObject({ onHand: 4, available: 0, soldOut: true });
    expect(goneRow.variants[0]!.locations.find((l) => l.locationId === annex)).toMatchObject({ active: false, onHand: 4, available: 0 });
    const lowRow: StockRow = everything.body.products.find((p: StockRow) => p.id === low.body.product.id);
    expect(lowRow).toMatchObject({ onHand: 8, available: 2, low: true, lowVariants: 1 });

    const ids = async (filter: string) =>
      ((await get(`/api/admin/stock?filter=${filter}&q=${tag}`)).body.products as StockRow[]).map((p) => p.name).sort();
    expect(await ids("sold_out")).toEqual([`Annex only ${tag}`]);
    expect(await ids("low")).toEqual([`Annex mostly ${tag}`]);
    expect(await ids("all")).toEqual([`Annex mostly ${tag}`, `Annex only ${tag}`]);

    // The shop's totals count each variant once, whatever its number of locations, and sum active units only.
    const { totals } = everything.body;
    const all: StockRow[] = everything.body.products;
    const variants = all.flatMap((p) => p.variants);
    const onSale = variants.filter((v) => !v.retired);
    expect(everything.body.variantCount).toBe(variants.length);
    expect(totals).toEqual({
      products: all.length,
      onHand: variants.reduce((n, v) => n + v.onHand, 0),
      reserved: variants.reduce((n, v) => n + v.reserved, 0),
      allocated: variants.reduce((n, v) => n + v.allocated, 0),
      available: variants.reduce((n, v) => n + v.available, 0),
      low: onSale.filter((v) => v.available > 0 && v.available <= 3).length,
      soldOut: onSale.filter((v) => v.available === 0).length,
      held: variants.filter((v) => v.reserved > 0).length,
    });
    for (const v of variants) {
      expect(v.onHand).toBe(v.locations.reduce((n, l) => n + l.onHand, 0));
      expect(v.available).toBe(v.locations.reduce((n, l) => n + l.available, 0));
    }
    expect((await get(`/api/admin/stock?q=${tag}`)).body.totals).toEqual(totals);
  });
});

describe("fulfilling an order by location, in a three-location shop", () => {
  it("allocates a line over three locations, ships one location's part at a time, then the rest", async () => {
    const backRoom = await location("Back room");
    const shopFloor = await location("Shop floor");
    const annex = await location("Closed annex", { inactive: true });
    expect((await listLocations()).filter((l) => l.active).map((l) => l.name)).toEqual(["Main", "Back room", "Shop floor"]);
    const product = await makeProduct(1);
    await adjust(product.id, { delta: 1, locationId: backRoom });
    await adjust(product.id, { delta: 3, locationId: shopFloor });
    const { order } = await paidOrder(product.id, 4);

    const detail = await get(`/api/admin/orders/${order.id}`);
    expect(detail.status, detail.text).toBe(200);
    // Each allocation names the variant it draws on (the line's own here; a kit's component for a kit).
    const own = { variantId: product.variantId, sku: detail.body.order.lines[0].sku };
    expect(detail.body.order.lines[0].allocations).toEqual([
      { locationId: MAIN_LOCATION_ID, name: "Main", ...own, quantity: 1, fulfilled: 0, released: 0 },
      { locationId: backRoom, name: "Back room", ...own, quantity: 1, fulfilled: 0, released: 0 },
      { locationId: shopFloor, name: "Shop floor", ...own, quantity: 2, fulfilled: 0, released: 0 },
    ]);
    const sold = await get(`/api/admin/reservations?productId=${product.id}&status=allocated`);
    expect(sold.body.reservations.map((r: { locationId: string; quantity: number }) => [r.locationId, r.quantity]).sort()).toEqual(
      [
        [MAIN_LOCATION_ID, 1],
        [backRoom, 1],
        [shopFloor, 2],
      ].sort(),
    );

    const fromShopFloor = await post(`/api/admin/orders/${order.id}/fulfil`, { locationId: shopFloor });
    expect(fromShopFloor.status, fromShopFloor.text).toBe(200);
    expect(fromShopFloor.body.order.status).toBe("partially_fulfilled");
    expect(fromShopFloor.body.order.lines[0].allocations[2]).toEqual({ locationId: shopFloor, name: "Shop floor", ...own, quantity: 2, fulfilled: 2, released: 0 });
    expect(await levelsOf(product.variantId)).toMatchObject({
      [MAIN_LOCATION_ID]: { onHand: 1, allocated: 1 },
      [backRoom]: { onHand: 1, allocated: 1 },
      [shopFloor]: { onHand: 1, allocated: 0 },
    });
    const shipped = ((await get(`/api/admin/movements?productId=${product.id}`)).body.movements as Movement[]).filter((m) => m.kind === "fulfil");
    expect(shipped).toEqual([expect.objectContaining({ locationId: shopFloor, locationName: "Shop floor", onHandDelta: -2 })]);

    // An unknown location is 404, a malformed one 400; neither ships anything.
    const before = await snapshot(product.variantId);
    expectError(await post(`/api/admin/orders/${order.id}/fulfil`, { locationId: randomUUID() }), 404, "not_found");
    expectError(await post(`/api/admin/orders/${order.id}/fulfil`, { locationId: "shop-floor" }), 400, "invalid_request");
    // A location with nothing of this order ships nothing.
    const nothing = await post(`/api/admin/orders/${order.id}/fulfil`, { locationId: annex });
    expect(nothing.status, nothing.text).toBe(200);
    expect(nothing.body.order.status).toBe("partially_fulfilled");
    expect(await snapshot(product.variantId)).toEqual(before);

    const fromMain = await post(`/api/admin/orders/${order.id}/fulfil`, { locationId: MAIN_LOCATION_ID });
    expect(fromMain.body.order.status).toBe("partially_fulfilled");
    // No body: everything left.
    const rest = await request("POST", `/api/admin/orders/${order.id}/fulfil`, {});
    expect(rest.status, rest.text).toBe(200);
    expect(rest.body.order.status).toBe("fulfilled");
    expect(rest.body.order.lines[0].allocations.map((a: { fulfilled: number }) => a.fulfilled)).toEqual([1, 1, 2]);
    expect(await levelsOf(product.variantId)).toMatchObject({
      [MAIN_LOCATION_ID]: { onHand: 0, allocated: 0 },
      [backRoom]: { onHand: 0, allocated: 0 },
      [shopFloor]: { onHand: 1, allocated: 0 },
    });
    expect((await reconcileStock()).problems).toEqual([]);
  });
});
