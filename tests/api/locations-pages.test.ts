/**
 * The admin's location pages over HTTP (server actions posted the way React does, pages fetched): adding,
 * renaming, re-prioritising and deactivating a location; restocking at a chosen location and moving units between
 * locations from a product's page; fulfilling an order location by location (partly shipped, then fulfilled) and
 * the packing view that lists it until its units there have shipped. Bad input is a readable form message,
 * never a 500, and moves nothing.
 */
import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { adjustStock, listLocations, createLocation } from "@/lib/inventory";
import { listVariantLevels } from "@/lib/inventory/levels";
import { findOrderById } from "@/lib/orders";
import { listPackingOrders } from "@/lib/admin/packing";
import { callAction, serverActions } from "../faults/support";
import { appForFile } from "../support/app-for-file";
import { makeProduct, MAIN_LOCATION_ID } from "../support/fixtures";
import { HttpClient, signedInClient } from "../support/http";
import { makeAccount, paidOrder } from "./admin-helpers";

const app = appForFile();
let admin: HttpClient;

const action = (file: string, name: string) => {
  const id = serverActions().get(`app/admin/${file}/actions.ts#${name}`);
  if (!id) throw new Error(`no server action ${file}#${name}`);
  return id;
};
const locationsForm = (name: string, fields: Record<string, string>) => callAction(admin, "/admin/locations", action("locations", name), fields);
const productForm = (productId: string, name: string, fields: Record<string, string>) =>
  callAction(admin, `/admin/products/${productId}`, action("products", name), { productId, ...fields });

const unique = () => randomUUID().slice(0, 6);
const locationNamed = async (name: string) => (await listLocations()).find((l) => l.name === name);
/** One variant's levels at each location, by location name. */
async function levelsAt(productId: string): Promise<Record<string, { onHand: number; available: number }>> {
  const [variant] = await listVariantLevels(undefined, productId);
  return Object.fromEntries(variant!.locations.map((l) => [l.name, { onHand: l.onHand, available: l.available }]));
}

beforeAll(async () => {
  admin = await signedInClient(app.baseUrl, await makeAccount("admin"));
});

