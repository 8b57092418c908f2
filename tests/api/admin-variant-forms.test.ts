/**
 * The admin's variant forms (server actions, posted the way React does): a product made with options in two
 * steps (proposed rows, then created), and each kind of bad input answered with a readable form message and
 * nothing written: 4 options, a duplicate SKU or option combination, an option value the product does not have,
 * a value the option already has, restocking a retired variant.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pool } from "@/db/client";
import { getProductById } from "@/lib/catalog";
import { createProduct } from "@/lib/catalog/products";
import { createAccount } from "@/lib/accounts/shoppers";
import { listVariantLevels } from "@/lib/inventory/levels";
import { callAction, serverActions } from "../faults/support";
import { startOrShareApp } from "../support/app-for-file";
import type { RunningApp } from "../support/app-server";
import { HttpClient, postForm } from "../support/http";

let app: RunningApp;
let admin: HttpClient;
const action = (name: string) => {
  const id = serverActions().get(`app/admin/products/actions.ts#${name}`);
  if (!id) throw new Error(`no server action ${name}`);
  return id;
};
const post = (name: string, fields: Record<string, string>, page = "/admin/products") => callAction(admin, page, action(name), fields);

beforeAll(async () => {
  app = await startOrShareApp();
  const account = { email: `variants-admin-${randomUUID().slice(0, 8)}@example.test`, password: `pw-${randomUUID()}` };
  await createAccount({ ...account, kind: "admin" });
  admin = new HttpClient(app.baseUrl, 30_000);
  const csrf = await admin.send("GET", "/api/auth/csrf");
  await postForm(admin, "/api/auth/callback/credentials", { csrfToken: csrf.body.csrfToken, ...account, callbackUrl: "/" });
  expect(admin.cookie("authjs.session-token")).toBeTruthy();
});

afterAll(async () => {
  await app?.stop();
  await pool.end();
});

const tag = () => randomUUID().slice(0, 6);

async function shirt() {
  const t = tag();
  const product = await createProduct({
    name: `Form Shirt ${t}`,
    priceCents: 2000,
    options: [{ name: "Size", values: ["S", "M"] }],
    variants: [
      { sku: `FS-${t}-S`, options: { Size: "S" }, onHand: 2 },
      { sku: `FS-${t}-M`, options: { Size: "M" }, onHand: 3 },
    ],
    actorId: null,
  });
  return { product, variants: await listVariantLevels(undefined, product.id), t };
}

describe("New product with options", () => {
  it("proposes every combination with a SKU, then creates the variants kept, each with its stock", async () => {
    const t = tag();
    const details = { name: `Form Mug ${t}`, price: "12", onHand: "", description: "", "options.0.name": "Colour", "options.0.values": "Red, Blue", "options.1.name": "Size", "options.1.values": "S, L" };
    const proposed = await post("createProductAction", details);
    expect(proposed.state).toMatchObject({ ok: false, code: "review_variants" });
    const values = (proposed.state as unknown as { values: Record<string, string> }).values;
    expect(values["variants.0.sku"]).toBe(`FORM-MUG-${t.toUpperCase()}-RED-S`);
    expect(values["variants.3.sku"]).toBe(`FORM-MUG-${t.toUpperCase()}-BLUE-L`);

    const rows: Record<string, string> = { ...values, "variants.0.onHand": "4", "variants.1.price": "13.50" };
    delete rows["variants.3.sell"];
    const created = await post("createProductAction", rows);
    expect(created.state).toMatchObject({ ok: true, message: `Created Form Mug ${t} (/form-mug-${t}) with 3 variants and 4 in stock.` });
    const prefix = `FORM-MUG-${t.toUpperCase()}-`;
    const product = (await listVariantLevels()).filter((v) => v.sku.startsWith(prefix));
    expect(product.map((v) => [v.sku.slice(prefix.length), v.options, v.priceCents, v.onHand])).toEqual([
      ["RED-S", { Colour: "Red", Size: "S" }, 1200, 4],
      ["RED-L", { Colour: "Red", Size: "L" }, 1350, 0],
      ["BLUE-S", { Colour: "Blue", Size: "S" }, 1200, 0],
    ]);
  });

  it("refuses 4 options, a duplicate SKU and a value not among the options, readably, creating nothing", async () => {
    const t = tag();
    const four = await post("createProductAction", {
      name: `Four ${t}`, price: "5",
      ...Object.fromEntries([0, 1, 2, 3].flatMap((i) => [[`options.${i}.name`, `O${i}`], [`options.${i}.values`, "a, b"]])),
    });
    expect(four.state).toMatchObject({ ok: false, fieldErrors: { options: ["A product has at most 3 options."] } });

    const base = { name: `Dup ${t}`, price: "5", "options.0.name": "Size", "options.0.values": "S, M" };
    const row = (i: number, sku: string, size: string) => ({ [`variants.${i}.sku`]: sku, [`variants.${i}.value.0`]: size, [`variants.${i}.onHand`]: "1", [`variants.${i}.sell`]: "on", [`variants.${i}.price`]: "" });
    const dupSku = await post("createProductAction", { ...base, ...row(0, `D-${t}`, "S"), ...row(1, `d-${t}`, "M") });
    expect(dupSku.state).toMatchObject({ ok: false, message: "Each variant needs its own SKU." });
    const dupCombination = await post("createProductAction", { ...base, ...row(0, `D-${t}-1`, "S"), ...row(1, `D-${t}-2`, "s") });
    expect(dupCombination.state).toMatchObject({ ok: false, message: "Each variant needs its own combination of option values." });
    const unknownValue = await post("createProductAction", { ...base, ...row(0, `D-${t}-1`, "XL") });
    expect(unknownValue.state).toMatchObject({ ok: false, message: '"XL" is not a value of "Size" (S, M).' });
    expect((await listVariantLevels()).filter((v) => v.sku.toUpperCase().startsWith(`D-${t.toUpperCase()}`))).toEqual([]);
  });
});

describe("A product's variants", () => {
  it("adds a value and a variant; refuses a duplicate value, SKU or combination and an unknown value", async () => {
    const { product, variants, t } = await shirt();
    const page = `/admin/products/${product.id}`;
    expect((await post("addOptionValueAction", { productId: product.id, optionName: "Size", value: "L" }, page)).state).toMatchObject({ ok: true });
    expect((await post("addOptionValueAction", { productId: product.id, optionName: "Size", value: "l" }, page)).state).toMatchObject({
      ok: false, code: "conflict", message: '"l" is already a value of "Size".',
    });

    const variant = (sku: string, size: string) => ({ productId: product.id, sku, "option.Size": size, price: "", onHand: "2" });
    expect((await post("addVariantAction", variant(variants[0]!.sku.toLowerCase(), "L"), page)).state).toMatchObject({
      ok: false, message: "Another variant already has this SKU.",
    });
    expect((await post("addVariantAction", variant(`FS-${t}-M2`, "M"), page)).state).toMatchObject({
      ok: false, message: "This product already has a variant with these option values.",
    });
    expect((await post("addVariantAction", variant(`FS-${t}-XXL`, "XXL"), page)).state).toMatchObject({
      ok: false, message: '"XXL" is not a value of "Size" (S, M, L).',
    });
    expect((await post("addVariantAction", variant(`FS-${t}-L`, "L"), page)).state).toMatchObject({ ok: true, message: `Added FS-${t}-L with 2 in stock.` });
    expect((await getProductById(product.id))?.variants.map((v) => v.sku)).toEqual([`FS-${t}-S`, `FS-${t}-M`, `FS-${t}-L`]);
  });

  it("changes a variant's price, retires it (kept), refuses restocking it, and adjusts another variant's stock alone", async () => {
    const { product, variants } = await shirt();
    const [s, m] = variants;
    const page = `/admin/products/${product.id}`;
    expect((await post("editVariantAction", { productId: product.id, variantId: m!.id, sku: m!.sku, price: "23.50" }, page)).state).toMatchObject({ ok: true });
    expect((await post("retireVariantAction", { productId: product.id, variantId: s!.id, retired: "true" }, page)).state).toMatchObject({ ok: true });
    expect((await post("retireVariantAction", { productId: product.id, variantId: s!.id, retired: "true" }, page)).state).toMatchObject({
      ok: false, message: `${s!.sku} is already retired.`,
    });
    const restock = { productId: product.id, direction: "restock", quantity: "2", reason: "delivery" };
    expect((await post("adjustStockAction", { ...restock, variantId: s!.id }, page)).state).toMatchObject({
      ok: false, message: `${s!.sku} is retired: put it back on sale before restocking it.`,
    });
    expect((await post("adjustStockAction", { ...restock, variantId: m!.id }, page)).state).toMatchObject({ ok: true });
    const after = await listVariantLevels(undefined, product.id);
    expect(after.map((v) => [v.sku, v.priceCents, v.retired, v.onHand])).toEqual([
      [s!.sku, 2000, true, 2],
      [m!.sku, 2350, false, 5],
    ]);
    // Without a variant, a product in several is refused readably from the products list.
    expect((await post("adjustStockAction", restock)).state).toMatchObject({ ok: false, code: "variant_required" });
  });
});

describe("Unusable input to the variant forms", () => {
  it("is answered with a form message, never an internal error, and changes nothing", async () => {
    const { product, variants } = await shirt();
    const page = `/admin/products/${product.id}`;
    const [s] = variants;
    const nul = "M\u0000L";
    const long = "x".repeat(5000);
    const bad: [string, Record<string, string>][] = [
      ["addOptionValueAction", { productId: product.id, optionName: "Size", value: nul }],
      ["addOptionValueAction", { productId: product.id, optionName: "Size", value: long }],
      ["addOptionValueAction", { productId: "not-an-id", optionName: "Size", value: "XL" }],
      ["addOptionValueAction", { productId: product.id, optionName: nul, value: "XL" }],
      ["addVariantAction", { productId: product.id, sku: nul, "option.Size": "S", onHand: "1" }],
      ["addVariantAction", { productId: product.id, sku: "OK-1", "option.Size": nul, onHand: "1" }],
      ["addVariantAction", { productId: product.id, sku: "OK-1", "option.Size": "S", onHand: "-0" }],
      ["editVariantAction", { productId: product.id, variantId: s!.id, sku: "has space", price: "1" }],
      ["editVariantAction", { productId: product.id, variantId: randomUUID(), sku: "OK-2", price: "1" }],
      ["retireVariantAction", { productId: randomUUID(), variantId: s!.id, retired: "true" }],
      ["retireVariantAction", { productId: product.id, variantId: s!.id, retired: "maybe" }],
      ["createProductAction", { name: "Nul", price: "1", "options.0.name": "Size", "options.0.values": nul }],
      ["createProductAction", { name: "Nul", price: "1", "options.0.name": "Size", "options.0.values": "S", "variants.0.sku": "N-1", "variants.0.value.0": nul, "variants.0.onHand": "1", "variants.0.sell": "on" }],
      ["createProductAction", { name: "Big", price: "1", ...Object.fromEntries([0, 1, 2].flatMap((i) => [[`options.${i}.name`, `O${i}`], [`options.${i}.values`, Array.from({ length: 20 }, (_, k) => `v${k}`).join(",")]])) }],
    ];
    for (const [name, fields] of bad) {
      const answer = await post(name, fields, page);
      const shown = `${name} ${JSON.stringify(fields).slice(0, 120)} → ${answer.status} ${answer.text.slice(0, 200)}`;
      expect(answer.status, shown).toBe(200);
      expect(answer.state, shown).toMatchObject({ ok: false });
      expect(answer.state?.code, shown).not.toBe("internal_error");
      expect(typeof answer.state?.message, shown).toBe("string");
    }
    const after = await getProductById(product.id);
    expect(after?.options).toEqual([{ name: "Size", values: ["S", "M"] }]);
    expect((await listVariantLevels(undefined, product.id)).map((v) => [v.sku, v.retired, v.onHand])).toEqual(variants.map((v) => [v.sku, false, v.onHand]));
  });
});
