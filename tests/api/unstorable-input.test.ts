/**
 * Input that used to reach PostgreSQL (or Next's decoders) and come back as a 500: a lone UTF-16 surrogate in
 * checkout details (jsonb refuses it), a NUL character in admin text (text columns refuse it) or in a search,
 * a server-action body that refers to a part it does not carry, and a path with a broken %-escape. Each is a
 * 4xx with the contract's JSON error, or a form message, and the database is left as it was.
 */
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pool } from "@/db/client";
import { createAccount } from "@/lib/accounts/shoppers";
import { callAction, serverActions, snapshotShop } from "../faults/support";
import { startApp, TEST_ADMIN_TOKEN, type RunningApp } from "../support/app-server";
import { makeProduct } from "../support/fixtures";
import { HttpClient, signedInClient } from "../support/http";
import { shopperWithLines, startedCheckout } from "./shop-support";

const ADMIN = { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, "content-type": "application/json" };
const sql = postgres(process.env.DATABASE_URL!, { max: 2, onnotice: () => {} });
let app: RunningApp;

beforeAll(async () => {
  app = await startApp();
});

afterAll(async () => {
  await app?.stop();
  await sql.end();
  await pool.end();
});

/** A 4xx with the contract's error shape. */
function expectRefusal(answer: { status: number; text: string; body: unknown }, what: string) {
  expect(answer.status, `${what}: ${answer.status} ${answer.text.slice(0, 200)}`).toBeGreaterThanOrEqual(400);
  expect(answer.status, `${what}: ${answer.text.slice(0, 200)}`).toBeLessThan(500);
  expect(answer.body, what).toMatchObject({ error: { code: expect.stringMatching(/^[a-z_]+$/), message: expect.any(String) } });
}

// JSON texts written by hand: JSON.stringify would send the same escapes, but here they are plain to read.
const LONE_SURROGATES = ['"\\ud800"', '"a\\udfffb"', '"\\udbff\\udbff"', '"x\\ud83d"'];
const NULS = ['"\\u0000"', '"a\\u0000b"'];

describe("text PostgreSQL cannot store is refused before it gets there", () => {
  it("a lone surrogate or a NUL in checkout details: 400, and the checkout is unchanged", async () => {
    const product = await makeProduct(5);
    const shopper = await shopperWithLines(app, [{ productId: product.id, quantity: 1 }]);
    const checkout = await startedCheckout(shopper);
    const before = await snapshotShop(sql);
    for (const field of ["name", "address", "city", "postcode", "country"]) {
      for (const value of [...LONE_SURROGATES, ...NULS]) {
        const answer = await shopper.sendRaw("POST", `/api/checkout/${checkout.id}/activity`, `{"${field}":${value}}`, {
          "content-type": "application/json",
        });
        expectRefusal(answer, `${field} = ${value}`);
        expect(answer.body.error.code).toBe("invalid_request");
      }
    }
    expect(await snapshotShop(sql)).toEqual(before);
    // Well-formed text outside the BMP (a surrogate pair) is fine.
    const emoji = await shopper.sendRaw("POST", `/api/checkout/${checkout.id}/activity`, '{"name":"Ada \\ud83d\\ude42"}', {
      "content-type": "application/json",
    });
    expect(emoji.status, emoji.text).toBe(200);
    expect(emoji.body.checkout.details.name).toBe("Ada 🙂");
  });

  it("a NUL or a lone surrogate in admin product text and stock reasons: 400, nothing written", async () => {
    const product = await makeProduct(5);
    const admin = new HttpClient(app.baseUrl);
    const before = await snapshotShop(sql);
    for (const value of [...NULS, ...LONE_SURROGATES]) {
      const cases: [string, string, string][] = [
        ["PATCH", `/api/admin/products/${product.id}`, `{"description":${value}}`],
        ["PATCH", `/api/admin/products/${product.id}`, `{"name":${value.replace(/^"/, '"Lamp ')}}`],
        ["POST", "/api/admin/products", `{"name":${value.replace(/^"/, '"Lamp ')},"priceCents":100,"onHand":1}`],
        ["POST", "/api/admin/products", `{"name":"Lamp","priceCents":100,"onHand":1,"description":${value}}`],
        ["POST", `/api/admin/stock/${product.id}/adjust`, `{"delta":2,"reason":${value.replace(/^"/, '"count ')}}`],
      ];
      for (const [method, path, body] of cases) expectRefusal(await admin.sendRaw(method, path, body, ADMIN), `${method} ${path} ${body}`);
    }
    expect(await snapshotShop(sql)).toEqual(before);
  });

  it("a NUL in a search: 400 on the APIs", async () => {
    const admin = new HttpClient(app.baseUrl);
    for (const path of ["/api/admin/orders?q=a%00b", "/api/admin/reservations?q=%00", "/api/admin/stock?q=%00", "/api/products?q=%00"]) {
      expectRefusal(await admin.get(path, { authorization: `Bearer ${TEST_ADMIN_TOKEN}` }), path);
    }
  });

  it("a NUL in the admin forms' text: a form message, nothing written", async () => {
    const product = await makeProduct(5);
    const account = { email: `nul-admin-${product.slug.slice(-6)}@example.test`, password: `pw-${product.id}` };
    await createAccount({ ...account, kind: "admin" });
    const admin = await signedInClient(app.baseUrl, account);
    const actions = serverActions();
    const before = await snapshotShop(sql);
    const calls: [string, string, Record<string, string>][] = [
      ["app/admin/products/actions.ts#adjustStockAction", "/admin/products", { productId: product.id, direction: "restock", quantity: "5", reason: "a\u0000b" }],
      ["app/admin/products/actions.ts#editProductAction", `/admin/products/${product.id}`, { productId: product.id, name: "Lamp", price: "1.00", description: "a\u0000b" }],
      ["app/admin/products/actions.ts#editProductAction", `/admin/products/${product.id}`, { productId: product.id, name: "La\u0000mp", price: "1.00" }],
      ["app/admin/products/actions.ts#createProductAction", "/admin/products", { name: "Lamp\u0000", price: "1.00", onHand: "1" }],
    ];
    for (const [name, page, fields] of calls) {
      const answer = await callAction(admin, page, actions.get(name)!, fields);
      const shown = `${name} ${JSON.stringify(fields)} → ${answer.status} ${answer.text.slice(0, 200)}`;
      expect(answer.status, shown).toBe(200);
      expect(answer.state, shown).toMatchObject({ ok: false, message: expect.any(String) });
      expect(answer.state!.code, shown).not.toBe("internal_error");
    }
    expect(await snapshotShop(sql)).toEqual(before);
  });
});