describe("Locations page", () => {
  it("adds a location with a priority, and says what is wrong with a blank name, a fraction or a taken name", async () => {
    const before = await listLocations();
    const blank = await locationsForm("addLocationAction", { name: "  ", priority: "1.5" });
    expect(blank.status).toBe(200);
    expect(blank.state).toMatchObject({ ok: false, fieldErrors: { name: ["Enter a name."], priority: ["Enter a whole number."] } });
    expect(await listLocations()).toEqual(before);

    const name = `Back room ${unique()}`;
    const added = await locationsForm("addLocationAction", { name, priority: "5" });
    expect(added.state).toMatchObject({ ok: true, message: expect.stringContaining(`Added ${name} (priority 5)`) });
    expect(await locationNamed(name)).toMatchObject({ priority: 5, active: true });

    // Another location by the same name in other letters is a conflict, said in the form.
    const again = await locationsForm("addLocationAction", { name: name.toUpperCase(), priority: "" });
    expect(again.status).toBe(200);
    expect(again.state).toMatchObject({ ok: false, code: "conflict", message: expect.stringContaining("There is already a location called") });

    // Without a priority it comes after every other.
    const last = `Overflow ${unique()}`;
    expect((await locationsForm("addLocationAction", { name: last, priority: "" })).state?.ok).toBe(true);
    const all = await listLocations();
    expect(all.at(-1)).toMatchObject({ name: last, priority: Math.max(...before.map((l) => l.priority), 5) + 1 });

    // The page lists them in priority order, Main first, where restocks go.
    const page = await admin.get("/admin/locations");
    expect(page.status).toBe(200);
    expect(page.text.indexOf("Main")).toBeLessThan(page.text.indexOf(name));
    expect(page.text.indexOf(name)).toBeLessThan(page.text.indexOf(last));
    expect(page.text).toContain("Restocks go here");
  });

  it("renames and re-prioritises a location; a stale or hand-made id is named as such", async () => {
    const location = await createLocation({ name: `Shop floor ${unique()}` });
    const renamed = `Front shop ${unique()}`;
    const saved = await locationsForm("editLocationAction", { locationId: location.id, name: renamed, priority: "7" });
    expect(saved.state).toMatchObject({ ok: true, message: `Saved ${renamed} (priority 7).` });
    expect(await locationNamed(renamed)).toMatchObject({ id: location.id, priority: 7 });

    const taken = await locationsForm("editLocationAction", { locationId: location.id, name: "MAIN", priority: "7" });
    expect(taken.state).toMatchObject({ ok: false, code: "conflict", message: 'There is already a location called "Main".', fieldErrors: { name: ["Choose another name."] } });
    // Its own name in other letters is no conflict.
    expect((await locationsForm("editLocationAction", { locationId: location.id, name: renamed.toLowerCase(), priority: "7" })).state?.ok).toBe(true);
    expect((await locationsForm("editLocationAction", { locationId: location.id, name: renamed, priority: "7" })).state?.ok).toBe(true);

    const negative = await locationsForm("editLocationAction", { locationId: location.id, name: renamed, priority: "-0" });
    expect(negative.state).toMatchObject({ ok: false, fieldErrors: { priority: ["Enter a whole number."] } });
    const empty = await locationsForm("editLocationAction", { locationId: location.id, name: renamed, priority: "" });
    expect(empty.state).toMatchObject({ ok: false, fieldErrors: { priority: ["Enter a priority."] } });
    const stale = await locationsForm("editLocationAction", { locationId: "not-a-location", name: "X", priority: "1" });
    expect(stale.state).toMatchObject({ ok: false, message: "This location is not known: reload the page." });
    const gone = await locationsForm("editLocationAction", { locationId: randomUUID(), name: "X", priority: "1" });
    expect(gone.state).toMatchObject({ ok: false, code: "not_found" });
    expect(await locationNamed(renamed)).toMatchObject({ priority: 7 });
  });

  it("deactivates a location (its live holds stay) and activates it again; the last active location stays active", async () => {
    const location = await createLocation({ name: `Cellar ${unique()}`, priority: 50 });
    const off = await locationsForm("setLocationActiveAction", { locationId: location.id, active: "false" });
    expect(off.state).toMatchObject({ ok: true, message: expect.stringContaining("Holds already made there stay valid") });
    expect(await locationNamed(location.name)).toMatchObject({ active: false });

    // Every other location off too: the last active one refuses, in words.
    const others = (await listLocations()).filter((l) => l.active && l.id !== MAIN_LOCATION_ID);
    for (const other of others) expect((await locationsForm("setLocationActiveAction", { locationId: other.id, active: "false" })).state?.ok).toBe(true);
    const lastOne = await locationsForm("setLocationActiveAction", { locationId: MAIN_LOCATION_ID, active: "false" });
    expect(lastOne.state).toMatchObject({ ok: false, code: "conflict", message: expect.stringContaining("At least one location must stay active") });
    expect((await listLocations()).find((l) => l.id === MAIN_LOCATION_ID)?.active).toBe(true);

    for (const other of [...others, location]) {
      const on = await locationsForm("setLocationActiveAction", { locationId: other.id, active: "true" });
      expect(on.state).toMatchObject({ ok: true, message: `${other.name} is active: holds draw on it again.` });
    }
    const odd = await locationsForm("setLocationActiveAction", { locationId: location.id, active: "maybe" });
    expect(odd.state).toMatchObject({ ok: false, fieldErrors: { active: ["Choose activate or deactivate."] } });
  });
});

