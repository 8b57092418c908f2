/**
 * The per-address settings are validated at start-up like every other: a value the shop cannot honour stops it
 * with a message naming the variable, rather than running with a limit nobody chose.
 */
import { afterEach, describe, expect, it, vi } from "vitest";

const saved = { ...process.env };

afterEach(() => {
  process.env = { ...saved };
  vi.resetModules();
});

const OURS = ["TRUSTED_PROXY_HOPS", "RATE_LIMIT_CHECKOUTS_PER_IP_PER_HOUR", "RATE_LIMIT_UNITS_PER_IP_PER_PRODUCT_PER_HOUR", "MAX_QUANTITY_PER_LINE"];

/** lib/env as it loads with these settings (and none of ours but them). */
async function loadWith(settings: Record<string, string>) {
  vi.resetModules();
  process.env = { ...saved, ...settings };
  for (const name of OURS) if (!(name in settings)) delete process.env[name];
  return (await import("./env")).env;
}

describe("env: client address and per-address bounds", () => {
  it("defaults: the connection's address, 30 checkouts an hour, twice the line cap in units of a product", async () => {
    const env = await loadWith({});
    expect(env.TRUSTED_PROXY_HOPS).toBe(0);
    expect(env.RATE_LIMIT_CHECKOUTS_PER_IP_PER_HOUR).toBe(30);
    expect(env.RATE_LIMIT_UNITS_PER_IP_PER_PRODUCT_PER_HOUR).toBe(100);
  });

  it("TRUSTED_PROXY_HOPS is a whole number from 0 to 10", async () => {
    expect((await loadWith({ TRUSTED_PROXY_HOPS: "2" })).TRUSTED_PROXY_HOPS).toBe(2);
    for (const bad of ["-1", "11", "1.5", "one"]) {
      await expect(loadWith({ TRUSTED_PROXY_HOPS: bad }), bad).rejects.toThrow(/TRUSTED_PROXY_HOPS/);
    }
  });

  it("the units bound is 0 (off) or at least one full line", async () => {
    expect((await loadWith({ RATE_LIMIT_UNITS_PER_IP_PER_PRODUCT_PER_HOUR: "0" })).RATE_LIMIT_UNITS_PER_IP_PER_PRODUCT_PER_HOUR).toBe(0);
    expect((await loadWith({ MAX_QUANTITY_PER_LINE: "20" })).RATE_LIMIT_UNITS_PER_IP_PER_PRODUCT_PER_HOUR).toBe(40);
    await expect(loadWith({ MAX_QUANTITY_PER_LINE: "20", RATE_LIMIT_UNITS_PER_IP_PER_PRODUCT_PER_HOUR: "19" })).rejects.toThrow(
      /RATE_LIMIT_UNITS_PER_IP_PER_PRODUCT_PER_HOUR/,
    );
  });
});
