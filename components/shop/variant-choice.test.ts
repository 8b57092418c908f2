/** The product page's choice of variant, read from the URL, and what each picker value leads to. */
import { describe, expect, it } from "vitest";
import { choiceFromSearchParams, choiceHref, chosenVariant, lineName, openOption, valueState } from "./variant-choice";

const options = [
  { name: "Size", values: ["S", "M", "L"] },
  { name: "Colour", values: ["Red", "Navy"] },
];
const variant = (sku: string, Size: string, Colour: string, available: number) => ({
  id: `id-${sku}`,
  sku,
  options: { Size, Colour },
  priceCents: 3000,
  available,
});
const variants = [
  variant("TS-S-RED", "S", "Red", 2),
  variant("TS-M-RED", "M", "Red", 0),
  variant("TS-M-NAVY", "M", "Navy", 1),
  variant("TS-L-RED", "L", "Red", 0),
  // No L in Navy is made.
];

describe("choosing a variant on a product's page", () => {
  it("reads one parameter per option, ignoring values the option does not have", () => {
    expect(choiceFromSearchParams(options, variants, { Size: "M", Colour: "Purple" })).toEqual({ Size: "M" });
    expect(choiceFromSearchParams(options, variants, { Size: ["L", "S"], Colour: "Navy" })).toEqual({ Size: "L", Colour: "Navy" });
  });

  it("reads ?variant=<sku> (any case) as all of that SKU's options", () => {
    expect(choiceFromSearchParams(options, variants, { variant: "ts-m-navy", Size: "S" })).toEqual({ Size: "M", Colour: "Navy" });
  });

  it("counts an option with one value as chosen", () => {
    const single = [{ name: "Size", values: ["One size"] }];
    const only = [{ id: "v", sku: "X", options: { Size: "One size" }, priceCents: 1, available: 1 }];
    const choice = choiceFromSearchParams(single, only, {});
    expect(choice).toEqual({ Size: "One size" });
    expect(chosenVariant(single, only, choice)?.id).toBe("v");
  });

  it("names a variant only once every option is chosen, and the first option still open", () => {
    expect(chosenVariant(options, variants, { Size: "M" })).toBeNull();
    expect(openOption(options, { Size: "M" })?.name).toBe("Colour");
    expect(chosenVariant(options, variants, { Size: "M", Colour: "Navy" })?.sku).toBe("TS-M-NAVY");
    expect(chosenVariant(options, variants, { Size: "L", Colour: "Navy" })).toBeNull();
    expect(openOption(options, { Size: "L", Colour: "Navy" })).toBeNull();
  });

  it("a product without options is its only variant", () => {
    expect(chosenVariant([], [variants[0]!], {})?.sku).toBe("TS-S-RED");
  });

  it("marks values sold out or not made, given the rest of the choice", () => {
    expect(valueState(options[0]!, "L", options, variants, {})).toBe("sold_out");
    expect(valueState(options[0]!, "M", options, variants, {})).toBe("available");
    expect(valueState(options[0]!, "M", options, variants, { Colour: "Red" })).toBe("sold_out");
    expect(valueState(options[0]!, "L", options, variants, { Colour: "Navy" })).toBe("unavailable");
    // The option's own current value does not narrow its alternatives.
    expect(valueState(options[0]!, "S", options, variants, { Size: "M" })).toBe("available");
  });

  it("links keep the other choices, in the product's option order", () => {
    expect(choiceHref("trail-shirt", options, { Colour: "Navy" }, "Size", "M")).toBe("/products/trail-shirt?Size=M&Colour=Navy");
    expect(choiceHref("trail-shirt", options, { Size: "S" }, "Size", "L")).toBe("/products/trail-shirt?Size=L");
    expect(choiceHref("trail-shirt", options, {}, "Colour", "Forest Green")).toBe("/products/trail-shirt?Colour=Forest+Green");
  });

  it("names a line with its variant, and a product without options plainly", () => {
    expect(lineName("Trail Shirt", { Size: "M" })).toBe("Trail Shirt — M");
    expect(lineName("Trail Shirt", { Size: "M", Colour: "Red" })).toBe("Trail Shirt — M / Red");
    expect(lineName("Mug", {})).toBe("Mug");
  });
});
