/**
 * The one wrapper of server actions (`shopperAction`): whatever the form holds and whatever the action throws,
 * the page gets form state back (field errors, a domain error's message, or a generic message), never a throw
 * that would be a 500; only Next.js's own control flow (a redirect) passes through.
 */
import { redirect } from "next/navigation";
import { describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { DomainError } from "./errors";
import { shopperAction, type FormState } from "./action-state";

const form = (fields: Record<string, string>) => {
  const data = new FormData();
  for (const [name, value] of Object.entries(fields)) data.append(name, value);
  return data;
};

const schema = z.object({
  email: z.email("Enter an email address."),
  quantity: z.coerce.number().int("Enter a whole number.").min(1, "Enter at least 1."),
});

const shopper = { id: "shopper-1", kind: "guest" as const };

describe("shopperAction", () => {
  it("answers a form that does not check out with its field errors, and neither finds the shopper nor runs", async () => {
    const findShopper = vi.fn(async () => shopper);
    const run = vi.fn(async (): Promise<FormState> => ({ ok: true }));
    const action = shopperAction({ schema, shopper: findShopper, keep: ["email"] }, run);

    const state = await action(null, form({ email: "not an email", quantity: "1.5", password: "secret-pw" }));

    expect(state).toEqual({
      ok: false,
      message: "Please check the highlighted fields.",
      fieldErrors: { email: ["Enter an email address."], quantity: ["Enter a whole number."] },
      values: { email: "not an email" },
    });
    expect(JSON.stringify(state)).not.toContain("secret-pw");
    expect(findShopper).not.toHaveBeenCalled();
    expect(run).not.toHaveBeenCalled();
  });

  it("reads anything that is not FormData (a hand-made request) as an empty form", async () => {
    const action = shopperAction({ schema }, async () => ({ ok: true }));
    const state = await action(null, { email: "a@example.test", quantity: "2" } as unknown as FormData);
    expect(state.ok).toBe(false);
    expect(Object.keys(state.fieldErrors ?? {}).sort()).toEqual(["email", "quantity"]);
  });

  it("runs with the checked input and the shopper found", async () => {
    const action = shopperAction({ schema, shopper: async () => shopper }, async (input, found) => ({
      ok: true,
      message: `${found.id} asked for ${input.quantity + 1 - 1} at ${input.email}`,
    }));
    expect(await action(null, form({ email: "a@example.test", quantity: "3" }))).toEqual({
      ok: true,
      message: "shopper-1 asked for 3 at a@example.test",
    });
  });

  it("says a DomainError's message and code, keeping the named fields", async () => {
    const action = shopperAction({ schema, keep: ["email"] }, async () => {
      throw new DomainError("quantity_limit", "At most 50 of one product per cart.");
    });
    expect(await action(null, form({ email: "a@example.test", quantity: "60" }))).toEqual({
      ok: false,
      code: "quantity_limit",
      message: "At most 50 of one product per cart.",
      values: { email: "a@example.test" },
    });
  });

  it("turns an unexpected error into a generic message, never a throw, and tells nothing of it", async () => {
    const action = shopperAction({ schema }, async () => {
      throw new Error('relation "secret_table" does not exist');
    });
    const state = await action(null, form({ email: "a@example.test", quantity: "1" }));
    expect(state).toMatchObject({ ok: false, code: "internal_error", message: "Something went wrong on our side. Please try again." });
    expect(JSON.stringify(state)).not.toContain("secret_table");
  });

  it("answers a shopper lookup that fails as form state too", async () => {
    const action = shopperAction({ schema, shopper: async () => Promise.reject(new DomainError("empty_cart", "Your cart is empty.")) }, async () => ({ ok: true }));
    expect(await action(null, form({ email: "a@example.test", quantity: "1" }))).toMatchObject({ ok: false, code: "empty_cart", message: "Your cart is empty." });
  });

  it("checks who may run it before reading the form: a stranger learns nothing about the fields", async () => {
    const run = vi.fn(async (): Promise<FormState> => ({ ok: true }));
    const action = shopperAction({ schema, requires: async () => Promise.reject(new DomainError("forbidden", "Only admins may do this.")) }, run);
    expect(await action(null, form({ email: "bad", quantity: "x" }))).toMatchObject({ ok: false, code: "forbidden", message: "Only admins may do this." });
    expect(run).not.toHaveBeenCalled();
  });

  it("says a hidden field's own message instead of pointing at a field nobody can see", async () => {
    const action = shopperAction(
      { schema: schema.extend({ key: z.string().min(1) }), hidden: { key: "This form is out of date. Reload the page." } },
      async () => ({ ok: true }),
    );
    expect(await action(null, form({ email: "bad", quantity: "1", key: "" }))).toEqual({
      ok: false,
      message: "This form is out of date. Reload the page.",
    });
    // Other fields, even one named like a property every object has, are pointed at as usual.
    const visible = shopperAction(
      { schema: z.object({ constructor: z.string().min(1, "Fill this in.") }), hidden: { key: "Reload the page." } },
      async () => ({ ok: true }),
    );
    expect((await visible(null, form({ constructor: "" }))).fieldErrors).toEqual({ constructor: ["Fill this in."] });
  });

  it("passes Next.js's redirect on, as the page must follow it", async () => {
    const action = shopperAction({}, async () => redirect("/orders/1"));
    await expect(action(null, form({}))).rejects.toMatchObject({ digest: expect.stringContaining("NEXT_REDIRECT") });
  });

  it("reads no fields when it has no schema, and is callable without a form", async () => {
    const action = shopperAction({ shopper: async () => shopper }, async (_input, found) => ({ ok: true, message: found.id }));
    expect(await action(null)).toEqual({ ok: true, message: "shopper-1" });
  });
});
