/**
 * Who may see and do what. Another shopper's checkout or order does not exist for anyone else: 404 from every
 * endpoint, page and server action, and nothing about it changes. Admin API, pages and actions check the role
 * in each: a visitor gets 401 (or is sent to sign in), a shopper 403, a wrong token 403, and nothing changes.
 */
import { randomUUID } from "node:crypto";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pool } from "@/db/client";
import { createAccount } from "@/lib/accounts/shoppers";
import { startApp, TEST_ADMIN_TOKEN, TEST_CRON_SECRET, type RunningApp } from "../support/app-server";
import { callAction, serverActions, snapshotShop } from "../faults/support";
import { seedProducts, type SeededProduct } from "../support/products";
import { HttpClient, sessionCookieOf, signIn } from "../support/http";
import { MAIN_LOCATION_ID } from "@/db/schema";

const url = process.env.DATABASE_URL!;
const sql = postgres(url, { max: 2, onnotice: () => {} });
let app: RunningApp;
let product: SeededProduct;

/** The victim: a guest with a paid order and an active checkout. */
const victim = { shopper: null as unknown as HttpClient, activeCheckout: "", paidCheckout: "", order: "", payKey: "", email: "" };
let signedInShopper: HttpClient;
let otherGuest: HttpClient;
let admin: HttpClient;

async function signInAs(client: HttpClient, account: { email: string; password: string }): Promise<void> {
  const answer = await signIn(client, account);
  expect(answer.status).toBe(302);
  expect(sessionCookieOf(client)).toBeTruthy();
}

beforeAll(async () => {
  app = await startApp();
  [product] = (await seedProducts(url, [{ slug: `access-${randomUUID().slice(0, 8)}`, priceCents: 1500, onHand: 50 }])) as [SeededProduct];

  victim.shopper = new HttpClient(app.baseUrl);
  victim.email = `victim-${randomUUID().slice(0, 8)}@example.test`;
  expect((await victim.shopper.send("PUT", `/api/cart/lines/${product.id}`, { quantity: 2 })).status).toBe(200);
  const first = await victim.shopper.send("POST", "/api/checkout", { email: victim.email });
  expect(first.status).toBe(201);
  victim.paidCheckout = first.body.checkout.id;
  victim.payKey = `victim-${randomUUID()}`;
  const paid = await victim.shopper.send("POST", `/api/checkout/${victim.paidCheckout}/pay`, { cardNumber: "4242424242424242" }, { "Idempotency-Key": victim.payKey });
  expect(paid.status).toBe(200);
  victim.order = paid.body.order.id;
  expect((await victim.shopper.send("PUT", `/api/cart/lines/${product.id}`, { quantity: 3 })).status).toBe(200);
  const second = await victim.shopper.send("POST", "/api/checkout", { email: victim.email });
  expect(second.status).toBe(201);
  victim.activeCheckout = second.body.checkout.id;

  const shopperAccount = { email: `intruder-${randomUUID().slice(0, 8)}@example.test`, password: `pw-${randomUUID()}` };
  await createAccount(shopperAccount);
  signedInShopper = new HttpClient(app.baseUrl);
  await signInAs(signedInShopper, shopperAccount);

  otherGuest = new HttpClient(app.baseUrl);
  expect((await otherGuest.send("PUT", `/api/cart/lines/${product.id}`, { quantity: 1 })).status).toBe(200);

  const adminAccount = { email: `admin-${randomUUID().slice(0, 8)}@example.test`, password: `pw-${randomUUID()}` };
  await createAccount({ ...adminAccount, kind: "admin" });
  admin = new HttpClient(app.baseUrl);
  await signInAs(admin, adminAccount);
});

afterAll(async () => {
  await app?.stop();
  await sql.end();
  await pool.end();
});

/**
 * The not-found page. A page with a loading state streams its shell first, so by the time the page finds the
 * checkout is not this visitor's, the status line (200) has gone out; Next.js then streams the not-found page
 * with `noindex` instead. Either way the page must show nothing of the other shopper's.
 */
