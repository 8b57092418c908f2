/**
 * The project's API document (docs/store-api.md) keeps up with the routes: every route handler under app/api has
 * its path there (Auth.js's own routes aside), and the public contract's "Locations" part is mirrored: its paths,
 * the `locationId` the existing endpoints take, the location on holds and movements, where an order line's units
 * are allocated, the status a partly shipped order has and the error an inactive location answers.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const doc = fs.readFileSync("docs/store-api.md", "utf8");
const readme = fs.readFileSync("README.md", "utf8");

/** `/api/admin/locations/{id}` and `/api/admin/locations/[locationId]` alike: every path parameter as `{}`. */
const shape = (apiPath: string) => apiPath.replace(/\{[^}]+\}|\[[^\]]+\]/g, "{}");

function routePaths(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return routePaths(full);
    return entry.name === "route.ts" ? [`/${path.relative("app", dir).split(path.sep).join("/")}`] : [];
  });
}

/** The section of a page under a `## ` heading, up to the next one, its line breaks and indents as single spaces. */
function section(page: string, heading: string): string {
  const from = page.indexOf(`\n## ${heading}\n`);
  expect(from, `a "## ${heading}" section`).toBeGreaterThan(-1);
  const to = page.indexOf("\n## ", from + 1);
  return page.slice(from, to < 0 ? undefined : to).replace(/\s+/g, " ");
}

describe("docs/store-api.md", () => {
  it("names the path of every route handler under app/api", () => {
    const documented = new Set([...doc.matchAll(/\/api\/[\w{}\-./]+/g)].map((m) => shape(m[0].replace(/[.]$/, ""))));
    const missing = routePaths(path.join("app", "api"))
      .filter((p) => !p.startsWith("/api/auth/"))
      .map(shape)
      .filter((p) => !documented.has(p));
    expect(missing).toEqual([]);
  });

  it("mirrors the contract's Locations: endpoints, fields, the partly shipped status and location_inactive", () => {
    const locations = section(doc, "Locations");
    for (const endpoint of [
      "GET /api/admin/locations",
      "POST /api/admin/locations",
      "PATCH /api/admin/locations/{id}",
      "POST /api/admin/stock/transfer",
      "POST /api/admin/stock/{productId}/adjust",
      "POST /api/admin/orders/{id}/fulfil",
      "GET /api/admin/stock",
    ]) {
      expect(locations, endpoint).toContain(endpoint);
    }
    for (const words of [
      "{ name, priority? }",
      "{ name?, priority?, active? }",
      "{ variantId, fromLocationId, toLocationId, quantity, reason }",
      "locations: [{ locationId, name, active, onHand, reserved, allocated, available }]",
      "`variantId`, `sku`, `locationId` and `locationName`",
      "allocations: [{ locationId, name, quantity, fulfilled }]",
      "{ locationId }",
      "partially_fulfilled",
      "409 `location_inactive`",
    ]) {
      expect(locations, words).toContain(words);
    }
  });
  it("mirrors the contract's Pre-orders: the delivery endpoints, preorder, the ship days and their error codes", () => {
    const preorders = section(doc, "Pre-orders");
    for (const words of [
      "GET /api/admin/stock/{productId}/incoming",
      "POST /api/admin/stock/{productId}/incoming",
      "POST /api/admin/stock/{productId}/receive",
      "POST /api/admin/stock/{productId}/incoming/{deliveryId}/cancel",
      "{ variantId, locationId?, quantity, expectedAt }",
      "{ variantId, locationId?, quantity }",
      "preordered",
      "`preorder`",
      "preorder: { expectedAt } | null",
      "`expectedAt`",
      "409 `preorders_waiting`",
      "409 `awaiting_delivery`",
    ]) {
      expect(preorders, words).toContain(words);
    }
  });
});

describe("docs/store-api.md, Kits", () => {
  /** The public contract's "Kits" item (store-api.md, "Inventory as shops keep it"), as it is written there. */
  const contractKits =
    "- **Kits.** `POST /api/admin/products` with `kit: [{ variantId, quantity }]` makes a product with no stock of its " +
    "own: its `available` is the least, over its components, of (component available ÷ quantity), and holding, " +
    "selling, cancelling and fulfilling it holds, sells, releases and ships its components, in the same transaction " +
    "and lock order as any hold. A kit and its component bought at once never oversell the component.";

  it("quotes the contract's Kits word for word", () => {
    expect(section(doc, "Kits")).toContain(contractKits);
  });

  it("says how a kit is made, read, held and refused: its fields, the builder's read and kit_in_kit", () => {
    const kits = section(doc, "Kits");
    for (const words of [
      "`POST /api/admin/products` with `kit: [{ variantId, quantity }]`",
      "kit: { components: [{ productId, variantId, slug, name, sku, options, quantity }] }",
      "component: { productId, variantId, sku, available }",
      "`GET /api/admin/stock` gives every product `kit`",
      "components: [{ productId, variantId, sku, name, quantity, available, kits }]",
      "GET /api/admin/kits/availability?components=<variantId>:<quantity>",
      "400 `kit_in_kit`",
      "400 `invalid_request`",
    ]) {
      expect(kits, words).toContain(words);
    }
  });
});

describe("README.md", () => {
  it("says what kits are, how they are held and where the admin builds them", () => {
    const part = section(readme, "Kits");
    for (const words of ["Tea for Two", "kit_in_kit", "need together", "Contains", "/api/admin/kits/availability", "no total"]) expect(part, words).toContain(words);
  });

  it("says what locations are and where the admin works with them", () => {
    const part = section(readme, "Stock locations");
    for (const words of ["priority", "active", "/admin/locations", "/admin/packing", "transfer", "Main"]) expect(part, words).toContain(words);
  });

  it("says what pre-orders are and where the admin records and receives deliveries", () => {
    const part = section(readme, "Pre-orders");
    for (const words of ["/admin/incoming", "Pre-order — ships around", "Ships around", "Receive", "preorders_waiting", "awaiting_delivery"]) expect(part, words).toContain(words);
  });
});