describe("Only admins", () => {
  it("see the locations and packing pages and run their forms: a visitor is sent to sign in, a shopper is refused", async () => {
    const product = await makeProduct(3);
    const { order } = await paidOrder(product.id, 1);
    const before = { locations: await listLocations(), levels: await levelsAt(product.id), order: (await findOrderById(order.id))?.status };
    const shopper = await signedInClient(app.baseUrl, await makeAccount("shopper"));
    for (const page of ["/admin/locations", "/admin/packing", `/admin/packing?location=${MAIN_LOCATION_ID}`]) {
      const visitor = await new HttpClient(app.baseUrl).get(page);
      expect(visitor.status, `visitor ${page}`).toBe(302);
      expect(new URL(visitor.headers.get("location") ?? "", app.baseUrl).pathname).toBe("/signin");
      expect((await shopper.get(page)).status, `shopper ${page}`).toBe(403);
      expect((await admin.get(page)).status, `admin ${page}`).toBe(200);
    }
    const forms: [string, string, string, Record<string, string>][] = [
      ["locations", "addLocationAction", "/admin/locations", { name: `Sneaky ${unique()}` }],
      ["locations", "editLocationAction", "/admin/locations", { locationId: MAIN_LOCATION_ID, name: "Sneaky", priority: "9" }],
      ["locations", "setLocationActiveAction", "/admin/locations", { locationId: MAIN_LOCATION_ID, active: "false" }],
      ["products", "transferStockAction", `/admin/products/${product.id}`, {
        productId: product.id, variantId: product.variantId, fromLocationId: MAIN_LOCATION_ID, toLocationId: randomUUID(), quantity: "1", reason: "theft",
      }],
      ["orders", "fulfilOrderAction", `/admin/orders/${order.id}`, { orderId: order.id, locationId: MAIN_LOCATION_ID }],
      ["packing", "fulfilFromHereAction", "/admin/packing", { orderId: order.id, locationId: MAIN_LOCATION_ID }],
    ];
    for (const [file, name, page, fields] of forms) {
      const visitor = await callAction(new HttpClient(app.baseUrl), page, action(file, name), fields);
      expect(visitor.status, `visitor ${name}`).toBe(302);
      const refused = await callAction(shopper, page, action(file, name), fields);
      expect(refused.state, `shopper ${name}`).toMatchObject({ ok: false, code: "forbidden" });
    }
    expect({ locations: await listLocations(), levels: await levelsAt(product.id), order: (await findOrderById(order.id))?.status }).toEqual(before);
  });
});

