/**
 * Property-based fuzzing of every Store API endpoint (shopper, admin with the admin token, cron) over HTTP
 * against the built app: malformed JSON, wrong types, fractions, negatives, huge numbers, huge bodies, wrong
 * content types, unknown ids and injection strings. Every input is one the contract refuses; each must get a
 * 4xx with an error code and a message (never a 5xx, a stack trace or SQL), and afterwards the database must
 * be exactly as before.
 */
import fc from "fast-check";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApp, TEST_ADMIN_TOKEN, TEST_AUTH_SECRET, TEST_CRON_SECRET, type RunningApp } from "../support/app-server";
import { snapshotShop } from "../faults/support";
import { seedProducts, type SeededProduct } from "../support/products";
import { HttpClient, type Answer } from "../support/http";
import {
  acceptableText,
  brokenEscapeSegment,
  badCard,
  badEmail,
  badKey,
  badQuantity,
  hostileString,
  hostileValue,
  malformedJson,
  pathSegment,
  unknownId,
  unstorableText,
  wrongContentType,
} from "./hostile-input";
import { runCount } from "./run-count";

const RUNS = runCount("FUZZ_RUNS");
const url = process.env.DATABASE_URL!;
const sql = postgres(url, { max: 2, onnotice: () => {} });
let app: RunningApp;
let product: SeededProduct;
let shopper: HttpClient;
let activeCheckout: string;
let order: string;
let reservation: string;
let before: Record<string, string[]>;

/** Inputs tried and answers seen, per endpoint, for the closing report. */
const tried = new Map<string, Map<number, number>>();

beforeAll(async () => {
  app = await startApp();
  [product] = (await seedProducts(url, [{ slug: "fuzz-lamp", priceCents: 4900, onHand: 500 }])) as [SeededProduct];
  await seedProducts(url, [{ slug: "fuzz-spare", priceCents: 100, onHand: 5 }]);
  shopper = new HttpClient(app.baseUrl, 30_000);
  // A paid order, then a cart line held by an active checkout: real things for hostile requests to aim at.
  expect((await shopper.send("PUT", `/api/cart/lines/${product.id}`, { quantity: 1 })).status).toBe(200);
  const paid = await shopper.send("POST", "/api/checkout", { email: "fuzz@example.test" });
  order = (await shopper.send("POST", `/api/checkout/${paid.body.checkout.id}/pay`, { cardNumber: "4242424242424242" }, { "Idempotency-Key": "fuzz-order-1" })).body.order.id;
  expect((await shopper.send("PUT", `/api/cart/lines/${product.id}`, { quantity: 2 })).status).toBe(200);
  const active = await shopper.send("POST", "/api/checkout", { email: "fuzz@example.test" });
  expect(active.status).toBe(201);
  activeCheckout = active.body.checkout.id;
  // The hold the release endpoint is fuzzed around, as the admin API shows it.
  const holds = await new HttpClient(app.baseUrl).send("GET", "/api/admin/reservations?status=active", undefined, { authorization: `Bearer ${TEST_ADMIN_TOKEN}` });
  expect(holds.status).toBe(200);
  expect(holds.body.reservations).toHaveLength(1);
  expect(holds.body.reservations[0]).toMatchObject({ checkoutId: activeCheckout, productId: product.id, quantity: 2, status: "active" });
  reservation = holds.body.reservations[0].id;
  before = await snapshotShop(sql);
});

afterAll(async () => {
  await app?.stop();
  await sql.end();
});

interface Hostile {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
  kind: string;
}

interface BodyCase {
  kind: string;
  body: string;
  contentType: string;
}

/** Every way to send a bad body: refused fields, non-objects, broken JSON, and (if given a valid body) the
 * valid body with the wrong content type or padded past the size limit. */
function bodies(refusedObject: fc.Arbitrary<object>, validBody?: object): fc.Arbitrary<BodyCase> {
  const json = "application/json";
  const cases: fc.Arbitrary<BodyCase>[] = [
    refusedObject.map((o) => ({ kind: "refused fields", body: JSON.stringify(o), contentType: json })),
    fc
      .oneof(hostileString, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(hostileValue, { maxLength: 3 }))
      .map((v) => ({ kind: "not an object", body: JSON.stringify(v) ?? "null", contentType: json })),
    malformedJson.map((text) => ({ kind: "malformed JSON", body: text, contentType: json })),
  ];
  if (validBody) {
    cases.push(
      wrongContentType.map((type) => ({ kind: "wrong content type", body: JSON.stringify(validBody), contentType: type })),
      fc
        .integer({ min: 16 * 1024 + 1, max: 300_000 })
        .map((size) => ({ kind: "huge body", body: JSON.stringify({ ...validBody, pad: "x".repeat(size) }), contentType: json })),
    );
  }
  return fc.oneof(...cases);
}

