/**
 * Property-based fuzzing of the server actions (the forms of the shop, sign-in, sign-up, account links and admin), posted the
 * way React posts them, with hostile field values: every one is answered with a form message (ok: false, never
 * an internal error, no stack trace or SQL) and the database stays exactly as it was. Envelopes that are not
 * React's format at all are decoded by Next.js before any app code runs: those must change nothing either.
 */
import { randomUUID } from "node:crypto";
import fc from "fast-check";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pool } from "@/db/client";
import { createAccount } from "@/lib/accounts/shoppers";
import { startApp, type RunningApp } from "../support/app-server";
import { actionStateOf, callAction, serverActions, snapshotShop, type ActionAnswer } from "../faults/support";
import { seedProducts, type SeededProduct } from "../support/products";
import { HttpClient, sessionCookieOf, signIn } from "../support/http";
import { runCount } from "./run-count";
import { acceptableCard, acceptableEmail, acceptableKey, acceptableQuantity, hostileString, injections, missingPartReference, nulText } from "./hostile-input";
import { MAIN_LOCATION_ID } from "@/db/schema";

const RUNS = runCount("FUZZ_ACTION_RUNS");
const url = process.env.DATABASE_URL!;
const sql = postgres(url, { max: 2, onnotice: () => {} });
let app: RunningApp;
let product: SeededProduct;
let shopper: HttpClient;
let admin: HttpClient;
let activeCheckout: string;
let existingEmail: string;
let before: Record<string, string[]>;
const actions = new Map<string, string>();
const tried = new Map<string, number>();
let variantId: string;

