/** Holds as admins see them, and releasing one: the stock is free again at once. */
import { describe, expect, it } from "vitest";
import { getCheckout, startCheckout } from "@/lib/checkout";
import { reconcileStock } from "@/lib/inventory";
import { levels, makeProduct, shopperWithCart, timeTravelHolds } from "../support/fixtures";
import { adminApiForFile, guestHolding, makeAccount, paidOrder } from "./admin-helpers";
import { signedInClient } from "../support/http";

const { baseUrl, get, post } = adminApiForFile();

type Hold = {
  id: string;
  checkoutId: string;
  productId: string;
  quantity: number;
  shopper: { id: string; email: string | null; guest: boolean };
  status: string;
  expiresAt: string;
  createdAt: string;
};

async function activeHoldsOf(productId: string): Promise<{ reservations: Hold[]; serverTime: string }> {
  const response = await get(`/api/admin/reservations?status=active&productId=${productId}`);
  expect(response.status).toBe(200);
  return response.body;
}

describe("GET /api/admin/reservations", () => {
  it("lists active holds with their shopper, quantity, expiry and the server's time", async () => {
    const product = await makeProduct(5);
    const { shopper, checkout } = await guestHolding(product.id, 2);

    const { reservations, serverTime } = await activeHoldsOf(product.id);
    expect(reservations).toHaveLength(1);
    const [hold] = reservations;
    expect(hold).toMatchObject({
      checkoutId: checkout.id,
      productId: product.id,
      quantity: 2,
      status: "active",
      shopper: { id: shopper.id, email: shopper.email, guest: true },
      expiresAt: checkout.expiresAt,
    });
    // Held a moment ago with the default 15 minutes: the time left is 900 s less the seconds since.
    const secondsLeft = (Date.parse(hold!.expiresAt) - Date.parse(serverTime)) / 1000;
    expect(secondsLeft).toBeGreaterThan(900 - 10);
    expect(secondsLeft).toBeLessThanOrEqual(900);
  });

  it("names a signed-in shopper by email and not as a guest", async () => {
    const product = await makeProduct(3);
    const account = await makeAccount("shopper");
    const client = await signedInClient(baseUrl(), account);
    expect((await client.post("/api/cart/lines", { productId: product.id, quantity: 1 })).status).toBe(200);
    expect((await client.post("/api/checkout", {})).status).toBe(201);
    const { reservations } = await activeHoldsOf(product.id);
    expect(reservations.map((r) => r.shopper)).toEqual([{ id: account.id, email: account.email, guest: false }]);
  });

  it("counts a hold whose time is up as expired even before any sweep, and lists other statuses on request", async () => {
    const product = await makeProduct(5);
    const lapsed = await guestHolding(product.id, 1);
    const live = await guestHolding(product.id, 1);
    await timeTravelHolds(lapsed.checkout.id);

    const active = await activeHoldsOf(product.id);
    expect(active.reservations.map((r) => r.checkoutId)).toEqual([live.checkout.id]);
    const expired = await get(`/api/admin/reservations?status=expired&productId=${product.id}`);
    expect(expired.body.reservations.map((r: Hold) => [r.checkoutId, r.status])).toEqual([[lapsed.checkout.id, "expired"]]);
    const all = await get(`/api/admin/reservations?productId=${product.id}`);
    expect(all.body.reservations).toHaveLength(2);
  });

  it("lists the active holds soonest to expire first", async () => {
    const product = await makeProduct(5);
    await guestHolding(product.id, 1);
    await guestHolding(product.id, 1);
    const { reservations } = await activeHoldsOf(product.id);
    const expiries = reservations.map((r) => Date.parse(r.expiresAt));
    expect(expiries).toEqual([...expiries].sort((a, b) => a - b));
  });

  it("refuses an unknown status or a malformed product id with 400", async () => {
    expect((await get("/api/admin/reservations?status=forever")).status).toBe(400);
    expect((await get("/api/admin/reservations?productId=nope")).status).toBe(400);
  });
});

describe("POST /api/admin/reservations/{id}/release", () => {
  it("frees the held stock at once and ends the checkout", async () => {
    const product = await makeProduct(3);
    const { shopper, checkout } = await guestHolding(product.id, 3);
    const before = await get("/api/admin/stock");
    expect(before.body.products.find((p: { id: string }) => p.id === product.id).available).toBe(0);
    const [hold] = (await activeHoldsOf(product.id)).reservations;

    const response = await post(`/api/admin/reservations/${hold!.id}/release`);
    expect(response.status).toBe(200);
    expect(response.body.reservation).toMatchObject({ id: hold!.id, status: "released" });
    expect(response.body.checkout).toMatchObject({ id: checkout.id, status: "cancelled" });

    expect(await levels(product.id)).toMatchObject({ on_hand: 3, reserved: 0, allocated: 0 });
    const after = await get("/api/admin/stock");
    expect(after.body.products.find((p: { id: string }) => p.id === product.id).available).toBe(3);
    expect((await activeHoldsOf(product.id)).reservations).toEqual([]);
    expect((await getCheckout(checkout.id, shopper.id)).status).toBe("cancelled");
    expect((await reconcileStock()).problems).toEqual([]);
  });

  it("releases every hold of that checkout, and a second release changes nothing", async () => {
    const first = await makeProduct(2);
    const second = await makeProduct(2);
    const shopper = await shopperWithCart([
      { productId: first.id, quantity: 1 },
      { productId: second.id, quantity: 2 },
    ]);
    const { checkout } = await startCheckout(shopper, { email: shopper.email });
    const [hold] = (await activeHoldsOf(first.id)).reservations;

    expect((await post(`/api/admin/reservations/${hold!.id}/release`)).status).toBe(200);
    expect(await levels(first.id)).toMatchObject({ reserved: 0 });
    expect(await levels(second.id)).toMatchObject({ reserved: 0 });

    const again = await post(`/api/admin/reservations/${hold!.id}/release`);
    expect(again.status).toBe(200);
    expect(again.body.checkout).toMatchObject({ id: checkout.id, status: "cancelled" });
    expect(await levels(second.id)).toMatchObject({ on_hand: 2, reserved: 0 });
  });

  it("refuses (409) to release a hold that was paid for", async () => {
    const product = await makeProduct(2);
    const { checkout } = await paidOrder(product.id, 1);
    const all = await get(`/api/admin/reservations?productId=${product.id}`);
    const hold = all.body.reservations.find((r: Hold) => r.checkoutId === checkout.id);
    expect(hold.status).toBe("allocated");
    const response = await post(`/api/admin/reservations/${hold.id}/release`);
    expect(response.status).toBe(409);
    expect(await levels(product.id)).toMatchObject({ on_hand: 2, reserved: 0, allocated: 1 });
  });

  it("answers 404 for an unknown or malformed hold id", async () => {
    expect((await post("/api/admin/reservations/00000000-0000-4000-8000-000000000000/release")).status).toBe(404);
    expect((await post("/api/admin/reservations/not-a-hold/release")).status).toBe(404);
  });
});
