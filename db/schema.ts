/**
 * The whole data model. Every invariant that protects stock is declared here as a constraint, so the database
 * refuses an oversell even if application code is wrong or bypassed.
 */
import { sql } from "drizzle-orm";
import {
  bigint,
  check,
  customType,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";

const createdAt = () => timestamp("created_at", { withTimezone: true }).notNull().defaultNow();

/** Shoppers with an account, admins, and guest shoppers (identified by a signed cookie, no email or password). */
export const users = pgTable(
  "users",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    kind: text("kind", { enum: ["guest", "shopper", "admin"] }).notNull(),
    email: text("email"),
    name: text("name"),
    passwordHash: text("password_hash"),
    createdAt: createdAt(),
  },
  (t) => [
    check("users_kind_valid", sql`${t.kind} in ('guest', 'shopper', 'admin')`),
    // Accounts sign in with email and password; guests have neither.
    check(
      "users_account_has_credentials",
      sql`(${t.kind} = 'guest') = (${t.email} is null and ${t.passwordHash} is null)`,
    ),
    uniqueIndex("users_email_unique").on(sql`lower(${t.email})`).where(sql`${t.email} is not null`),
  ],
);
export type User = typeof users.$inferSelect;
export type NewUser = typeof users.$inferInsert;

/** PostgreSQL's tsvector, which Drizzle has no built-in column type for. */
const tsvector = customType<{ data: string }>({ dataType: () => "tsvector" });

export const products = pgTable(
  "products",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    slug: text("slug").notNull(),
    name: text("name").notNull(),
    description: text("description").notNull().default(""),
    priceCents: integer("price_cents").notNull(),
    createdAt: createdAt(),
    /**
     * What catalogue search matches and ranks: the name (weight A) and the description (B). Stored, so ranking
     * a search's matches reads it instead of parsing every matching product's text again.
     */
    searchVector: tsvector("search_vector")
      .notNull()
      .generatedAlwaysAs(
        sql`setweight(to_tsvector('english'::regconfig, name), 'A') || setweight(to_tsvector('english'::regconfig, description), 'B')`,
      ),
  },
  (t) => [
    uniqueIndex("products_slug_unique").on(t.slug),
    check("products_price_not_negative", sql`${t.priceCents} >= 0`),
    check("products_slug_format", sql`${t.slug} ~ '^[a-z0-9]+(-[a-z0-9]+)*$'`),
    // fastupdate off: new products go straight into the index instead of a pending list that every search would
    // scan (and that makes the planner shun the index) until a vacuum; products change rarely, searches often.
    index("products_search_idx").using("gin", t.searchVector).with({ fastupdate: false }),
    // Keyset paging in each catalogue sort order: the id breaks ties so every product has one place.
    index("products_newest_idx").on(t.createdAt.desc(), t.id.desc()),
    index("products_price_idx").on(t.priceCents, t.id),
    index("products_name_idx").on(t.name, t.id),
  ],
);
export type Product = typeof products.$inferSelect;
export type NewProduct = typeof products.$inferInsert;

/**
 * One row per product: the counters that every hold locks. available = on_hand - reserved - allocated.
 * `reserved` may include holds whose time ran out but that no one has released yet; readers subtract those
 * (see lib/inventory.ts), and every writer releases them first while it holds the row lock.
 */
export const stockLevels = pgTable(
  "stock_levels",
  {
    productId: uuid("product_id")
      .primaryKey()
      .references(() => products.id, { onDelete: "cascade" }),
    onHand: integer("on_hand").notNull().default(0),
    reserved: integer("reserved").notNull().default(0),
    allocated: integer("allocated").notNull().default(0),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    check("stock_on_hand_not_negative", sql`${t.onHand} >= 0`),
    check("stock_reserved_not_negative", sql`${t.reserved} >= 0`),
    check("stock_allocated_not_negative", sql`${t.allocated} >= 0`),
    check("stock_never_oversold", sql`${t.reserved} + ${t.allocated} <= ${t.onHand}`),
  ],
);
export type StockLevel = typeof stockLevels.$inferSelect;