const withBody = (method: string, path: string, b: BodyCase, headers: Record<string, string> = {}): Hostile => ({
  method,
  path,
  body: b.body,
  headers: { "content-type": b.contentType, ...headers },
  kind: b.kind,
});

const ADMIN = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };
const textField = (max: number) => fc.oneof(hostileValue, fc.string({ minLength: max + 1, maxLength: max + 50 })).filter((v) => !acceptableText(v, max) && v !== null && v !== "");

/** Every route with a path parameter, "{}" where it goes, and a body it would otherwise accept. */
const parameterisedRoutes: [method: string, path: string, body: string | undefined][] = [
  ["GET", "/api/products/{}", undefined],
  ["POST", "/api/products/{}/notify", '{"email":"a@example.test"}'],
  ["PUT", "/api/cart/lines/{}", '{"quantity":1}'],
  ["GET", "/api/checkout/{}", undefined],
  ["POST", "/api/checkout/{}/activity", "{}"],
  ["POST", "/api/checkout/{}/pay", '{"cardNumber":"4242424242424242"}'],
  ["POST", "/api/checkout/{}/cancel", undefined],
  ["POST", "/api/checkout/{}/pay/confirm", undefined],
  ["GET", "/api/admin/orders/{}", undefined],
  ["POST", "/api/admin/orders/{}/fulfil", undefined],
  ["PATCH", "/api/admin/products/{}", '{"name":"x"}'],
  ["POST", "/api/admin/stock/{}/adjust", '{"delta":1,"reason":"x"}'],
  ["POST", "/api/admin/reservations/{}/release", undefined],
];

/** A JSON body with these fields, written as JSON.stringify does (a lone surrogate travels as an escape like "\ud800"). */
const jsonCase = (kind: string, value: object): BodyCase => ({ kind, body: JSON.stringify(value), contentType: "application/json" });