function isNotFoundPage(answer: { status: number; text: string }): boolean {
  if (answer.status === 404) return true;
  return answer.status === 200 && /<meta name="robots" content="noindex"\/>/.test(answer.text) && /could not find that page/i.test(answer.text);
}

describe("another shopper's checkout and order", () => {
  it("are 404 from every endpoint, page and action, for a signed-in shopper, another guest and a visitor", async () => {
    const before = await snapshotShop(sql);
    const actions = serverActions();
    const intruders = { "signed-in shopper": signedInShopper, "another guest": otherGuest, visitor: () => new HttpClient(app.baseUrl) };
    const seen: string[] = [];
    for (const [who, intruderOrMake] of Object.entries(intruders)) {
      const intruder = () => (typeof intruderOrMake === "function" ? intruderOrMake() : intruderOrMake);
      const api: [string, string, unknown?, Record<string, string>?][] = [
        ["GET", `/api/checkout/${victim.activeCheckout}`],
        ["GET", `/api/checkout/${victim.paidCheckout}`],
        ["POST", `/api/checkout/${victim.activeCheckout}/activity`, { name: "Mallory" }],
        ["POST", `/api/checkout/${victim.activeCheckout}/cancel`, {}],
        ["POST", `/api/checkout/${victim.paidCheckout}/cancel`, {}],
        ["POST", `/api/checkout/${victim.activeCheckout}/pay`, { cardNumber: "4242424242424242" }, { "Idempotency-Key": `intruder-${randomUUID()}` }],
        // Replaying the victim's own key must not reveal their order either.
        ["POST", `/api/checkout/${victim.paidCheckout}/pay`, { cardNumber: "4242424242424242" }, { "Idempotency-Key": victim.payKey }],
        // Asking the shop to confirm the victim's payment reveals neither it nor their order.
        ["POST", `/api/checkout/${victim.activeCheckout}/pay/confirm`, {}],
        ["POST", `/api/checkout/${victim.paidCheckout}/pay/confirm`, {}],
      ];
      for (const [method, path, body, headers] of api) {
        const answer = await intruder().send(method, path, body, headers);
        seen.push(`${who}: ${method} ${path.replace(/[0-9a-f-]{36}/, ":id")} → ${answer.status} ${answer.body?.error?.code}`);
        expect({ status: answer.status, code: answer.body?.error?.code }, `${who} ${method} ${path}`).toEqual({ status: 404, code: "not_found" });
        expect(answer.text).not.toContain(victim.email);
      }
      for (const page of [`/checkout/${victim.activeCheckout}`, `/checkout/${victim.paidCheckout}`, `/orders/${victim.order}`]) {
        const answer = await intruder().send("GET", page);
        seen.push(`${who}: page ${page.replace(/[0-9a-f-]{36}/, ":id")} → ${answer.status}`);
        expect(isNotFoundPage(answer), `${who} GET ${page}: ${answer.status}`).toBe(true);
        expect(answer.text).not.toContain(victim.email);
        expect(answer.text).not.toContain(product.slug);
      }
      const pay = await callAction(intruder(), `/checkout/${victim.activeCheckout}`, actions.get("app/checkout/actions.ts#payAction")!, {
        checkoutId: victim.activeCheckout,
        idempotencyKey: `intruder-${randomUUID()}`,
        cardNumber: "4242424242424242",
      });
      const cancel = await callAction(intruder(), `/checkout/${victim.activeCheckout}`, actions.get("app/checkout/actions.ts#cancelCheckoutAction")!, {
        checkoutId: victim.activeCheckout,
      });
      const confirm = await callAction(intruder(), `/checkout/${victim.paidCheckout}`, actions.get("app/checkout/actions.ts#confirmPaymentAction")!, {
        checkoutId: victim.paidCheckout,
      });
      for (const answer of [pay, cancel, confirm]) {
        expect(answer.status).toBe(200);
        expect(answer.state).toMatchObject({ ok: false, code: "not_found" });
        expect(answer.text).not.toContain(victim.email);
      }
      seen.push(`${who}: payAction → ${pay.state?.code}, cancelCheckoutAction → ${cancel.state?.code}, confirmPaymentAction → ${confirm.state?.code}`);
    }
    // The victim's order is not listed for anyone else.
    const orders = await signedInShopper.send("GET", "/orders");
    expect(orders.text).not.toContain(victim.order.slice(0, 8));

    expect(await snapshotShop(sql)).toEqual(before);
    // And the victim still sees both.
    expect((await victim.shopper.send("GET", `/api/checkout/${victim.activeCheckout}`)).body.checkout.status).toBe("active");
    expect((await victim.shopper.send("GET", `/orders/${victim.order}`)).status).toBe(200);
    console.log(`Ownership: ${seen.length} intrusion checks, all 404 / not_found`);
  });
});

