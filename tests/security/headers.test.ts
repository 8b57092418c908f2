/**
 * Security headers on every kind of answer (pages, API, redirects, not-found), and the shop working in a real
 * browser under its own Content Security Policy: no violation reported, and a server action (add to cart)
 * goes through.
 */
import { chromium } from "@playwright/test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startOrShareApp } from "../support/app-for-file";
import type { RunningApp } from "../support/app-server";
import { seedProducts, type SeededProduct } from "../support/products";
import { chromiumExecutable } from "../support/chromium";
import { HttpClient } from "../support/http";

const url = process.env.DATABASE_URL!;
let app: RunningApp;
let product: SeededProduct;

beforeAll(async () => {
  app = await startOrShareApp();
  [product] = (await seedProducts(url, [{ slug: "csp-lamp", priceCents: 4900, onHand: 10 }])) as [SeededProduct];
});

afterAll(async () => {
  await app?.stop();
});

function directives(csp: string): Map<string, string> {
  return new Map(
    csp
      .split(";")
      .map((d) => d.trim())
      .filter(Boolean)
      .map((d) => {
        const [name, ...values] = d.split(/\s+/);
        return [name!, values.join(" ")] as const;
      }),
  );
}

describe("security headers", () => {
  it("are on pages, API answers, redirects and not-found pages", async () => {
    // Each path with the status it must answer: a page, a redirect, a not-found page, an API answer, an API error.
    const paths: [string, number][] = [
      ["/", 200],
      [`/products/${product.slug}`, 200],
      ["/cart", 200],
      ["/signin", 200],
      ["/admin", 302],
      ["/no-such-page", 404],
      ["/api/products", 200],
      ["/api/health", 200],
      ["/api/checkout/nope", 404],
    ];
    for (const [path, status] of paths) {
      const answer = await new HttpClient(app.baseUrl).send("GET", path);
      expect(answer.status, path).toBe(status);
      const h = answer.headers!;
      const csp = directives(h.get("content-security-policy") ?? "");
      expect(csp.get("default-src"), path).toBe("'self'");
      expect(csp.get("frame-ancestors"), path).toBe("'none'");
      expect(csp.get("object-src"), path).toBe("'none'");
      expect(csp.get("base-uri"), path).toBe("'self'");
      expect(csp.get("form-action"), path).toBe("'self'");
      expect(csp.get("script-src"), path).not.toMatch(/unsafe-eval|\*/);
      expect(h.get("x-content-type-options"), path).toBe("nosniff");
      expect(h.get("x-frame-options"), path).toBe("DENY");
      expect(h.get("referrer-policy"), path).toBe("strict-origin-when-cross-origin");
      expect(h.get("permissions-policy"), path).toMatch(/camera=\(\)/);
      expect(h.get("x-powered-by"), path).toBeNull();
    }
  });
});

describe("the shop under its Content Security Policy", () => {
  it("renders and hydrates pages without a single violation, and its forms work", async () => {
    const browser = await chromium.launch({ executablePath: chromiumExecutable() });
    try {
      const page = await browser.newPage();
      const violations: string[] = [];
      const errors: string[] = [];
      page.on("console", (message) => {
        if (/content security policy/i.test(message.text())) violations.push(message.text());
      });
      page.on("pageerror", (error) => errors.push(error.message));
      await page.addInitScript(() => {
        document.addEventListener("securitypolicyviolation", (event) => {
          console.error(`Content Security Policy violation: ${event.violatedDirective} ${event.blockedURI}`);
        });
      });
      for (const path of ["/", `/products/${product.slug}`, "/cart", "/signin", "/signup"]) {
        const response = await page.goto(`${app.baseUrl}${path}`, { waitUntil: "networkidle" });
        expect(response?.status(), path).toBe(200);
      }
      // A server action from a hydrated client form: add to cart, then the header's cart count says so.
      await page.goto(`${app.baseUrl}/products/${product.slug}`, { waitUntil: "networkidle" });
      await page.getByRole("button", { name: /add to cart/i }).click();
      await page.getByRole("link", { name: /cart, 1 item/i }).waitFor({ timeout: 15_000 });
      expect(violations).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});

describe("the security headers' rule (next.config.mjs)", () => {
  it("matches every path without a named parameter, so Next.js sends the values as they are", async () => {
    // With a parameter in the source ("/:path*"), Next.js compiles every header value holding a ":" (the CSP's
    // "https:" and "data:") with path-to-regexp on every request it answers.
    // @ts-expect-error -- the config is plain JavaScript, without a declaration file
    const config = (await import("../../next.config.mjs")).default as { headers(): Promise<{ source: string }[]> };
    const rules = await config.headers();
    expect(rules).toHaveLength(1);
    expect(rules[0]!.source).not.toMatch(/:[A-Za-z_]/);
    expect(new RegExp(`^${rules[0]!.source}$`).test("/api/health")).toBe(true);
    expect(new RegExp(`^${rules[0]!.source}$`).test("/")).toBe(true);
  });
});
