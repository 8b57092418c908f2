/** The views that key the shop's cached pages: one per distinct thing a page shows, whatever the query's order. */
import { describe, expect, it } from "vitest";
import { catalogueView, paramsOfView, PLAIN_VIEW, productView } from "./page-address";

const query = (text: string) => new URLSearchParams(text);

describe("catalogueView", () => {
  it("keeps the catalogue's own parameters in one order, so equal queries share one page", () => {
    const view = catalogueView(query("cursor=abc&q=lamp&sort=name"));
    expect(catalogueView(query("sort=name&q=lamp&cursor=abc"))).toBe(view);
    expect(paramsOfView(view)).toEqual({ q: "lamp", sort: "name", cursor: "abc" });
  });

  it("leaves out what the page does not read: Next's _rsc, unknown and empty parameters, repeats", () => {
    expect(catalogueView(query("q=lamp&_rsc=x1&utm_source=mail&inStock="))).toBe(catalogueView(query("q=lamp")));
    expect(paramsOfView(catalogueView(query("q=lamp&q=mug")))).toEqual({ q: "lamp" });
    expect(catalogueView(query(""))).toBe(PLAIN_VIEW);
    expect(catalogueView(query("_rsc=1"))).toBe(PLAIN_VIEW);
  });

  it("reads an over-long query as none", () => {
    expect(catalogueView(query(`q=${"a".repeat(2_000)}`))).toBe(PLAIN_VIEW);
  });
});

describe("productView", () => {
  it("keeps every option parameter by name, first value each, without Next's _rsc", () => {
    const view = productView(query("Size=M&Colour=Red&_rsc=abc"));
    expect(productView(query("Colour=Red&Size=M"))).toBe(view);
    expect(paramsOfView(view)).toEqual({ Colour: "Red", Size: "M" });
    expect(paramsOfView(productView(query("Size=M&Size=L")))).toEqual({ Size: "M" });
    expect(productView(query(""))).toBe(PLAIN_VIEW);
  });

  it("keeps letters of any script through the path segment", () => {
    expect(paramsOfView(productView(query("Größe=Groß&variant=SKU-1")))).toEqual({ Größe: "Groß", variant: "SKU-1" });
  });
});

describe("paramsOfView", () => {
  it("reads a view that is not one as no parameters", () => {
    expect(paramsOfView(PLAIN_VIEW)).toEqual({});
    expect(paramsOfView("not a view!")).toEqual({});
    expect(paramsOfView("a".repeat(5_000))).toEqual({});
  });
});
