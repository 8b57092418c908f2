/**
 * A product sold in sizes, as its page is served (what a browser without JavaScript gets): one link per size in
 * the product's order, a sold-out size struck but shown, the choice in the URL (`?Size=M` or `?variant=<sku>`),
 * the chosen variant's price and stock, and the add form carrying its `variantId` only once a size is chosen.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pool } from "@/db/client";
import { startApp, TEST_ADMIN_TOKEN, type RunningApp } from "../support/app-server";
import { HttpClient } from "../support/http";

const ADMIN = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };
let app: RunningApp;

beforeAll(async () => {
  app = await startApp();
});

afterAll(async () => {
  await app?.stop();
  await pool.end();
});

type Variant = { id: string; sku: string; options: Record<string, string> };

async function makeShirt(admin: HttpClient) {
  const unique = Date.now().toString(36);
  const created = await admin.send(
    "POST",
    "/api/admin/products",
    {
      name: `Trail Shirt ${unique}`,
      priceCents: 3000,
      options: [{ name: "Size", values: ["S", "M", "L"] }],
      variants: [
        { sku: `TSP-${unique}-S`, options: { Size: "S" }, onHand: 5 },
        { sku: `TSP-${unique}-M`, options: { Size: "M" }, onHand: 1 },
        { sku: `TSP-${unique}-L`, options: { Size: "L" }, onHand: 0, priceCents: 3400 },
      ],
    },
    ADMIN,
  );
  expect(created.status, created.text).toBe(201);
  const product = created.body.product as { slug: string; variants: Variant[] };
  const bySize = (size: string) => product.variants.find((v) => v.options.Size === size)!;
  return { slug: product.slug, S: bySize("S"), M: bySize("M"), L: bySize("L") };
}

/** The hidden variantId the add form posts, if any. */
const postedVariant = (html: string) => html.match(/name="variantId" value="([0-9a-f-]{36})"/)?.[1] ?? null;

describe("a product's page with sizes, served without JavaScript", () => {
  it("offers each size as a link, shows L sold out, and cannot add before a size is chosen", async () => {
    const shirt = await makeShirt(new HttpClient(app.baseUrl));
    const page = await new HttpClient(app.baseUrl).get(`/products/${shirt.slug}`);
    expect(page.status).toBe(200);
    const links = [...page.text.matchAll(/href="\/products\/[^"?]+\?Size=([A-Z])"/g)].map((m) => m[1]);
    expect(links).toEqual(["S", "M", "L"]);
    expect(page.text).toContain('aria-label="L, sold out"');
    expect(page.text).toMatch(/<button[^>]*disabled[^>]*>(<[^>]*>)*Choose a size/);
    expect(postedVariant(page.text)).toBeNull();
  });

  it("?Size=M posts M's variantId with its price and stock; ?variant=<sku> picks L, sold out at its own price", async () => {
    const shirt = await makeShirt(new HttpClient(app.baseUrl));
    const visitor = new HttpClient(app.baseUrl);

    const m = await visitor.get(`/products/${shirt.slug}?Size=M`);
    expect(postedVariant(m.text)).toBe(shirt.M.id);
    expect(m.text).toContain("1 in stock");
    expect(m.text).toContain('aria-current="true"');
    expect(m.text).toMatch(/<button[^>]*>(<[^>]*>)*Add to cart/);

    const l = await visitor.get(`/products/${shirt.slug}?variant=${shirt.L.sku.toLowerCase()}`);
    expect(postedVariant(l.text)).toBe(shirt.L.id);
    expect(l.text).toContain("Out of stock");
    expect(l.text).toContain("$34.00");
    expect(l.text).toMatch(/<button[^>]*disabled[^>]*>(<[^>]*>)*Add to cart/);
  });
});
