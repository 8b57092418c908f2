/**
 * The admin product forms (server actions, posted the way React does): a negative opening stock is named as
 * such, not "Enter a whole number"; editing a product and archiving it work from the forms too.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pool } from "@/db/client";
import { getProductById } from "@/lib/catalog";
import { createAccount } from "@/lib/accounts/shoppers";
import { callAction, serverActions } from "../faults/support";
import { startOrShareApp } from "../support/app-for-file";
import type { RunningApp } from "../support/app-server";
import { makeProduct } from "../support/fixtures";
import { listKitProducts } from "@/lib/admin/kits";
import { HttpClient, postForm } from "../support/http";

let app: RunningApp;
let admin: HttpClient;
const action = (name: string) => {
  const id = serverActions().get(`app/admin/products/actions.ts#${name}`);
  if (!id) throw new Error(`no server action ${name}`);
  return id;
};

beforeAll(async () => {
  app = await startOrShareApp();
  const account = { email: `forms-admin-${randomUUID().slice(0, 8)}@example.test`, password: `pw-${randomUUID()}` };
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

describe("New product form", () => {
  it("says an opening stock of −3 cannot be negative, and a non-number is not a whole number", async () => {
    const negative = await callAction(admin, "/admin/products", action("createProductAction"), { name: "Minus", price: "5", onHand: "-3" });
    expect(negative.state).toMatchObject({ ok: false, fieldErrors: { onHand: ["Opening stock cannot be negative."] } });
    const fraction = await callAction(admin, "/admin/products", action("createProductAction"), { name: "Half", price: "5", onHand: "1.5" });
    expect(fraction.state).toMatchObject({ ok: false, fieldErrors: { onHand: ["Enter a whole number."] } });
  });
});

describe("New kit form", () => {
  it("makes a kit of the rows chosen, and refuses no components, a zero on a row and a kit in a kit, making nothing", async () => {
    const brush = await makeProduct(9);
    const soap = await makeProduct(4);
    const slug = `bath-kit-${randomUUID().slice(0, 8)}`;
    const countKits = async () => (await listKitProducts()).filter((k) => k.slug === slug).length;

    const empty = await callAction(admin, "/admin/products", action("createKitAction"), { name: "Bath Kit", slug, price: "24", "kit.0.variantId": "", "kit.0.quantity": "1" });
    expect(empty.state).toMatchObject({ ok: false, fieldErrors: { kit: ["Choose at least one product to put in the kit."] } });
    // The second row (the first left empty) is the one named.
    const zero = await callAction(admin, "/admin/products", action("createKitAction"), {
      name: "Bath Kit", slug, price: "24", "kit.0.variantId": "", "kit.1.variantId": brush.variantId, "kit.1.quantity": "0",
    });
    expect(zero.state).toMatchObject({ ok: false, fieldErrors: { "kit.1.quantity": ["Enter at least 1."] } });
    expect(await countKits()).toBe(0);

    const made = await callAction(admin, "/admin/products", action("createKitAction"), {
      name: "Bath Kit", slug, price: "24.00",
      "kit.0.variantId": brush.variantId, "kit.0.quantity": "2",
      "kit.1.variantId": soap.variantId, "kit.1.quantity": "2",
    });
    expect(made.state).toMatchObject({ ok: true, message: `Created the kit Bath Kit (/${slug}) of 2 × ${brush.name}, 2 × ${soap.name}: 2 can be sold now.` });
    const [kit] = (await listKitProducts()).filter((k) => k.slug === slug);
    expect(kit).toMatchObject({ priceCents: 2400, kit: { available: 2 } });

    const nested = await callAction(admin, "/admin/products", action("createKitAction"), {
      name: "Kit of kits", slug: `${slug}-twice`, price: "40", "kit.0.variantId": kit!.kit!.variantId, "kit.0.quantity": "1",
    });
    expect(nested.state).toMatchObject({ ok: false, code: "kit_in_kit" });
    expect((await listKitProducts()).filter((k) => k.slug === `${slug}-twice`)).toEqual([]);
  });
});

describe("Edit product form", () => {
  it("saves name, price, description and picture; refuses a picture that is not https", async () => {
    const product = await makeProduct(2, 1000);
    const refused = await callAction(admin, `/admin/products/${product.id}`, action("editProductAction"), {
      productId: product.id, name: "Lamp", price: "19.90", description: "", imageUrl: "javascript:alert(1)",
    });
    expect(refused.state).toMatchObject({ ok: false, fieldErrors: { imageUrl: ["Enter an https:// address or a path starting with /."] } });
    expect((await getProductById(product.id))?.name).toBe(product.name);

    const saved = await callAction(admin, `/admin/products/${product.id}`, action("editProductAction"), {
      productId: product.id, name: "Lamp", price: "19.90", description: "Warm light.", imageUrl: "/images/lamp.jpg",
    });
    expect(saved.state).toMatchObject({ ok: true, message: "Saved Lamp." });
    expect(await getProductById(product.id)).toMatchObject({ name: "Lamp", priceCents: 1990, description: "Warm light.", imageUrl: "/images/lamp.jpg" });
  });

  it("archives a product and puts it back on sale", async () => {
    const product = await makeProduct(2);
    const archived = await callAction(admin, `/admin/products/${product.id}`, action("archiveProductAction"), { productId: product.id, archived: "true" });
    expect(archived.state?.ok).toBe(true);
    expect((await getProductById(product.id))?.archived).toBe(true);
    await callAction(admin, `/admin/products/${product.id}`, action("archiveProductAction"), { productId: product.id, archived: "false" });
    expect((await getProductById(product.id))?.archived).toBe(false);
  });
});