describe("admin API, pages and actions", () => {
  it("refuse visitors (401 or sign-in), shoppers (403) and wrong tokens (403), and change nothing", async () => {
    const [reservation] = await sql<{ id: string }[]>`
      select id from reservations where checkout_id = ${victim.activeCheckout} limit 1`;
    const endpoints: [string, string, unknown?][] = [
      ["GET", "/api/admin/stock"],
      ["GET", "/api/admin/reservations?status=active"],
      ["GET", "/api/admin/orders"],
      ["GET", `/api/admin/movements?productId=${product.id}`],
      ["POST", "/api/admin/products", { name: "Sneaky", priceCents: 1, onHand: 1 }],
      ["POST", `/api/admin/stock/${product.id}/adjust`, { delta: -50, reason: "theft" }],
      ["POST", `/api/admin/reservations/${reservation!.id}/release`, {}],
      ["POST", `/api/admin/orders/${victim.order}/fulfil`, {}],
      ["GET", "/api/admin/locations"],
      ["POST", "/api/admin/locations", { name: "Sneaky room" }],
      ["PATCH", `/api/admin/locations/${MAIN_LOCATION_ID}`, { active: false }],
      ["POST", "/api/admin/stock/transfer", { variantId: MAIN_LOCATION_ID, fromLocationId: MAIN_LOCATION_ID, toLocationId: MAIN_LOCATION_ID, quantity: 1, reason: "theft" }],
    ];
    const before = await snapshotShop(sql);
    const callers: [string, () => HttpClient, Record<string, string>, number, string][] = [
      ["visitor", () => new HttpClient(app.baseUrl), {}, 401, "unauthenticated"],
      ["guest", () => otherGuest, {}, 401, "unauthenticated"],
      ["signed-in shopper", () => signedInShopper, {}, 403, "forbidden"],
      ["wrong token", () => new HttpClient(app.baseUrl), { authorization: "Bearer not-the-token" }, 403, "forbidden"],
      ["shopper with a wrong token", () => signedInShopper, { authorization: `Bearer ${TEST_ADMIN_TOKEN}x` }, 403, "forbidden"],
      ["cron secret as admin token", () => new HttpClient(app.baseUrl), { authorization: `Bearer ${TEST_CRON_SECRET}` }, 403, "forbidden"],
    ];
    let checks = 0;
    for (const [who, caller, headers, status, code] of callers) {
      for (const [method, path, body] of endpoints) {
        const answer = await caller().send(method, path, body, headers);
        expect({ status: answer.status, code: answer.body?.error?.code }, `${who} ${method} ${path}`).toEqual({ status, code });
        checks += 1;
      }
    }
    // The cron job is not an admin door either, nor the admin token a cron secret.
    const cronAttempts: Record<string, string>[] = [{}, { authorization: `Bearer ${TEST_ADMIN_TOKEN}` }, { authorization: "Bearer nope" }];
    for (const headers of cronAttempts) {
      const answer = await new HttpClient(app.baseUrl).send("POST", "/api/cron/expire-reservations", undefined, headers);
      expect(answer.status).toBe(401);
      checks += 1;
    }

    // Pages: a visitor is sent to sign in, a shopper gets 403; the admin gets in.
    for (const page of ["/admin", "/admin/holds", "/admin/ledger", "/admin/orders", "/admin/products", "/admin/locations", "/admin/packing"]) {
      const visitor = await new HttpClient(app.baseUrl).send("GET", page);
      expect(visitor.status, `visitor ${page}`).toBe(302);
      expect(new URL(visitor.headers.get("location") ?? "", app.baseUrl).searchParams.get("callbackUrl")).toBe(page);
      const shopper = await signedInShopper.send("GET", page);
      expect(shopper.status, `shopper ${page}`).toBe(403);
      expect(shopper.text).not.toContain(victim.email);
      expect((await admin.send("GET", page)).status, `admin ${page}`).toBe(200);
      checks += 3;
    }

    // Actions: each checks the role itself.
    const actions = serverActions();
    const adminActions: [string, string, Record<string, string>][] = [
      ["app/admin/holds/actions.ts#releaseHoldAction", "/admin/holds", { reservationId: reservation!.id }],
      ["app/admin/orders/actions.ts#fulfilOrderAction", "/admin/orders", { orderId: victim.order }],
      ["app/admin/products/actions.ts#adjustStockAction", "/admin/products", { productId: product.id, delta: "-50", reason: "theft" }],
      ["app/admin/products/actions.ts#createProductAction", "/admin/products", { name: "Sneaky", priceCents: "1", onHand: "1" }],
      ["app/admin/locations/actions.ts#addLocationAction", "/admin/locations", { name: "Sneaky room" }],
      ["app/admin/locations/actions.ts#setLocationActiveAction", "/admin/locations", { locationId: MAIN_LOCATION_ID, active: "false" }],
      ["app/admin/packing/actions.ts#fulfilFromHereAction", "/admin/packing", { orderId: victim.order, locationId: MAIN_LOCATION_ID }],
      ["app/admin/products/actions.ts#transferStockAction", "/admin/products", { productId: product.id, variantId: MAIN_LOCATION_ID, fromLocationId: MAIN_LOCATION_ID, toLocationId: MAIN_LOCATION_ID, quantity: "1", reason: "theft" }],
    ];
    for (const [name, page, fields] of adminActions) {
      const id = actions.get(name);
      expect(id, name).toBeDefined();
      // A visitor is sent to sign in by the proxy before the action runs at all (every /admin path needs a session).
      const visitor = await callAction(new HttpClient(app.baseUrl), page, id!, fields);
      expect(visitor.status, `visitor ${name}`).toBe(302);
      expect(new URL(visitor.headers.get("location") ?? "", app.baseUrl).pathname, `visitor ${name}`).toBe("/signin");
      // A shopper gets past the proxy's optimistic check; the action itself refuses.
      const shopper = await callAction(signedInShopper, page, id!, fields);
      expect(shopper.status, `shopper ${name}`).toBe(200);
      expect(shopper.state, `shopper ${name}: ${shopper.text.slice(0, 300)}`).toMatchObject({ ok: false, code: "forbidden" });
      checks += 2;
    }
    expect(await snapshotShop(sql)).toEqual(before);

    // The right credentials do get in (so the refusals above are about the caller, not a broken route).
    expect((await new HttpClient(app.baseUrl).send("GET", "/api/admin/stock", undefined, { authorization: `Bearer ${TEST_ADMIN_TOKEN}` })).status).toBe(200);
    expect((await admin.send("GET", "/api/admin/orders")).status).toBe(200);
    console.log(`Admin access: ${checks} refusals checked, nothing changed`);
  });
});