/** One cart per shopper. Adding to it reserves nothing. */
export const carts = pgTable(
  "carts",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    shopperId: uuid("shopper_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: createdAt(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("carts_one_per_shopper").on(t.shopperId)],
);
export type Cart = typeof carts.$inferSelect;

export const cartLines = pgTable(
  "cart_lines",
  {
    cartId: uuid("cart_id")
      .notNull()
      .references(() => carts.id, { onDelete: "cascade" }),
    productId: uuid("product_id")
      .notNull()
      .references(() => products.id, { onDelete: "cascade" }),
    quantity: integer("quantity").notNull(),
    addedAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.cartId, t.productId] }),
    check("cart_lines_quantity_positive", sql`${t.quantity} > 0`),
  ],
);
export type CartLine = typeof cartLines.$inferSelect;

export const checkoutStatuses = ["active", "completed", "cancelled", "failed", "expired"] as const;
export type CheckoutStatus = (typeof checkoutStatuses)[number];

/**
 * A checkout holds its cart's lines (as reservations) until it is paid, cancelled, declined or expires.
 * `expires_at` slides with activity but never past `hard_expires_at`.
 */
export const checkouts = pgTable(
  "checkouts",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    cartId: uuid("cart_id")
      .notNull()
      .references(() => carts.id, { onDelete: "cascade" }),
    shopperId: uuid("shopper_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    status: text("status", { enum: checkoutStatuses }).notNull().default("active"),
    email: text("email"),
    details: jsonb("details").$type<Record<string, string>>().notNull().default({}),
    totalCents: integer("total_cents").notNull(),
    startedAt: timestamp("started_at", { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    hardExpiresAt: timestamp("hard_expires_at", { withTimezone: true }).notNull(),
    endedAt: timestamp("ended_at", { withTimezone: true }),
  },
  (t) => [
    check("checkouts_status_valid", sql`${t.status} in ('active', 'completed', 'cancelled', 'failed', 'expired')`),
    check("checkouts_total_not_negative", sql`${t.totalCents} >= 0`),
    check("checkouts_expiry_capped", sql`${t.expiresAt} <= ${t.hardExpiresAt}`),
    // At most one active checkout per cart: a second "Checkout" click can never hold the stock twice.
    uniqueIndex("checkouts_one_active_per_cart").on(t.cartId).where(sql`${t.status} = 'active'`),
    index("checkouts_shopper_idx").on(t.shopperId),
    index("checkouts_active_expiry_idx").on(t.expiresAt).where(sql`${t.status} = 'active'`),
  ],
);
export type Checkout = typeof checkouts.$inferSelect;

export const reservationStatuses = ["active", "released", "expired", "allocated"] as const;
export type ReservationStatus = (typeof reservationStatuses)[number];

/** The holds: who holds how many of which product, until when. One per product per checkout. */
export const reservations = pgTable(
  "reservations",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    checkoutId: uuid("checkout_id")
      .notNull()
      .references(() => checkouts.id, { onDelete: "cascade" }),
    shopperId: uuid("shopper_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    productId: uuid("product_id")
      .notNull()
      .references(() => products.id, { onDelete: "cascade" }),
    quantity: integer("quantity").notNull(),
    unitPriceCents: integer("unit_price_cents").notNull(),
    status: text("status", { enum: reservationStatuses }).notNull().default("active"),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    createdAt: createdAt(),
    endedAt: timestamp("ended_at", { withTimezone: true }),
  },
  (t) => [
    check("reservations_quantity_positive", sql`${t.quantity} > 0`),
    check("reservations_price_not_negative", sql`${t.unitPriceCents} >= 0`),
    check("reservations_status_valid", sql`${t.status} in ('active', 'released', 'expired', 'allocated')`),
    uniqueIndex("reservations_one_per_product_per_checkout").on(t.checkoutId, t.productId),
    // Finds a product's stale holds while its stock row is locked, and the cron's work.
    index("reservations_active_product_expiry_idx")
      .on(t.productId, t.expiresAt)
      .where(sql`${t.status} = 'active'`),
    index("reservations_active_expiry_idx").on(t.expiresAt).where(sql`${t.status} = 'active'`),
  ],
);
export type Reservation = typeof reservations.$inferSelect;

export const orderStatuses = ["paid", "fulfilled"] as const;
export type OrderStatus = (typeof orderStatuses)[number];

export const orders = pgTable(
  "orders",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    checkoutId: uuid("checkout_id")
      .notNull()
      .references(() => checkouts.id),
    shopperId: uuid("shopper_id")
      .notNull()
      .references(() => users.id),
    email: text("email"),
    status: text("status", { enum: orderStatuses }).notNull().default("paid"),
    totalCents: integer("total_cents").notNull(),
    paymentReference: text("payment_reference").notNull(),
    createdAt: createdAt(),
    fulfilledAt: timestamp("fulfilled_at", { withTimezone: true }),
  },
  (t) => [
    // One order per checkout: a replayed or doubled payment can never allocate twice.
    uniqueIndex("orders_one_per_checkout").on(t.checkoutId),
    check("orders_status_valid", sql`${t.status} in ('paid', 'fulfilled')`),
    check("orders_total_not_negative", sql`${t.totalCents} >= 0`),
    index("orders_shopper_idx").on(t.shopperId),
  ],
);
export type Order = typeof orders.$inferSelect;

export const orderLines = pgTable(
  "order_lines",
  {
    orderId: uuid("order_id")
      .notNull()
      .references(() => orders.id, { onDelete: "cascade" }),
    productId: uuid("product_id")
      .notNull()
      .references(() => products.id),
    quantity: integer("quantity").notNull(),
    unitPriceCents: integer("unit_price_cents").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.orderId, t.productId] }),
    check("order_lines_quantity_positive", sql`${t.quantity} > 0`),
    check("order_lines_price_not_negative", sql`${t.unitPriceCents} >= 0`),
  ],
);
export type OrderLine = typeof orderLines.$inferSelect;

