/**
 * Configuration, validated once with zod. Read `env.X`, never `process.env.X`, anywhere else in the app.
 * Names and defaults follow the public contract (shared store-api.md, "Configuration").
 */
import { z } from "zod";
import { databaseEnvShape } from "@/db/env";

const wholeNumber = (fallback: number) => z.coerce.number().int().min(0).default(fallback);
const optionalSecret = z
  .string()
  .optional()
  .transform((value) => (value && value.length > 0 ? value : undefined));

const unsetIfEmpty = (value: unknown) => (value === "" ? undefined : value);

const envSchema = z
  .object({
    // NODE_ENV and the DATABASE_* settings, as db/ reads them.
    ...databaseEnvShape,
    RESERVATION_TTL_SECONDS: z.coerce.number().int().min(1).default(900),
    RESERVATION_MAX_SECONDS: z.coerce.number().int().min(1).default(3600),
    // While shoppers wait in the line for a variant: how long an idle hold on it lasts, and how long an offer made
    // to a waiting shopper lasts without activity.
    RESERVATION_TTL_CONTENDED_SECONDS: z.coerce.number().int().min(1).default(300),
    QUEUE_OFFER_SECONDS: z.coerce.number().int().min(1).default(300),
    CRON_SECRET: optionalSecret,
    ADMIN_API_TOKEN: optionalSecret,
    // Bearer token of GET /api/metrics (Prometheus); unset = nobody may read the metrics.
    METRICS_TOKEN: optionalSecret,
    // pino's level for the JSON logs on stdout.
    LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    MAX_QUANTITY_PER_LINE: z.coerce.number().int().min(1).max(10_000).default(50),
    RATE_LIMIT_CHECKOUTS_PER_MINUTE: wholeNumber(10),
    RATE_LIMIT_REQUESTS_PER_IP_PER_MINUTE: wholeNumber(3000),
    // What one client address may hold (lib/inventory/hold/batch.ts), whatever cookies it sends: new checkouts per hour,
    // and units of one product put on hold per hour (unset: twice MAX_QUANTITY_PER_LINE); 0 = no limit.
    RATE_LIMIT_CHECKOUTS_PER_IP_PER_HOUR: wholeNumber(30),
    RATE_LIMIT_UNITS_PER_IP_PER_PRODUCT_PER_HOUR: z.preprocess(unsetIfEmpty, z.coerce.number().int().min(0).optional()),
    // How many reverse proxies in front of the app append to X-Forwarded-For; the client address is the entry
    // that many hops from the right (0: the connection's own address). lib/platform/client-address.ts.
    TRUSTED_PROXY_HOPS: z.coerce.number().int().min(0).max(10).default(0),
    // Password guessing: sign-in attempts per account (email) and per IP address; 0 = no limit.
    RATE_LIMIT_SIGNINS_PER_ACCOUNT_PER_MINUTE: wholeNumber(10),
    RATE_LIMIT_SIGNINS_PER_IP_PER_MINUTE: wholeNumber(30),
    // In-process sweep of stale holds every ~60 s in `npm run dev` / `npm start`; "0" turns it off.
    EXPIRY_SWEEP_SECONDS: wholeNumber(60),
    // How often each server hands on units of holds that lapsed while shoppers wait in line; 0 = off.
    LINE_SWEEP_SECONDS: wholeNumber(2),
    PORT: z.coerce.number().int().min(1).max(65_535).default(3000),
    // Names this server in its health answer (X-Instance-Id), so a launcher knows it reached the server it started
    // and not another one that took the same port. Unset: no header.
    STOCKHOLD_INSTANCE_ID: optionalSecret,
    PAYMENT_PROVIDER: z.enum(["test", "stripe"]).default("test"),
    // The Stripe provider (PAYMENT_PROVIDER=stripe): all three keys are required then.
    STRIPE_SECRET_KEY: optionalSecret,
    STRIPE_PUBLISHABLE_KEY: optionalSecret,
    STRIPE_WEBHOOK_SECRET: optionalSecret,
    STRIPE_CURRENCY: z
      .string()
      .trim()
      .toLowerCase()
      .regex(/^[a-z]{3}$/, "must be a three-letter ISO currency code")
      .default("usd"),
    // Where the Stripe SDK sends its requests; unset = api.stripe.com. Tests point it at a local stand-in.
    STRIPE_API_HOST: optionalSecret,
    STRIPE_API_PORT: z.preprocess(unsetIfEmpty, z.coerce.number().int().min(1).max(65_535).optional()),
    STRIPE_API_PROTOCOL: z.preprocess(unsetIfEmpty, z.enum(["http", "https"]).optional()),
    // How long a checkout may stay `paying` (its hold kept) before the sweep asks the provider and settles it.
    PAYMENT_WINDOW_SECONDS: z.coerce.number().int().min(10).max(86_400).default(600),
    // How long the pay request waits for the provider's answer before it answers 202 ("Confirming your
    // payment…"); a payment with no answer for this long is looked up at the provider by the recovery sweep.
    PAYMENT_RECOVERY_AFTER_SECONDS: z.coerce.number().int().min(1).max(3_600).default(30),
    // Signing secret of the test provider's webhooks; generated in demo mode (otherwise derived from
    // AUTH_SECRET, so every app server shares it).
    PAYMENT_WEBHOOK_SECRET: optionalSecret,
    // Where the test provider sends its webhooks; by default this server itself.
    PAYMENT_TEST_WEBHOOK_URL: optionalSecret,
    // Test payment provider only: how long the slow test card 4000 0000 0000 0077 takes to answer, and how
    // long the asynchronous cards take to settle (and their webhooks to be sent).
    PAYMENT_TEST_STALL_MS: z.coerce.number().int().min(0).max(600_000).default(0),
    PAYMENT_TEST_WEBHOOK_DELAY_MS: z.coerce.number().int().min(0).max(600_000).default(2000),
    // Order, back-in-stock and account emails: sent through this SMTP server (smtp:// or smtps://, credentials in
    // the URL); unset, they stay in the outbox for the demo (/admin/outbox).
    SMTP_URL: optionalSecret.pipe(
      z
        .string()
        .regex(/^smtps?:\/\/[^\s]+$/, "must be an smtp:// or smtps:// URL")
        .optional(),
    ),
    MAIL_FROM: z.string().trim().min(3).max(200).default("Stockhold <shop@stockhold.test>"),
    // The shop's public address, for links in emails; unset: this machine on PORT (demo).
    SHOP_URL: z
      .url({ protocol: /^https?$/ })
      .optional()
      .transform((url) => url?.replace(/\/+$/, "")),
    // Whether the shop sends goods by post: then paying needs a delivery address (name, address, postcode, city,
    // country), and the order shows it. "false" for a shop that sells only what needs no delivery.
    SHOP_SHIPS_GOODS: z
      .preprocess(unsetIfEmpty, z.enum(["true", "false", "1", "0"], "must be true or false").default("true"))
      .transform((value) => value === "true" || value === "1"),
    // Guest order lookups (email + order number) per IP address and per email address per minute; 0 = no limit.
    RATE_LIMIT_ORDER_LOOKUPS_PER_MINUTE: wholeNumber(10),
    // How long the link that confirms an account's email works, and the one that sets a new password.
    ACCOUNT_VERIFY_TOKEN_HOURS: z.coerce.number().int().min(1).max(720).default(24),
    PASSWORD_RESET_TOKEN_MINUTES: z.coerce.number().int().min(5).max(1440).default(60),
    // "Forgot password" requests per IP address and per email address per minute; 0 = no limit.
    RATE_LIMIT_PASSWORD_RESETS_PER_MINUTE: wholeNumber(5),
    AUTH_SECRET: optionalSecret,
    ADMIN_EMAIL: optionalSecret,
    ADMIN_PASSWORD: optionalSecret,
  })
  .refine((e) => e.RESERVATION_TTL_SECONDS <= e.RESERVATION_MAX_SECONDS, {
    message: "RESERVATION_TTL_SECONDS must not exceed RESERVATION_MAX_SECONDS",
    path: ["RESERVATION_TTL_SECONDS"],
  })
  .refine(
    (e) =>
      e.RATE_LIMIT_UNITS_PER_IP_PER_PRODUCT_PER_HOUR === undefined ||
      e.RATE_LIMIT_UNITS_PER_IP_PER_PRODUCT_PER_HOUR === 0 ||
      e.RATE_LIMIT_UNITS_PER_IP_PER_PRODUCT_PER_HOUR >= e.MAX_QUANTITY_PER_LINE,
    {
      // Otherwise no shopper could ever hold a full line.
      message: "RATE_LIMIT_UNITS_PER_IP_PER_PRODUCT_PER_HOUR must be 0 or at least MAX_QUANTITY_PER_LINE",
      path: ["RATE_LIMIT_UNITS_PER_IP_PER_PRODUCT_PER_HOUR"],
    },
  )
  .superRefine((e, context) => {
    if (e.PAYMENT_PROVIDER !== "stripe") return;
    for (const name of ["STRIPE_SECRET_KEY", "STRIPE_PUBLISHABLE_KEY", "STRIPE_WEBHOOK_SECRET"] as const) {
      if (!e[name]) context.addIssue({ code: "custom", path: [name], message: "is required when PAYMENT_PROVIDER=stripe" });
    }
  })
  .transform((e) => ({
    ...e,
    SHOP_URL: e.SHOP_URL ?? `http://localhost:${e.PORT}`,
    RATE_LIMIT_UNITS_PER_IP_PER_PRODUCT_PER_HOUR: e.RATE_LIMIT_UNITS_PER_IP_PER_PRODUCT_PER_HOUR ?? 2 * e.MAX_QUANTITY_PER_LINE,
  }));

export type Env = z.infer<typeof envSchema>;

function loadEnv(): Env {
  const parsed = envSchema.safeParse(process.env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`).join("\n");
    throw new Error(`Invalid configuration:\n${problems}`);
  }
  return parsed.data;
}

export const env: Env = loadEnv();
