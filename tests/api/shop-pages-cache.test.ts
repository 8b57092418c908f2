/**
 * The shop's pages are cached and shared by every shopper (issue 29), on a fleet of two `next start` servers on one
 * database: a page is served from the cache, an admin's edit (rename, price, archive, a new variant) shows on the
 * server that made it at once and on the other within 2 s, and no shopper's cart or holds ever enter a cached page:
 * two shoppers with carts and a hold get the very same bytes, and each finds their own figures through the API.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pool } from "@/db/client";
import { startApp, TEST_ADMIN_TOKEN, type RunningApp } from "../support/app-server";
import { HttpClient, type Answer } from "../support/http";

/** How long an edit may take to show on a server that did not make it. */
const FLEET_MS = 2_000;

afterAll(async () => {
  await pool.end();
});

const admin = (app: RunningApp) => new HttpClient(app.baseUrl, 30_000, { authorization: `Bearer ${TEST_ADMIN_TOKEN}` });

let made = 0;
async function createProduct(app: RunningApp, name: string, priceCents = 1500, onHand = 5) {
  made += 1;
  const slug = `cached-${Date.now().toString(36)}-${made}`;
  const answer = await admin(app).post("/api/admin/products", { name: `${name} ${slug}`, slug, priceCents, onHand });
  expect(answer.status, answer.text).toBe(201);
  return answer.body.product as { id: string; slug: string; name: string };
}

/** GETs `path` until `check` holds of the page, for at most `withinMs`; answers the last page and when it held. */
async function pageWithin(app: RunningApp, path: string, check: (html: string) => boolean, withinMs: number) {
  const client = new HttpClient(app.baseUrl);
  const started = performance.now();
  let last: Answer<string>;
  do {
    last = await client.get<string>(path);
    if (last.status === 200 && check(last.text)) return { held: true, ms: performance.now() - started, page: last };
    await new Promise((resolve) => setTimeout(resolve, 100));
  } while (performance.now() - started < withinMs);
  return { held: false, ms: performance.now() - started, page: last };
}

const dollars = (cents: number) => `$${(cents / 100).toFixed(2)}`;