/** Every payment attempt, keyed by the client's idempotency key so a retried request finds its first answer. */
export const paymentAttempts = pgTable(
  "payment_attempts",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    checkoutId: uuid("checkout_id")
      .notNull()
      .references(() => checkouts.id, { onDelete: "cascade" }),
    idempotencyKey: text("idempotency_key").notNull(),
    outcome: text("outcome", { enum: ["succeeded", "declined"] }).notNull(),
    declineCode: text("decline_code"),
    amountCents: integer("amount_cents").notNull(),
    orderId: uuid("order_id").references(() => orders.id),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("payment_attempts_key_unique").on(t.checkoutId, t.idempotencyKey),
    check("payment_attempts_outcome_valid", sql`${t.outcome} in ('succeeded', 'declined')`),
    check("payment_attempts_success_has_order", sql`(${t.outcome} = 'succeeded') = (${t.orderId} is not null)`),
  ],
);
export type PaymentAttempt = typeof paymentAttempts.$inferSelect;

export const movementKinds = [
  "receive", // opening stock and restocks
  "write_off",
  "reserve",
  "release", // cancel, decline, admin release, cart change
  "expire",
  "allocate", // a paid hold becomes an order's stock
  "fulfil", // an order's stock leaves the shelf
] as const;
export type MovementKind = (typeof movementKinds)[number];

/**
 * The append-only stock ledger: every change of a stock level writes one row per cause in the same
 * transaction, so the levels always equal the sums of the deltas (checked by `reconcileStock`).
 * A trigger (migration 0001) refuses UPDATE and DELETE.
 */
export const stockMovements = pgTable(
  "stock_movements",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    productId: uuid("product_id")
      .notNull()
      .references(() => products.id, { onDelete: "cascade" }),
    kind: text("kind", { enum: movementKinds }).notNull(),
    onHandDelta: integer("on_hand_delta").notNull().default(0),
    reservedDelta: integer("reserved_delta").notNull().default(0),
    allocatedDelta: integer("allocated_delta").notNull().default(0),
    reason: text("reason"),
    actorId: uuid("actor_id").references(() => users.id, { onDelete: "set null" }),
    checkoutId: uuid("checkout_id"),
    orderId: uuid("order_id"),
    createdAt: createdAt(),
  },
  (t) => [
    check(
      "stock_movements_kind_valid",
      sql`${t.kind} in ('receive', 'write_off', 'reserve', 'release', 'expire', 'allocate', 'fulfil')`,
    ),
    index("stock_movements_product_idx").on(t.productId, t.id),
  ],
);
export type StockMovement = typeof stockMovements.$inferSelect;

/** Fixed-window counters shared by every app server (checkout starts per shopper, requests per IP, sign-ins). */
export const rateLimits = pgTable(
  "rate_limits",
  {
    bucket: text("bucket").notNull(),
    windowStart: timestamp("window_start", { withTimezone: true }).notNull(),
    hits: integer("hits").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.bucket, t.windowStart] }), index("rate_limits_window_idx").on(t.windowStart)],
);