describe("requests Next.js cannot decode are refused, not failed", () => {
  it("a server-action body that refers to a part it does not carry, by any of React's reference tags: 400", async () => {
    const id = serverActions().get("app/cart/actions.ts#addToCartAction")!;
    const shopper = new HttpClient(app.baseUrl);
    for (const reference of ["$h1", "$h1:a", "$1:x", "$Q2", "$V1", "$R1", "$r1", "$X1", "$x1", "$S1", "$g1", "$m1", "$B1", "$@1", "$i1", "$A1"]) {
      const form = new FormData();
      form.set("0", JSON.stringify([null, reference]));
      const answer = await shopper.sendRaw("POST", "/", form, { "next-action": id, accept: "text/x-component" });
      expectRefusal(answer, reference);
    }
    // Still answering.
    expect((await shopper.get("/api/cart")).status).toBe(200);
  });

  it("a path parameter with a broken %-escape: 400 with the contract's error, on every route with one", async () => {
    const client = new HttpClient(app.baseUrl);
    const broken = ["%E0%A4%A", "%C0%AF", "%", "%ZZ", "a%E2%82", "%ED%A0%80"];
    const routes: [string, string, string | undefined][] = [
      ["GET", "/api/products/{}", undefined],
      ["POST", "/api/products/{}/notify", '{"email":"a@example.test"}'],
      ["PUT", "/api/cart/lines/{}", '{"quantity":1}'],
      ["GET", "/api/checkout/{}", undefined],
      ["POST", "/api/checkout/{}/activity", "{}"],
      ["POST", "/api/checkout/{}/pay", '{"cardNumber":"4242424242424242"}'],
      ["POST", "/api/checkout/{}/cancel", undefined],
      ["GET", "/api/admin/orders/{}", undefined],
      ["POST", "/api/admin/orders/{}/fulfil", undefined],
      ["PATCH", "/api/admin/products/{}", '{"name":"x"}'],
      ["POST", "/api/admin/stock/{}/adjust", '{"delta":1,"reason":"x"}'],
      ["POST", "/api/admin/reservations/{}/release", undefined],
    ];
    for (const [method, route, body] of routes) {
      for (const segment of broken) {
        const path = route.replace("{}", segment);
        const answer = await client.sendRaw(method, path, body, {
          authorization: `Bearer ${TEST_ADMIN_TOKEN}`,
          "idempotency-key": "broken-escape-1",
          ...(body ? { "content-type": "application/json" } : {}),
        });
        expectRefusal(answer, `${method} ${path}`);
      }
    }
  });

  it("a page path with a broken %-escape is a 4xx page, not a 500", async () => {
    const client = new HttpClient(app.baseUrl);
    for (const path of ["/products/%E0%A4%A", "/checkout/%C0%AF", "/orders/%", "/admin/orders/%ZZ"]) {
      const answer = await client.get(path);
      expect(answer.status, `${path}: ${answer.status}`).toBeGreaterThanOrEqual(400);
      expect(answer.status, `${path}: ${answer.status}`).toBeLessThan(500);
    }
  });
});