describe("the shop's pages on two servers", () => {
  let a: RunningApp;
  let b: RunningApp;
  beforeAll(async () => {
    [a, b] = await Promise.all([startApp(), startApp()]);
  });
  afterAll(async () => {
    await Promise.all([a, b].map((s) => s?.stop()));
  });

  it("serves a product page and the catalogue from the cache, shared by every shopper", async () => {
    const product = await createProduct(a, "Cached Lantern");
    for (const path of [`/products/${product.slug}`, "/", `/?q=${encodeURIComponent(product.name)}`]) {
      const client = new HttpClient(b.baseUrl);
      expect((await client.get(path)).status).toBe(200);
      const again = await client.get(path);
      expect(again.status).toBe(200);
      expect(again.headers.get("x-nextjs-cache"), path).toMatch(/^(HIT|STALE)$/);
    }
  });

  it("shows a rename and a new price on the server that made them at once, and on the other within 2 s", async () => {
    const product = await createProduct(a, "Renamed Kettle", 1500);
    const path = `/products/${product.slug}`;
    // Both servers have the page cached before the edit.
    for (const server of [a, b]) for (let i = 0; i < 2; i += 1) await new HttpClient(server.baseUrl).get(path);

    const renamed = `Copper Kettle ${product.slug}`;
    const edit = await admin(a).send("PATCH", `/api/admin/products/${product.id}`, { name: renamed, priceCents: 2750 });
    expect(edit.status, edit.text).toBe(200);
    const shows = (html: string) => html.includes(`<h1>${renamed}</h1>`) && html.includes(dollars(2750));
    const onA = await new HttpClient(a.baseUrl).get<string>(path);
    expect(shows(onA.text)).toBe(true);
    const onB = await pageWithin(b, path, shows, FLEET_MS);
    expect(onB.held, `still the old page after ${Math.round(onB.ms)} ms`).toBe(true);
    // The catalogue's search finds it by its new name on both.
    for (const server of [a, b]) {
      const found = await pageWithin(server, `/?q=${encodeURIComponent(renamed)}`, (html) => html.includes(renamed), FLEET_MS);
      expect(found.held).toBe(true);
    }
  });

  it("takes an archived product off the catalogue at once where archived, within 2 s on the other server", async () => {
    const product = await createProduct(a, "Archived Vase");
    const search = `/?q=${encodeURIComponent(product.name)}`;
    for (const server of [a, b]) {
      const listed = await pageWithin(server, search, (html) => html.includes(`/products/${product.slug}`), FLEET_MS);
      expect(listed.held).toBe(true);
      await new HttpClient(server.baseUrl).get("/");
    }

    const archived = await admin(a).send("PATCH", `/api/admin/products/${product.id}`, { archived: true });
    expect(archived.status, archived.text).toBe(200);
    const onA = await new HttpClient(a.baseUrl).get<string>(search);
    expect(onA.text).not.toContain(`/products/${product.slug}`);
    const gone = await pageWithin(b, search, (html) => !html.includes(`/products/${product.slug}`), FLEET_MS);
    expect(gone.held, `still listed after ${Math.round(gone.ms)} ms`).toBe(true);
    const page = await pageWithin(b, `/products/${product.slug}`, (html) => html.includes("This product is no longer sold."), FLEET_MS);
    expect(page.held).toBe(true);
  });

  it("shows a variant added by the admin, and a retired one gone, on both servers within 2 s", async () => {
    const slug = `cached-sizes-${Date.now().toString(36)}`;
    const created = await admin(a).post("/api/admin/products", {
      name: `Sized Shirt ${slug}`,
      slug,
      priceCents: 3000,
      options: [{ name: "Size", values: ["S", "M", "XL"] }],
      variants: [
        { sku: `${slug}-S`.toUpperCase(), options: { Size: "S" }, onHand: 2 },
        { sku: `${slug}-M`.toUpperCase(), options: { Size: "M" }, onHand: 2 },
      ],
    });
    expect(created.status, created.text).toBe(201);
    const product = created.body.product as { id: string };
    const path = `/products/${slug}`;
    for (const server of [a, b]) await new HttpClient(server.baseUrl).get(path);

    const added = await admin(b).post(`/api/admin/products/${product.id}/variants`, { sku: `${slug}-XL`.toUpperCase(), options: { Size: "XL" }, priceCents: 999, onHand: 1 });
    expect(added.status, added.text).toBe(201);
    for (const server of [a, b]) expect((await pageWithin(server, path, (html) => html.includes(dollars(999)), FLEET_MS)).held).toBe(true);

    const retired = await admin(a).send("PATCH", `/api/admin/products/${product.id}/variants/${added.body.variant.id}`, { retired: true });
    expect(retired.status, retired.text).toBe(200);
    for (const server of [a, b]) expect((await pageWithin(server, path, (html) => !html.includes(dollars(999)), FLEET_MS)).held).toBe(true);
  });

  it("never puts a shopper's cart or holds in a shared page: two shoppers get the same bytes, each their own figures", async () => {
    const product = await createProduct(a, "Private Teapot", 1800, 4);
    const path = `/products/${product.slug}`;
    const first = new HttpClient(a.baseUrl);
    const second = new HttpClient(a.baseUrl);
    expect((await first.post("/api/cart/lines", { productId: product.id, quantity: 3 })).status).toBe(200);
    expect((await first.post("/api/checkout", { email: "first-shopper@example.test" })).status).toBe(201);
    expect((await second.post("/api/cart/lines", { productId: product.id, quantity: 1 })).status).toBe(200);

    for (const page of [path, "/", `/?q=${encodeURIComponent(product.name)}`]) {
      await new HttpClient(a.baseUrl).get(page);
      const [mine, theirs] = await Promise.all([first.get<string>(page), second.get<string>(page)]);
      expect(mine.status).toBe(200);
      expect(theirs.status).toBe(200);
      expect(mine.text, page).toBe(theirs.text);
      expect(mine.text).not.toContain("first-shopper@example.test");
      expect(mine.text).toContain("Cart, 0 items");
      expect(mine.headers.get("set-cookie")).toBeNull();
    }
    // Each shopper's own figures come from the API, never cached: the header's count, and availability that counts
    // the first shopper's own hold as theirs.
    expect((await first.get("/api/shopper")).body.shopper).toMatchObject({ cartItems: 3, signedIn: false });
    expect((await second.get("/api/shopper")).body.shopper).toMatchObject({ cartItems: 1, signedIn: false });
    expect((await new HttpClient(a.baseUrl).get("/api/shopper")).body.shopper).toMatchObject({ cartItems: 0 });
    expect((await first.get("/api/shopper")).body.shopper).toMatchObject({ holding: true });
    expect((await second.get("/api/shopper")).body.shopper).toMatchObject({ holding: false });
    // The shared poll answers everyone alike: what a shopper holding nothing sees.
    const shared = await first.get(`/api/products/${product.slug}/stock`);
    expect(shared.body.product).toMatchObject({ available: 1, held: 3 });
    expect(shared.headers.get("set-cookie")).toBeNull();
    expect((await first.get(`/api/products/${product.slug}`)).body.product).toMatchObject({ available: 4 });
    expect((await second.get(`/api/products/${product.slug}`)).body.product).toMatchObject({ available: 1, held: 3 });
    const shopperAnswer = await first.get("/api/shopper");
    expect(shopperAnswer.headers.get("cache-control")).toContain("no-store");
  });
});
