/** Orders as admins see them, and fulfilment: allocated stock leaves the shelf. */
import { describe, expect, it } from "vitest";
import { reconcileStock } from "@/lib/inventory";
import { levels, makeProduct } from "../support/fixtures";
import { adminApiForFile, makeAccount, paidOrder } from "./admin-helpers";
import { signedInClient } from "../support/http";

const { baseUrl, get, post } = adminApiForFile();

type Order = { id: string; status: string; totalCents: number; lines: { productId: string; quantity: number }[]; fulfilledAt: string | null };

describe("GET /api/admin/orders", () => {
  it("lists every shopper's orders, newest first, with status, lines and shopper", async () => {
    const product = await makeProduct(5, 1250);
    const older = await paidOrder(product.id, 1);
    const newer = await paidOrder(product.id, 2);

    const response = await get("/api/admin/orders");
    expect(response.status).toBe(200);
    const ids = response.body.orders.map((o: Order) => o.id);
    expect(ids.indexOf(newer.order.id)).toBeLessThan(ids.indexOf(older.order.id));
    const listed = response.body.orders.find((o: Order) => o.id === newer.order.id);
    expect(listed).toMatchObject({
      status: "paid",
      totalCents: 2500,
      lines: [{ productId: product.id, quantity: 2 }],
      shopper: { id: newer.shopper.id, guest: true },
      fulfilledAt: null,
    });
  });

  it("filters by status, and refuses an unknown one with 400", async () => {
    const product = await makeProduct(2);
    const { order } = await paidOrder(product.id, 1);
    const { order: stillPaid } = await paidOrder(product.id, 1);
    await post(`/api/admin/orders/${order.id}/fulfil`);
    const all = (await get("/api/admin/orders")).body.orders as Order[];
    const paid = (await get("/api/admin/orders?status=paid")).body.orders as Order[];
    const fulfilled = (await get("/api/admin/orders?status=fulfilled")).body.orders as Order[];
    // Exactly the orders of that status, and between them every order.
    expect(paid.map((o) => o.id)).toContain(stillPaid.id);
    expect(paid.map((o) => o.id)).toEqual(all.filter((o) => o.status === "paid").map((o) => o.id));
    expect(fulfilled.map((o) => o.id)).toEqual(all.filter((o) => o.status === "fulfilled").map((o) => o.id));
    expect(fulfilled.map((o) => o.id)).toContain(order.id);
    expect(new Set(paid.map((o) => o.status))).toEqual(new Set(["paid"]));
    expect(new Set(fulfilled.map((o) => o.status))).toEqual(new Set(["fulfilled"]));
    expect(paid.length + fulfilled.length).toBe(all.length);
    expect((await get("/api/admin/orders?status=lost")).status).toBe(400);
  });
});

describe("POST /api/admin/orders/{id}/fulfil", () => {
  it("ships the order: on hand and allocated both drop, and fulfilling again changes nothing", async () => {
    const product = await makeProduct(5);
    const { order } = await paidOrder(product.id, 2);
    expect(await levels(product.id)).toMatchObject({ on_hand: 5, reserved: 0, allocated: 2 });

    const response = await post(`/api/admin/orders/${order.id}/fulfil`);
    expect(response.status).toBe(200);
    expect(response.body.order).toMatchObject({ id: order.id, status: "fulfilled" });
    expect(Date.parse(response.body.order.fulfilledAt)).not.toBeNaN();
    expect(await levels(product.id)).toMatchObject({ on_hand: 3, reserved: 0, allocated: 0 });

    const again = await post(`/api/admin/orders/${order.id}/fulfil`);
    expect(again.status).toBe(200);
    expect(await levels(product.id)).toMatchObject({ on_hand: 3, reserved: 0, allocated: 0 });

    const ledger = await get(`/api/admin/movements?productId=${product.id}`);
    expect(ledger.body.movements[0]).toMatchObject({ kind: "fulfil", onHandDelta: -2, allocatedDelta: -2, availableDelta: 0, orderId: order.id });
    expect(ledger.body.movements.filter((m: { kind: string }) => m.kind === "fulfil")).toHaveLength(1);
    expect((await reconcileStock()).problems).toEqual([]);
  });

  it("works from an admin session and records the admin in the ledger", async () => {
    const product = await makeProduct(1);
    const { order } = await paidOrder(product.id, 1);
    const account = await makeAccount("admin");
    const session = await signedInClient(baseUrl(), account);
    expect((await session.post(`/api/admin/orders/${order.id}/fulfil`)).status).toBe(200);
    const ledger = await get(`/api/admin/movements?productId=${product.id}`);
    expect(ledger.body.movements[0]).toMatchObject({ kind: "fulfil", actor: { id: account.id, kind: "admin" } });
  });

  it("answers 404 for an unknown or malformed order id", async () => {
    expect((await post("/api/admin/orders/00000000-0000-4000-8000-000000000000/fulfil")).status).toBe(404);
    expect((await post("/api/admin/orders/order-1/fulfil")).status).toBe(404);
  });
});