describe("A product's stock by location", () => {
  it("restocks and writes off at a chosen location; an inactive one takes no stock", async () => {
    const product = await makeProduct(4);
    const room = await createLocation({ name: `Stock room ${unique()}` });
    const restocked = await productForm(product.id, "adjustStockAction", {
      variantId: product.variantId, direction: "restock", quantity: "3", reason: "delivery", locationId: room.id,
    });
    expect(restocked.state).toMatchObject({ ok: true, message: expect.stringContaining(`at ${room.name}: 7 on hand, 7 available (3 on hand at ${room.name})`) });
    expect(await levelsAt(product.id)).toMatchObject({ Main: { onHand: 4 }, [room.name]: { onHand: 3 } });

    const badId = await productForm(product.id, "adjustStockAction", { variantId: product.variantId, direction: "restock", quantity: "1", reason: "x", locationId: "back" });
    expect(badId.state).toMatchObject({ ok: false, fieldErrors: { locationId: ["Choose a location."] } });

    await locationsForm("setLocationActiveAction", { locationId: room.id, active: "false" });
    const inactive = await productForm(product.id, "adjustStockAction", {
      variantId: product.variantId, direction: "restock", quantity: "1", reason: "delivery", locationId: room.id,
    });
    expect(inactive.status).toBe(200);
    expect(inactive.state).toMatchObject({ ok: false, code: "location_inactive", message: expect.stringContaining(`${room.name} is not active`) });
    // Writing off there is still allowed: the units are on its shelf.
    const writtenOff = await productForm(product.id, "adjustStockAction", {
      variantId: product.variantId, direction: "write_off", quantity: "1", reason: "damaged", locationId: room.id,
    });
    expect(writtenOff.state?.ok).toBe(true);
    expect(await levelsAt(product.id)).toMatchObject({ Main: { onHand: 4 }, [room.name]: { onHand: 2, available: 0 } });

    // The product's page shows its levels per location.
    const page = await admin.get(`/admin/products/${product.id}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain("Stock by location");
    expect(page.text).toContain("Move stock between locations");
  });

  it("moves free units between locations, and refuses the same location, a bad count or more than is free", async () => {
    const product = await makeProduct(5);
    const room = await createLocation({ name: `Annex ${unique()}` });
    const move = (fields: Record<string, string>) =>
      productForm(product.id, "transferStockAction", { variantId: product.variantId, fromLocationId: MAIN_LOCATION_ID, toLocationId: room.id, reason: "rebalance", ...fields });

    const same = await move({ toLocationId: MAIN_LOCATION_ID, quantity: "1" });
    expect(same.state).toMatchObject({ ok: false, fieldErrors: { toLocationId: ["Choose a location other than the one they leave."] } });
    const negative = await move({ quantity: "-2" });
    expect(negative.state).toMatchObject({ ok: false, fieldErrors: { quantity: ["Enter at least 1."] } });
    const fraction = await move({ quantity: "1.5" });
    expect(fraction.state).toMatchObject({ ok: false, fieldErrors: { quantity: ["Enter a whole number."] } });
    const noReason = await move({ quantity: "1", reason: " " });
    expect(noReason.state).toMatchObject({ ok: false, fieldErrors: { reason: ["Give a reason."] } });

    // Two units are sold (allocated, not yet shipped): only three are free to move.
    await paidOrder(product.id, 2);
    const tooMany = await move({ quantity: "4" });
    expect(tooMany.status).toBe(200);
    expect(tooMany.state).toMatchObject({ ok: false, code: "invariant_violation", message: expect.stringContaining("only 3 of its 5 on hand") });
    expect(await levelsAt(product.id)).toMatchObject({ Main: { onHand: 5 }, [room.name]: { onHand: 0 } });

    // Another product's variant is not this product's.
    const other = await makeProduct(1);
    const foreign = await move({ variantId: other.variantId, quantity: "1" });
    expect(foreign.state).toMatchObject({ ok: false, code: "not_found" });

    const moved = await move({ quantity: "3" });
    expect(moved.state).toMatchObject({ ok: true, message: expect.stringContaining(`from Main to ${room.name}: 2 on hand at Main, 3 at ${room.name}`) });
    expect(await levelsAt(product.id)).toMatchObject({ Main: { onHand: 2, available: 0 }, [room.name]: { onHand: 3, available: 3 } });

    await locationsForm("setLocationActiveAction", { locationId: room.id, active: "false" });
    const back = await productForm(product.id, "transferStockAction", {
      variantId: product.variantId, fromLocationId: MAIN_LOCATION_ID, toLocationId: room.id, quantity: "1", reason: "r",
    });
    expect(back.state).toMatchObject({ ok: false, code: "location_inactive" });
    await locationsForm("setLocationActiveAction", { locationId: room.id, active: "true" });
  });
});

describe("Orders shipped location by location", () => {
  it("ships one location's units (partly shipped), lists the rest for packing, then ships everything", async () => {
    // 2 at Main (first by priority), 2 at a location after every other: 3 bought are allocated 2 + 1.
    const product = await makeProduct(2, 1500);
    const yard = await createLocation({ name: `Yard ${unique()}`, priority: 900 });
    await adjustStock({ productId: product.id, variantId: product.variantId, locationId: yard.id, delta: 2, reason: "delivery", actorId: null });
    const { order } = await paidOrder(product.id, 3);
    const placed = await findOrderById(order.id);
    expect(placed!.lines[0]!.allocations.map((a) => [a.name, a.quantity])).toEqual([["Main", 2], [yard.name, 1]]);

    // The order page says where each unit is, and offers a Fulfil per location.
    const page = await admin.get(`/admin/orders/${order.id}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain(`2 from Main, 1 from ${yard.name}`);
    expect(page.text).toContain(`Fulfil from ${yard.name}`);

    // Both packing lists have it, each with its own units to pick.
    expect((await listPackingOrders(MAIN_LOCATION_ID)).orders.find((o) => o.id === order.id)?.lines).toMatchObject([{ quantity: 2, ordered: 3 }]);
    expect((await listPackingOrders(yard.id)).orders.find((o) => o.id === order.id)?.lines).toMatchObject([{ quantity: 1, ordered: 3 }]);
    const packing = await admin.get(`/admin/packing?location=${yard.id}`);
    expect(packing.status).toBe(200);
    expect(packing.text).toContain(order.id.slice(0, 8));

    const fulfil = (fields: Record<string, string>) => callAction(admin, `/admin/orders/${order.id}`, action("orders", "fulfilOrderAction"), { orderId: order.id, ...fields });
    const fromYard = await fulfil({ locationId: yard.id });
    expect(fromYard.state).toMatchObject({ ok: true, message: `Shipped from ${yard.name} (1 unit). Still to ship: 2 units from Main.` });
    expect((await findOrderById(order.id))?.status).toBe("partially_fulfilled");
    expect((await listPackingOrders(yard.id)).orders.map((o) => o.id)).not.toContain(order.id);
    expect((await listPackingOrders(MAIN_LOCATION_ID)).orders.map((o) => o.id)).toContain(order.id);
    const orderPage = await admin.get(`/admin/orders/${order.id}`);
    expect(orderPage.text).toContain("Partly shipped");

    // A hand-made location id is named, and ships nothing.
    const stale = await fulfil({ locationId: "yard" });
    expect(stale.state).toMatchObject({ ok: false, message: "This location is not known: reload the page." });

    // The packing view's own button ships Main's part and shows the list again, saying so.
    const fromHere = await callAction(admin, `/admin/packing?location=${MAIN_LOCATION_ID}`, action("packing", "fulfilFromHereAction"), {
      orderId: order.id, locationId: MAIN_LOCATION_ID,
    });
    expect(fromHere.headers.get("x-action-redirect")).toContain(`/admin/packing?location=${MAIN_LOCATION_ID}&shipped=${order.id}`);
    expect(await findOrderById(order.id)).toMatchObject({ status: "fulfilled" });
    expect((await listPackingOrders(MAIN_LOCATION_ID)).orders.map((o) => o.id)).not.toContain(order.id);
    expect(await levelsAt(product.id)).toMatchObject({ Main: { onHand: 0 }, [yard.name]: { onHand: 1, available: 1 } });

    // Fulfilling everything again changes nothing and says so.
    const again = await fulfil({});
    expect(again.state).toMatchObject({ ok: true, message: "Fulfilled: everything has shipped." });
  });

  it("ships everything at once from every location", async () => {
    const product = await makeProduct(1);
    const shed = await createLocation({ name: `Shed ${unique()}`, priority: 901 });
    await adjustStock({ productId: product.id, variantId: product.variantId, locationId: shed.id, delta: 1, reason: "delivery", actorId: null });
    const { order } = await paidOrder(product.id, 2);
    const all = await callAction(admin, `/admin/orders/${order.id}`, action("orders", "fulfilOrderAction"), { orderId: order.id, locationId: "" });
    expect(all.state).toMatchObject({ ok: true, message: "Fulfilled: everything has shipped." });
    expect((await findOrderById(order.id))?.lines[0]?.allocations.map((a) => a.fulfilled)).toEqual([1, 1]);
  });
});