beforeAll(async () => {
  app = await startApp();
  for (const [name, id] of serverActions()) actions.set(name.replace(/^app\//, "").replace(/\/actions\.ts#/, "#"), id);
  [product] = (await seedProducts(url, [{ slug: "action-fuzz-mug", priceCents: 1800, onHand: 100 }])) as [SeededProduct];
  [{ id: variantId }] = (await sql<{ id: string }[]>`select id from product_variants where product_id = ${product.id}`) as unknown as [{ id: string }];

  shopper = new HttpClient(app.baseUrl, 30_000);
  expect((await shopper.send("PUT", `/api/cart/lines/${product.id}`, { quantity: 2 })).status).toBe(200);
  const started = await shopper.send("POST", "/api/checkout", { email: "action-fuzz@example.test" });
  expect(started.status).toBe(201);
  activeCheckout = started.body.checkout.id;

  existingEmail = `taken-${randomUUID().slice(0, 8)}@example.test`;
  await createAccount({ email: existingEmail, password: `pw-${randomUUID()}` });
  const adminAccount = { email: `fuzz-admin-${randomUUID().slice(0, 8)}@example.test`, password: `pw-${randomUUID()}` };
  await createAccount({ ...adminAccount, kind: "admin" });
  admin = new HttpClient(app.baseUrl, 30_000);
  expect((await signIn(admin, adminAccount)).status).toBe(302);
  expect(sessionCookieOf(admin)).toBeTruthy();
  before = await snapshotShop(sql);
});

afterAll(async () => {
  await app?.stop();
  await sql.end();
  await pool.end();
});

type Fields = Record<string, string>;

/** Posts a server-action body as is: a string with this content type, or the fields as multipart form data. */
function postEnvelope(actionId: string, type: string, body: string | Record<string, string>) {
  const headers: Record<string, string> = { "next-action": actionId, accept: "text/x-component" };
  if (typeof body === "string") return shopper.sendRaw("POST", "/", body, { ...headers, "content-type": type });
  const form = new FormData();
  for (const [k, v] of Object.entries(body)) form.append(k, v);
  return shopper.sendRaw("POST", "/", form, headers);
}

/** Form field values: strings only, but any strings (FormData carries no other type). */
const text = fc.oneof(hostileString, fc.constantFrom("1.5", "-1", "0", "51", "1e3", "999999999999", " 7 ", "0x10", "", " ")).filter((s) => !s.includes("\u0000"));
const nul = fc.constantFrom("\u0000", "a\u0000b");
const anyText = fc.oneof(text, nul);
const badIdText = fc.oneof(anyText, fc.uuid());
const badQuantityText = (min: number) => anyText.filter((s) => !acceptableQuantity(s, min));
const badEmailText = anyText.filter((s) => !acceptableEmail(s));
const goodKey = "action-fuzz-key-1";
/** The shape of an account token (32 random bytes, base64url) that no link ever carried. */
const unknownToken = fc.stringMatching(/^[A-Za-z0-9_-]{43}$/);

/** The part a reference names (no tag letter is a lowercase hex digit, so the tag is whatever comes first). */
const partIdOf = (reference: string) => Number.parseInt(reference.slice(1).replace(/^[^0-9a-f]/, "").split(":")[0]!, 16);

const targets: Record<string, { page: () => string; as: () => HttpClient; fields: () => fc.Arbitrary<Fields> }> = {
  "cart#addToCartAction": {
    page: () => "/",
    as: () => shopper,
    fields: () =>
      fc.oneof(
        fc.record({ productId: badIdText, quantity: anyText }),
        fc.record({ productId: fc.constant(product.id), quantity: badQuantityText(1) }),
        fc.record({ productId: fc.constant(product.id), quantity: fc.constantFrom("49", "50") }),
        fc.record({ quantity: fc.constant("1") }),
      ),
  },
  "cart#setCartLineAction": {
    page: () => "/cart",
    as: () => shopper,
    fields: () =>
      fc.oneof(
        fc.record({ productId: fc.constant(product.id), quantity: badQuantityText(0) }),
        fc.record({ productId: badIdText, quantity: fc.constantFrom("0", "1", "3") }),
      ),
  },
  "cart#startCheckoutAction": {
    page: () => "/cart",
    as: () => shopper,
    fields: () => fc.oneof(fc.record({ email: badEmailText }), fc.constant({})),
  },
  "checkout#payAction": {
    page: () => `/checkout/${activeCheckout}`,
    as: () => shopper,
    fields: () =>
      fc.oneof(
        fc.record({ checkoutId: badIdText, idempotencyKey: fc.constant(goodKey), cardNumber: fc.constant("4242424242424242") }),
        fc.record({ checkoutId: fc.constant(activeCheckout), idempotencyKey: anyText.filter((k) => !acceptableKey(k)), cardNumber: fc.constant("4242424242424242") }),
        fc.record({ checkoutId: fc.constant(activeCheckout), idempotencyKey: fc.constant(goodKey), cardNumber: anyText.filter((c) => !acceptableCard(c)) }),
        fc.record({ checkoutId: fc.constant(activeCheckout), idempotencyKey: fc.constant(goodKey), cardNumber: fc.constant("4242424242424242"), email: badEmailText.filter((s) => s.trim() !== "") }),
        fc.record({ checkoutId: fc.constant(activeCheckout), idempotencyKey: fc.constant(goodKey), cardNumber: fc.constant("4242424242424242"), name: fc.string({ minLength: 201, maxLength: 400 }).filter((s) => s.trim().length > 200) }),
      ),
  },
  "checkout#confirmPaymentAction": {
    page: () => `/checkout/${activeCheckout}`,
    as: () => shopper,
    fields: () => fc.oneof(fc.record({ checkoutId: badIdText }), fc.constant({ checkoutId: activeCheckout })),
  },
  "checkout#cancelCheckoutAction": {
    page: () => `/checkout/${activeCheckout}`,
    as: () => shopper,
    fields: () => fc.record({ checkoutId: badIdText }),
  },
  "signin#signInAction": {
    page: () => "/signin",
    as: () => new HttpClient(app.baseUrl, 30_000),
    fields: () =>
      fc.oneof(
        fc.record({ email: anyText, password: anyText }),
        fc.record({ email: fc.constant(existingEmail), password: fc.oneof(anyText, fc.constantFrom(...injections)) }),
        fc.record({ email: fc.constantFrom(...injections.map((i) => `${i}@example.test`)), password: fc.constant("password123") }),
      ),
  },
  "signup#signUpAction": {
    page: () => "/signup",
    as: () => new HttpClient(app.baseUrl, 30_000),
    fields: () =>
      fc.oneof(
        fc.record({ email: badEmailText, password: fc.constant("long-enough-password") }),
        fc.record({ email: fc.uuid().map((u) => `new-${u}@example.test`), password: anyText.filter((p) => p.length < 8 || p.length > 200) }),
        fc.record({ email: fc.uuid().map((u) => `new-${u}@example.test`), password: fc.constant("long-enough-password"), name: fc.string({ minLength: 101, maxLength: 300 }).filter((s) => s.trim().length > 100) }),
        // Taken: refused with a message, and no second account.
        fc.record({ email: fc.constantFrom(existingEmail, existingEmail.toUpperCase(), ` ${existingEmail} `), password: fc.constant("long-enough-password") }),
      ),
  },
  // Account links: a token that is no token of ours (any text, or the right shape but unknown), and a new
  // password outside the rules; "Forgot password" with an address that is not one; a new link with no account.
  "account/verify#verifyEmailAction": {
    page: () => "/account/verify",
    as: () => new HttpClient(app.baseUrl, 30_000),
    fields: () => fc.oneof(fc.record({ token: anyText }), fc.record({ token: unknownToken }), fc.constant({})),
  },
  "account/verify#resendVerificationAction": {
    page: () => "/orders",
    as: () => shopper,
    fields: () => fc.oneof(fc.record({ token: anyText }), fc.constant({})),
  },
  "account/reset#resetPasswordAction": {
    page: () => "/account/reset",
    as: () => new HttpClient(app.baseUrl, 30_000),
    fields: () =>
      fc.oneof(
        fc.record({ token: anyText, password: fc.constant("long-enough-password") }),
        fc.record({ token: unknownToken, password: fc.constant("long-enough-password") }),
        fc.record({ token: unknownToken, password: anyText.filter((p) => p.length < 8 || p.length > 200) }),
      ),
  },
  "account/forgot#requestPasswordResetAction": {
    page: () => "/account/forgot",
    as: () => new HttpClient(app.baseUrl, 30_000),
    fields: () => fc.oneof(fc.record({ email: badEmailText }), fc.constant({})),
  },
  "products/[slug]#notifyMeAction": {
    page: () => `/products/${product.slug}`,
    as: () => shopper,
    // The product is in stock: a good email is refused too (nothing to wait for), and nothing is recorded.
    fields: () =>
      fc.oneof(
        fc.record({ slug: fc.constant(product.slug), email: anyText }),
        fc.record({ slug: anyText, email: fc.constant("fuzz@example.test") }),
      ),
  },
  "orders#lookupOrderAction": {
    page: () => "/orders",
    as: () => new HttpClient(app.baseUrl, 30_000),
    fields: () =>
      fc.oneof(
        fc.record({ email: anyText, orderNumber: fc.constant("0badc0de") }),
        fc.record({ email: fc.constant("fuzz@example.test"), orderNumber: anyText }),
      ),
  },
  "admin/products#editProductAction": {
    page: () => `/admin/products/${product.id}`,
    as: () => admin,
    fields: () =>
      fc.oneof(
        fc.record({ productId: badIdText, name: fc.constant("Renamed"), price: fc.constant("1.00") }),
        fc.record({ productId: fc.constant(product.id), name: anyText.filter((n) => n.trim().length === 0 || n.trim().length > 120), price: fc.constant("1.00") }),
        fc.record({ productId: fc.constant(product.id), name: fc.constant("Renamed"), price: anyText.filter((p) => !/^\d{1,7}(\.\d{1,2})?$/.test(p.trim())) }),
        fc.record({ productId: fc.constant(product.id), name: nulText, price: fc.constant("1.00") }),
        fc.record({ productId: fc.constant(product.id), name: fc.constant("Renamed"), price: fc.constant("1.00"), description: nulText }),
        fc.record({ productId: fc.constant(product.id), name: fc.constant("Renamed"), price: fc.constant("1.00"), imageUrl: nulText.map((t) => `/${t}`) }),
        fc.record({
          productId: fc.constant(product.id),
          name: fc.constant("Renamed"),
          price: fc.constant("1.00"),
          imageUrl: anyText.filter((u) => u.trim() !== "" && !/^\/(?!\/)[^\s\\]*$/.test(u.trim()) && !/^https:\/\/[^\s/\\]+(\/[^\s\\]*)?$/i.test(u.trim())),
        }),
      ),
  },
  "admin/products#archiveProductAction": {
    page: () => `/admin/products/${product.id}`,
    as: () => admin,
    fields: () =>
      fc.oneof(
        fc.record({ productId: badIdText, archived: fc.constantFrom("true", "false") }),
        fc.record({ productId: fc.constant(product.id), archived: anyText.filter((a) => a !== "true" && a !== "false") }),
      ),
  },
  "admin/holds#releaseHoldAction": {
    page: () => "/admin/holds",
    as: () => admin,
    fields: () => fc.record({ reservationId: badIdText }),
  },
  "admin/orders#fulfilOrderAction": {
    page: () => "/admin/orders",
    as: () => admin,
    fields: () => fc.record({ orderId: badIdText }),
  },
  "admin/products#adjustStockAction": {
    page: () => "/admin/products",
    as: () => admin,
    fields: () =>
      fc.oneof(
        fc.record({ productId: badIdText, direction: fc.constant("restock"), quantity: fc.constant("5"), reason: fc.constant("fuzz") }),
        fc.record({ productId: fc.constant(product.id), direction: anyText.filter((d) => d !== "restock" && d !== "write_off"), quantity: fc.constant("5"), reason: fc.constant("fuzz") }),
        fc.record({ productId: fc.constant(product.id), direction: fc.constant("restock"), quantity: anyText.filter((q) => !/^\s*\d+\s*$/.test(q) || Number(q) < 1 || Number(q) > 1_000_000), reason: fc.constant("fuzz") }),
        fc.record({ productId: fc.constant(product.id), direction: fc.constant("restock"), quantity: fc.constant("5"), reason: anyText.filter((r) => r.trim().length === 0 || r.trim().length > 200) }),
        // Writing off what is held: refused by the invariant.
        fc.record({ productId: fc.constant(product.id), direction: fc.constant("write_off"), quantity: fc.constantFrom("100", "99", "1000000"), reason: fc.constant("fuzz") }),
        // A reason PostgreSQL cannot store.
        fc.record({ productId: fc.constant(product.id), direction: fc.constant("restock"), quantity: fc.constant("5"), reason: nulText }),
      ),
  },
  "admin/locations#addLocationAction": {
    page: () => "/admin/locations",
    as: () => admin,
    fields: () =>
      fc.oneof(
        fc.record({ name: anyText.filter((n) => n.trim().length === 0 || n.trim().length > 80), priority: fc.constant("") }),
        fc.record({ name: nulText, priority: fc.constant("") }),
        fc.record({ name: fc.constant("Fuzz room"), priority: anyText.filter((p) => p.trim() !== "" && (!/^-?\d+$/.test(p.trim()) || Math.abs(Number(p)) > 1_000_000)) }),
        // A name Main already has, in another letter case.
        fc.record({ name: fc.constantFrom("main", "MAIN", " Main "), priority: fc.constant("") }),
      ),
  },
  "admin/locations#editLocationAction": {
    page: () => "/admin/locations",
    as: () => admin,
    fields: () =>
      fc.oneof(
        fc.record({ locationId: badIdText, name: fc.constant("Renamed"), priority: fc.constant("0") }),
        fc.record({ locationId: fc.constant(MAIN_LOCATION_ID), name: nulText, priority: fc.constant("0") }),
        fc.record({ locationId: fc.constant(MAIN_LOCATION_ID), name: fc.constant("Main"), priority: anyText.filter((p) => !/^-?\d+$/.test(p.trim()) || Math.abs(Number(p)) > 1_000_000) }),
      ),
  },
  "admin/locations#setLocationActiveAction": {
    page: () => "/admin/locations",
    as: () => admin,
    fields: () =>
      fc.oneof(
        fc.record({ locationId: badIdText, active: fc.constant("false") }),
        fc.record({ locationId: fc.constant(MAIN_LOCATION_ID), active: anyText.filter((a) => a !== "true" && a !== "false") }),
        // The only active location cannot be deactivated.
        fc.constant({ locationId: MAIN_LOCATION_ID, active: "false" }),
      ),
  },
  "admin/packing#fulfilFromHereAction": {
    page: () => "/admin/packing",
    as: () => admin,
    fields: () => fc.record({ orderId: badIdText, locationId: fc.constant(MAIN_LOCATION_ID) }),
  },
  "admin/products#transferStockAction": {
    page: () => `/admin/products/${product.id}`,
    as: () => admin,
    fields: () =>
      fc.oneof(
        fc.record({ productId: badIdText, variantId: fc.constant(variantId), fromLocationId: fc.constant(MAIN_LOCATION_ID), toLocationId: fc.uuid(), quantity: fc.constant("1"), reason: fc.constant("fuzz") }),
        // The same location, or one that does not exist.
        fc.record({ productId: fc.constant(product.id), variantId: fc.constant(variantId), fromLocationId: fc.constant(MAIN_LOCATION_ID), toLocationId: fc.constantFrom(MAIN_LOCATION_ID, randomUUID()), quantity: fc.constant("1"), reason: fc.constant("fuzz") }),
        fc.record({ productId: fc.constant(product.id), variantId: fc.constant(variantId), fromLocationId: fc.constant(MAIN_LOCATION_ID), toLocationId: fc.uuid(), quantity: anyText.filter((q) => !/^\s*\d+\s*$/.test(q) || Number(q) < 1), reason: fc.constant("fuzz") }),
      ),
  },
  "admin/products#createProductAction": {
    page: () => "/admin/products",
    as: () => admin,
    fields: () =>
      fc.oneof(
        fc.record({ name: anyText.filter((n) => n.trim().length === 0 || n.trim().length > 120), price: fc.constant("12.50"), onHand: fc.constant("3") }),
        fc.record({ name: fc.constant("Fuzz"), price: anyText.filter((p) => !/^\d{1,7}(\.\d{1,2})?$/.test(p.trim())), onHand: fc.constant("3") }),
        fc.record({ name: fc.constant("Fuzz"), price: fc.constant("12.50"), onHand: anyText.filter((q) => !/^\d+$/.test(q.trim()) || Number(q) > 1_000_000) }),
        fc.record({ name: nulText, price: fc.constant("12.50"), onHand: fc.constant("3") }),
        fc.record({ name: fc.constant("Fuzz"), price: fc.constant("12.50"), onHand: fc.constant("3"), description: nulText }),
        fc.record({ name: fc.constant("Fuzz"), price: fc.constant("12.50"), onHand: fc.constant("3"), slug: anyText.filter((s) => s.trim() !== "" && (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(s.trim().toLowerCase()) || s.trim().length > 80)) }),
        fc.constant({ name: "Fuzz", slug: product.slug, price: "1", onHand: "1" }),
      ),
  },
};

const leak = /\bat [\w.<>]+ \(|node_modules|\.tsx?:\d+|\.js:\d+|SQLSTATE|syntax error at|relation "|column "|drizzle|postgres|insert into|select .* from/i;

function expectFormMessage(answer: ActionAnswer, what: string): void {
  const shown = `${what} → ${answer.status} ${answer.text.slice(0, 300)}`;
  expect(answer.status, shown).toBe(200);
  expect(answer.state, shown).not.toBeNull();
  expect(answer.state!.ok, shown).toBe(false);
  expect(answer.state!.code, shown).not.toBe("internal_error");
  expect(typeof answer.state!.message, shown).toBe("string");
  expect(answer.text, shown).not.toMatch(leak);
}

describe("hostile form input to every server action", () => {
  for (const [name, target] of Object.entries(targets)) {
    it(`${name}: answered with a form message`, async () => {
      const id = actions.get(name);
      expect(id, `server action ${name} exists`).toBeDefined();
      await fc.assert(
        fc.asyncProperty(target.fields(), async (fields) => {
          tried.set(name, (tried.get(name) ?? 0) + 1);
          const answer = await callAction(target.as(), target.page(), id!, fields);
          expectFormMessage(answer, `${name} ${JSON.stringify(fields).slice(0, 200)}`);
        }),
        { numRuns: RUNS },
      );
    });
  }

  it("envelopes that are not React's format are refused with 400 before any app code runs", async () => {
    const id = actions.get("cart#addToCartAction")!;
    const notAList = (root: string) => {
      try {
        return !Array.isArray(JSON.parse(root));
      } catch {
        return true;
      }
    };
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          // Arguments that are not a JSON list, in a multipart body with the form's fields, or as the whole body.
          fc.tuple(fc.constant("multipart/form-data"), hostileString.filter(notAList).map((root) => ({ "0": root, _1_productId: product.id, _1_quantity: "1" }))),
          fc.tuple(fc.constantFrom("text/plain;charset=UTF-8", "application/json"), hostileString.filter(notAList)),
          // References to parts that are not there, a root that is not a list, no arguments part at all.
          fc.tuple(fc.constant("multipart/form-data"), fc.constantFrom('[null,"$F1"]', '[null,"$Q1"]', '["$@1","$K1"]', '[null,{"a":["$W2"]}]', '["$1"]', "{}").map((root) => ({ "0": root }))),
          fc.tuple(fc.constant("multipart/form-data"), fc.constant({ _1_productId: product.id, _1_quantity: "1" })),
          fc.tuple(fc.constant("text/plain;charset=UTF-8"), fc.constantFrom('[null,"$F1"]', '["$1"]')),
          // Every tag React's reply decoder reads as a reference to another part, to a part that is not there:
          // as an argument, inside an object, or inside an outlined part that is there.
          fc.tuple(fc.constant("multipart/form-data"), missingPartReference.map((reference) => ({ "0": JSON.stringify([null, reference]) }))),
          fc.tuple(fc.constant("multipart/form-data"), missingPartReference.map((reference) => ({ "0": JSON.stringify([{ form: [reference] }]) }))),
          fc.tuple(fc.constant("multipart/form-data"), missingPartReference.filter((r) => partIdOf(r) !== 1).map((reference) => ({ "0": '[null,"$1"]', "1": JSON.stringify({ inner: reference }) }))),
          fc.tuple(fc.constantFrom("text/plain;charset=UTF-8", "application/json"), missingPartReference.map((reference) => JSON.stringify([null, reference]))),
        ),
        async ([type, body]) => {
          tried.set("malformed envelopes", (tried.get("malformed envelopes") ?? 0) + 1);
          const answer = await postEnvelope(id, type, body);
          const shown = `${type} ${JSON.stringify(body).slice(0, 200)} → ${answer.status} ${answer.text.slice(0, 200)}`;
          expect(answer.status, shown).toBe(400);
          expect(answer.body, shown).toMatchObject({ error: { code: "invalid_request", message: expect.any(String) } });
          expect(answer.text, shown).not.toMatch(leak);
        },
      ),
      { numRuns: RUNS },
    );
    // The app still answers normally afterwards.
    expect((await shopper.send("GET", "/api/cart")).status).toBe(200);
  });

  it("well-formed envelopes with no usable form reach the action, which answers with a form message", async () => {
    const id = actions.get("cart#addToCartAction")!;
    // A FormData prefix with no fields, no arguments, arguments that are not a form: all in React's format.
    const envelopes: [string, string | Record<string, string>][] = [
      ["multipart/form-data", { "0": '["$K9"]' }],
      ["multipart/form-data", { "0": "[]" }],
      ["multipart/form-data", { "0": '[null,{"productId":"x"}]' }],
      ["text/plain;charset=UTF-8", "[]"],
      ["text/plain;charset=UTF-8", '[null,"$K1"]'],
    ];
    for (const [type, body] of envelopes) {
      tried.set("malformed envelopes", (tried.get("malformed envelopes") ?? 0) + 1);
      const answer = await postEnvelope(id, type, body);
      expectFormMessage({ ...answer, state: actionStateOf(answer.text) }, `${type} ${JSON.stringify(body)}`);
    }
  });

  it("changed nothing in the database", async () => {
    expect(await snapshotShop(sql)).toEqual(before);
    expect(app.logs.join("")).not.toMatch(/unexpected error/);
    const total = [...tried.values()].reduce((a, b) => a + b, 0);
    console.log(`Hostile server action inputs tried: ${total}\n${[...tried].map(([n, c]) => `  ${n}: ${c}`).join("\n")}`);
  });
});