/** One fuzz target per endpoint: how to make refused requests for it. */
const targets: Record<string, () => fc.Arbitrary<Hostile>> = {
  "every path parameter with a broken %-escape": () =>
    fc.tuple(fc.constantFrom(...parameterisedRoutes), brokenEscapeSegment).map(([[method, route, body], segment]) => ({
      method,
      path: route.replace("{}", segment),
      ...(body ? { body } : {}),
      headers: { ...ADMIN, "idempotency-key": "fuzz-key-0003", ...(body ? { "content-type": "application/json" } : {}) },
      kind: "broken %-escape",
    })),

  "text PostgreSQL cannot store, in every text field": () =>
    fc.oneof(
      fc
        .tuple(fc.constantFrom("name", "address", "city", "postcode", "country", "email"), unstorableText)
        .map(([field, text]) => withBody("POST", `/api/checkout/${activeCheckout}/activity`, jsonCase("unstorable detail", { [field]: text }))),
      fc
        .tuple(fc.constantFrom("name", "description", "imageUrl"), unstorableText)
        .map(([field, text]) => withBody("PATCH", `/api/admin/products/${product.id}`, jsonCase("unstorable product text", { [field]: field === "imageUrl" ? `/${text}` : text }), ADMIN)),
      fc
        .tuple(fc.constantFrom("name", "description"), unstorableText)
        .map(([field, text]) => withBody("POST", "/api/admin/products", jsonCase("unstorable new product", { name: "Fuzz", priceCents: 100, onHand: 1, [field]: text }), ADMIN)),
      unstorableText.map((reason) => withBody("POST", `/api/admin/stock/${product.id}/adjust`, jsonCase("unstorable reason", { delta: 5, reason }), ADMIN)),
      fc
        .tuple(fc.constantFrom("/api/admin/orders", "/api/admin/reservations", "/api/admin/stock", "/api/products"), fc.constantFrom("\u0000", "a\u0000b"))
        .map(([path, q]) => ({ method: "GET", path: `${path}?${new URLSearchParams({ q })}`, headers: ADMIN, kind: "unstorable search" })),
      unstorableText.map((email) => withBody("POST", "/api/orders/lookup", jsonCase("unstorable email", { email, orderNumber: "0badc0de" }))),
      unstorableText.map((email) => withBody("POST", "/api/checkout", jsonCase("unstorable email", { email }))),
      unstorableText.map((email) => withBody("POST", `/api/products/${product.slug}/notify`, jsonCase("unstorable email", { email }))),
    ),

  "GET /api/products/{slug}": () => unknownId.map((id) => ({ method: "GET", path: `/api/products/${pathSegment(id)}`, kind: "unknown slug" })),

  "POST /api/cart/lines": () =>
    fc.oneof(
      bodies(
        fc.oneof(
          fc.record({ productId: fc.oneof(unknownId, hostileValue), quantity: hostileValue }),
          fc.record({ productId: fc.constant(product.id), quantity: badQuantity(1) }),
          // Valid on its own, but past the per-line cap with what the cart already holds.
          fc.record({ productId: fc.constant(product.id), quantity: fc.constantFrom(49, 50) }),
          fc.record({ quantity: fc.constant(1) }),
          fc.record({ productId: fc.constant(product.id) }),
        ),
        { productId: product.id, quantity: 1 },
      ).map((b) => withBody("POST", "/api/cart/lines", b)),
    ),

  "PUT /api/cart/lines/{productId}": () =>
    fc.oneof(
      bodies(fc.record({ quantity: badQuantity(0) }), { quantity: 3 }).map((b) => withBody("PUT", `/api/cart/lines/${product.id}`, b)),
      fc
        .tuple(unknownId, fc.oneof(fc.integer({ min: 1, max: 50 }), hostileValue))
        .map(([id, quantity]) => withBody("PUT", `/api/cart/lines/${pathSegment(id)}`, { kind: "unknown product", body: JSON.stringify({ quantity }), contentType: "application/json" })),
    ),

  "POST /api/checkout": () =>
    bodies(fc.oneof(fc.record({ email: badEmail }), fc.constant({})), { email: "fuzz@example.test" }).map((b) => withBody("POST", "/api/checkout", b)),

  "GET /api/checkout/{id}": () => unknownId.map((id) => ({ method: "GET", path: `/api/checkout/${pathSegment(id)}`, kind: "unknown checkout" })),

  "POST /api/checkout/{id}/activity": () =>
    fc.oneof(
      bodies(
        fc.oneof(
          // A blank email means "not given", which makes a valid activity ping: not hostile, so not generated.
          fc.record({ email: badEmail.filter((v) => typeof v !== "string" || v.trim() !== "") }),
          fc.record({ name: textField(200) }),
          fc.record({ address: textField(500) }),
          fc.record({ city: textField(200), postcode: fc.constant("12345") }),
          fc.record({ postcode: textField(40) }),
          fc.record({ country: textField(100), name: fc.constant("Mallory") }),
        ),
        { name: "Mallory" },
      ).map((b) => withBody("POST", `/api/checkout/${activeCheckout}/activity`, b)),
      unknownId.map((id) => withBody("POST", `/api/checkout/${pathSegment(id)}/activity`, { kind: "unknown checkout", body: "{}", contentType: "application/json" })),
    ),

  "POST /api/checkout/{id}/pay": () =>
    fc.oneof(
      badKey.map((key) => withBody("POST", `/api/checkout/${activeCheckout}/pay`, { kind: "bad idempotency key", body: JSON.stringify({ cardNumber: "4242424242424242" }), contentType: "application/json" }, { "idempotency-key": key })),
      fc.constant(withBody("POST", `/api/checkout/${activeCheckout}/pay`, { kind: "no idempotency key", body: JSON.stringify({ cardNumber: "4242424242424242" }), contentType: "application/json" })),
      bodies(fc.record({ cardNumber: badCard }), { cardNumber: "4242424242424242" }).map((b) =>
        withBody("POST", `/api/checkout/${activeCheckout}/pay`, b, { "idempotency-key": "fuzz-key-0001" }),
      ),
      unknownId.map((id) => withBody("POST", `/api/checkout/${pathSegment(id)}/pay`, { kind: "unknown checkout", body: JSON.stringify({ cardNumber: "4242424242424242" }), contentType: "application/json" }, { "idempotency-key": "fuzz-key-0002" })),
    ),

  "POST /api/checkout/{id}/pay/confirm": () =>
    fc.oneof(
      unknownId.map((id) => ({ method: "POST", path: `/api/checkout/${pathSegment(id)}/pay/confirm`, kind: "unknown checkout" })),
      // A checkout with no payment has nothing to confirm: 409, nothing asked of the provider.
      fc.constant({ method: "POST", path: `/api/checkout/${activeCheckout}/pay/confirm`, kind: "nothing to confirm" }),
    ),

  "POST /api/checkout/{id}/cancel": () => unknownId.map((id) => ({ method: "POST", path: `/api/checkout/${pathSegment(id)}/cancel`, kind: "unknown checkout" })),

  "POST /api/admin/products": () =>
    bodies(
      fc.oneof(
        fc.record({ name: textField(120).filter((v) => typeof v !== "string" || v.trim().length === 0 || v.trim().length > 120), priceCents: fc.constant(100), onHand: fc.constant(1) }),
        fc.record({ name: fc.constant("Fuzz"), priceCents: hostileValue.filter((v) => !(Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 100_000_000)), onHand: fc.constant(1) }),
        fc.record({ name: fc.constant("Fuzz"), priceCents: fc.constant(100), onHand: hostileValue.filter((v) => !(Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 1_000_000)) }),
        fc.record({ name: fc.constant("Fuzz"), priceCents: fc.constant(100), onHand: fc.constant(1), slug: hostileValue.filter((v) => typeof v !== "string" || !/^[a-z0-9]+(-[a-z0-9]+)*$/.test(v.trim().toLowerCase()) || v.trim().length > 80) }),
        // A taken slug: 409.
        fc.constant({ name: "Fuzz", slug: "fuzz-lamp", priceCents: 100, onHand: 1 }),
      ),
      { name: "Fuzz", priceCents: 100, onHand: 1 },
    ).map((b) => withBody("POST", "/api/admin/products", b, ADMIN)),

  "POST /api/admin/stock/{productId}/adjust": () =>
    fc.oneof(
      bodies(
        fc.oneof(
          fc.record({ delta: hostileValue.filter((v) => !(Number.isInteger(v) && v !== 0 && Math.abs(v as number) <= 1_000_000)), reason: fc.constant("fuzz") }),
          fc.record({ delta: fc.constant(5), reason: fc.oneof(hostileValue, fc.string({ minLength: 201, maxLength: 300 })).filter((v) => typeof v !== "string" || v.trim().length === 0 || v.trim().length > 200) }),
          // Writing off held or sold units: 409.
          fc.record({ delta: fc.constantFrom(-500, -1_000_000), reason: fc.constant("fuzz") }),
        ),
        { delta: 5, reason: "fuzz" },
      ).map((b) => withBody("POST", `/api/admin/stock/${product.id}/adjust`, b, ADMIN)),
      unknownId.map((id) => withBody("POST", `/api/admin/stock/${pathSegment(id)}/adjust`, { kind: "unknown product", body: JSON.stringify({ delta: 5, reason: "fuzz" }), contentType: "application/json" }, ADMIN)),
    ),

  "GET /api/admin/reservations": () =>
    fc
      .record({
        status: hostileString.filter((s) => !["active", "released", "expired", "allocated"].includes(s)),
        productId: fc.option(hostileString, { nil: undefined }),
      })
      .map((q) => ({ method: "GET", path: `/api/admin/reservations?${new URLSearchParams(JSON.parse(JSON.stringify(q))).toString()}`, headers: ADMIN, kind: "bad query" })),

  "GET /api/admin/movements": () =>
    fc
      .oneof(
        unknownId.map((id) => ({ productId: id })),
        // The limit is coerced with Number(): "0x10", "1e2" or " 5 " are fine numbers to it.
        hostileString.filter((s) => !(Number.isInteger(Number(s)) && Number(s) >= 1 && Number(s) <= 1000)).map((limit) => ({ limit })),
      )
      .map((q) => ({ method: "GET", path: `/api/admin/movements?${new URLSearchParams(q).toString()}`, headers: ADMIN, kind: "bad query" })),

  "POST /api/admin/reservations/{id}/release": () =>
    unknownId.map((id) => ({ method: "POST", path: `/api/admin/reservations/${pathSegment(id)}/release`, headers: ADMIN, kind: "unknown hold" })),

  "POST /api/admin/orders/{id}/fulfil": () =>
    unknownId.map((id) => ({ method: "POST", path: `/api/admin/orders/${pathSegment(id)}/fulfil`, headers: ADMIN, kind: "unknown order" })),

  "POST /api/products/{slug}/notify": () =>
    fc.oneof(
      // The product is in stock: even a good email is refused (409), and nothing is recorded.
      bodies(fc.oneof(fc.record({ email: badEmail }), fc.constant({})), { email: "fuzz@example.test" }).map((b) =>
        withBody("POST", `/api/products/${product.slug}/notify`, b),
      ),
      unknownId.map((id) => withBody("POST", `/api/products/${pathSegment(id)}/notify`, { kind: "unknown product", body: '{"email":"a@example.test"}', contentType: "application/json" })),
    ),

  "POST /api/orders/lookup": () =>
    bodies(
      fc.oneof(
        fc.record({ email: badEmail, orderNumber: fc.constant("0badc0de") }),
        fc.record({ email: fc.constant("fuzz@example.test"), orderNumber: hostileValue.filter((v) => !(typeof v === "string" && /^#?[0-9a-f]{8}$/i.test(v.trim()))) }),
        fc.record({ email: fc.constant("fuzz@example.test"), orderNumber: fc.uuid().map((u) => u.slice(0, 8)) }),
      ),
      { email: "fuzz@example.test", orderNumber: "0badc0de" },
    ).map((b) => withBody("POST", "/api/orders/lookup", b)),

  "PATCH /api/admin/products/{id}": () =>
    fc.oneof(
      bodies(
        fc.oneof(
          fc.constant({}),
          fc.record({ name: textField(120) }),
          fc.record({ priceCents: badQuantity(0) }),
          fc.record({ description: hostileValue.filter((v) => !acceptableText(v, 2000) && v !== "") }),
          fc.record({ imageUrl: hostileString.filter((v) => !/^\/(?!\/)[^\s\\]*$/.test(v.trim()) && !/^https:\/\/[^\s/\\]+(\/[^\s\\]*)?$/i.test(v.trim())) }),
          fc.record({ archived: hostileValue.filter((v) => typeof v !== "boolean") }),
          fc.record({ slug: fc.constant("renamed"), name: fc.constant("Renamed") }),
        ),
        { name: "Renamed by fuzz" },
      ).map((b) => withBody("PATCH", `/api/admin/products/${product.id}`, b, ADMIN)),
      unknownId.map((id) => withBody("PATCH", `/api/admin/products/${pathSegment(id)}`, { kind: "unknown product", body: '{"name":"x"}', contentType: "application/json" }, ADMIN)),
    ),

  "GET /api/admin/orders/{id}": () =>
    unknownId.map((id) => ({ method: "GET", path: `/api/admin/orders/${pathSegment(id)}`, headers: ADMIN, kind: "unknown order" })),

  "GET|POST /api/cron/expire-reservations": () =>
    fc
      .tuple(fc.constantFrom("GET", "POST"), fc.oneof(hostileString, fc.constant(TEST_ADMIN_TOKEN)).filter((s) => /^[\x20-\x7e]*$/.test(s)))
      .map(([method, token]) => ({ method, path: "/api/cron/expire-reservations", headers: { authorization: `Bearer ${token}` }, kind: "wrong secret" })),
};

/** What must never appear in an answer: stack frames, file paths, SQL or driver errors. */
const leak = /\bat [\w.<>]+ \(|node_modules|\.tsx?:\d+|\.js:\d+|SQLSTATE|syntax error at|relation "|column "|drizzle|postgres|insert into|select .* from/i;

async function send(endpoint: string, request: Hostile): Promise<Answer> {
  const answer = await new HttpClient(app.baseUrl, 30_000).sendRaw(request.method, request.path, request.body, {
    ...request.headers,
    // The fuzzing shopper's own cookies: hostile input from a real, active shopper.
    cookie: shopper.cookieNames().map((name) => `${name}=${shopper.cookie(name)}`).join("; "),
  });
  const seen = tried.get(endpoint) ?? new Map<number, number>();
  seen.set(answer.status, (seen.get(answer.status) ?? 0) + 1);
  tried.set(endpoint, seen);
  return answer;
}

function expectRefused(answer: Answer, request: Hostile): void {
  const what = `${request.method} ${request.path.slice(0, 120)} (${request.kind}) → ${answer.status} ${answer.text.slice(0, 200)}`;
  expect(answer.status, what).toBeGreaterThanOrEqual(400);
  expect(answer.status, what).toBeLessThan(500);
  // A URL or header too long for Node's HTTP parser is refused before the app sees it, without a JSON body.
  if ((answer.status === 431 || answer.status === 414) && (request.path.length + JSON.stringify(request.headers ?? {}).length) > 8_000) return;
  expect(answer.body?.error?.code, what).toMatch(/^[a-z]+(_[a-z]+)*$/);
  expect(typeof answer.body?.error?.message, what).toBe("string");
  expect(answer.text, what).not.toMatch(leak);
  for (const secret of [TEST_ADMIN_TOKEN, TEST_AUTH_SECRET, TEST_CRON_SECRET]) expect(answer.text, what).not.toContain(secret);
}

describe("hostile input to every Store API endpoint", () => {
  for (const [endpoint, arbitrary] of Object.entries(targets)) {
    it(`${endpoint}: refused with a 4xx and an error code`, async () => {
      await fc.assert(
        fc.asyncProperty(arbitrary(), async (request) => {
          expectRefused(await send(endpoint, request), request);
        }),
        { numRuns: RUNS },
      );
    });
  }

  it("a body streamed past the size limit without a Content-Length is cut off with 413", async () => {
    for (let i = 0; i < 5; i += 1) {
      const chunk = new TextEncoder().encode(`{"productId":"${product.id}","quantity":1,"pad":"${"x".repeat(8_000)}`);
      let sent = 0;
      const stream = new ReadableStream<Uint8Array>({
        pull(controller) {
          // A little past the limit, so the upload is done before the server answers and closes.
          if (sent >= 3) return controller.close();
          sent += 1;
          controller.enqueue(chunk);
        },
      });
      const response = await fetch(`${app.baseUrl}/api/cart/lines`, {
        method: "POST",
        headers: { "content-type": "application/json", cookie: `stockhold_guest=${shopper.cookie("stockhold_guest")}` },
        body: stream,
        duplex: "half",
        signal: AbortSignal.timeout(30_000),
      } as RequestInit);
      const text = await response.text();
      const seen = tried.get("POST /api/cart/lines (streamed)") ?? new Map<number, number>();
      seen.set(response.status, (seen.get(response.status) ?? 0) + 1);
      tried.set("POST /api/cart/lines (streamed)", seen);
      expect(response.status, text).toBe(413);
    }
  });

  it("changed nothing in the database, and the app logged no unexpected error", async () => {
    expect(await snapshotShop(sql)).toEqual(before);
    const logs = app.logs.join("");
    expect(logs).not.toMatch(/unexpected error/);
    for (const secret of [TEST_ADMIN_TOKEN, TEST_AUTH_SECRET, TEST_CRON_SECRET]) expect(logs, "no secret in the logs").not.toContain(secret);
    // The real things the fuzzing aimed at are still as they were.
    expect((await shopper.send("GET", `/api/checkout/${activeCheckout}`)).body.checkout.status).toBe("active");
    expect((await new HttpClient(app.baseUrl).send("GET", `/api/admin/orders`, undefined, ADMIN)).body.orders.map((o: { id: string }) => o.id)).toEqual([order]);
    const holds = await new HttpClient(app.baseUrl).send("GET", "/api/admin/reservations?status=active", undefined, ADMIN);
    expect(holds.body.reservations.map((r: { id: string; quantity: number }) => [r.id, r.quantity])).toEqual([[reservation, 2]]);

    let total = 0;
    const lines = [...tried].map(([endpoint, statuses]) => {
      const n = [...statuses.values()].reduce((a, b) => a + b, 0);
      total += n;
      return `  ${endpoint}: ${n} ${JSON.stringify(Object.fromEntries(statuses))}`;
    });
    console.log(`Hostile HTTP inputs tried: ${total}\n${lines.join("\n")}`);
  });
});
