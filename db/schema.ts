/**
 * The whole data model. Every invariant that protects stock is declared here as a constraint, so the database
 * refuses an oversell even if application code is wrong or bypassed.
 */
import { sql } from "drizzle-orm";
import {
  type AnyPgColumn,
  bigint,
  boolean,
  date,
  check,
  customType,
  foreignKey,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  smallint,
  text,
  timestamp,
  unique,
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
    /**
     * When the account proved it owns `email` (a signed, single-use link sent to it). Until then the email is
     * only claimed: guest orders placed with it stay the guest's (lib/accounts).
     */
    emailVerifiedAt: timestamp("email_verified_at", { withTimezone: true }),
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

export const accountTokenPurposes = ["verify_email", "reset_password"] as const;
export type AccountTokenPurpose = (typeof accountTokenPurposes)[number];

/**
 * Single-use, expiring proofs sent by email: "this address is mine" and "let me set a new password". Only a
 * hash of the token is kept, so a leaked table signs no one in; `email` is the address the link was sent to,
 * so a token proves that address even if the account's email changes meanwhile.
 */
export const accountTokens = pgTable(
  "account_tokens",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    purpose: text("purpose", { enum: accountTokenPurposes }).notNull(),
    email: text("email").notNull(),
    tokenHash: text("token_hash").notNull(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    usedAt: timestamp("used_at", { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [
    check("account_tokens_purpose_valid", sql`${t.purpose} in ('verify_email', 'reset_password')`),
    uniqueIndex("account_tokens_hash_unique").on(t.tokenHash),
    index("account_tokens_user_idx").on(t.userId, t.purpose),
  ],
);
export type AccountToken = typeof accountTokens.$inferSelect;

/** PostgreSQL's tsvector, which Drizzle has no built-in column type for. */
const tsvector = customType<{ data: string }>({ dataType: () => "tsvector" });

/**
 * What a product is on the shelf: `stock`, units of its own counted per variant and location; or `kit`, a set of
 * other products' variants (its components) with no stock of its own, held, sold and shipped as those components.
 */
export const productKinds = ["stock", "kit"] as const;
export type ProductKind = (typeof productKinds)[number];

export const products = pgTable(
  "products",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    kind: text("kind", { enum: productKinds }).notNull().default("stock"),
    slug: text("slug").notNull(),
    name: text("name").notNull(),
    description: text("description").notNull().default(""),
    priceCents: integer("price_cents").notNull(),
    /** A picture shown instead of the initials tile: an https URL or a path on this site. */
    imageUrl: text("image_url"),
    /**
     * Units one shopper may hold and buy of this product (every variant together), counted over live holds and
     * paid orders, by account and by guest email; null: no limit.
     */
    limitPerCustomer: integer("limit_per_customer"),
    /** Set when the product is no longer sold; the row stays so its stock history and orders keep their product. */
    archivedAt: timestamp("archived_at", { withTimezone: true }),
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
    check("products_kind_valid", sql`${t.kind} in ('stock', 'kit')`),
    // The target of a variant's (product, kind) key: a variant is always of its product's kind.
    uniqueIndex("products_id_kind").on(t.id, t.kind),
    check("products_price_not_negative", sql`${t.priceCents} >= 0`),
    check("products_limit_per_customer_positive", sql`${t.limitPerCustomer} > 0`),
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

/** A product has at most this many options (e.g. Size, Colour, Material). */
export const MAX_PRODUCT_OPTIONS = 3;

/**
 * A product's options, in the order the shop shows them: "Size" with values S, M, L (in that order). A product
 * without options has no rows here and exactly one variant.
 */
export const productOptions = pgTable(
  "product_options",
  {
    productId: uuid("product_id")
      .notNull()
      .references(() => products.id, { onDelete: "cascade" }),
    position: smallint("position").notNull(),
    name: text("name").notNull(),
    values: text("values").array().notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.productId, t.position] }),
    uniqueIndex("product_options_name_unique").on(t.productId, sql`lower(${t.name})`),
    check("product_options_at_most_three", sql`${t.position} between 0 and ${sql.raw(String(MAX_PRODUCT_OPTIONS - 1))}`),
    check("product_options_have_values", sql`cardinality(${t.values}) between 1 and 100`),
  ],
);
export type ProductOption = typeof productOptions.$inferSelect;

/**
 * The unit of stock: one SKU of a product ("Trail Shirt, M"), with its option values, price and stock levels.
 * Holds, cart, checkout and order lines and the ledger all name a variant. A variant that has sold is retired,
 * never deleted, so its orders and ledger keep it. Its price is the product's unless set on its own; the
 * product's `price_cents` is kept equal to the lowest of its sold variants' prices (what listings show and sort by).
 */
export const productVariants = pgTable(
  "product_variants",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    productId: uuid("product_id")
      .notNull()
      .references(() => products.id, { onDelete: "cascade" }),
    /** Its product's kind (the (product, kind) key keeps them equal): only a `stock` variant has stock rows. */
    kind: text("kind", { enum: productKinds }).notNull().default("stock"),
    sku: text("sku").notNull(),
    /** Option name → value, e.g. { "Size": "M" }; {} for a product without options. */
    options: jsonb("options").$type<Record<string, string>>().notNull().default({}),
    priceCents: integer("price_cents").notNull(),
    position: integer("position").notNull().default(0),
    /** Set when the variant is no longer sold; its holds, orders and ledger rows keep it. */
    retiredAt: timestamp("retired_at", { withTimezone: true }),
    /** Taking pre-orders: once the shelf is empty, holds and orders may draw on units on their way (incoming). */
    preorder: boolean("preorder").notNull().default(false),
    createdAt: createdAt(),
  },
  (t) => [
    // A SKU names one variant in the whole shop, whatever its letter case.
    uniqueIndex("product_variants_sku_unique").on(sql`lower(${t.sku})`),
    uniqueIndex("product_variants_one_per_combination").on(t.productId, t.options),
    // The target of the (variant, product) foreign keys: a line's variant always belongs to its product.
    uniqueIndex("product_variants_id_product").on(t.id, t.productId),
    index("product_variants_product_idx").on(t.productId, t.position),
    // The target of the (variant, kind) keys: a stock row's variant is a stock one, a kit's component too.
    uniqueIndex("product_variants_id_kind").on(t.id, t.kind),
    foreignKey({ name: "product_variants_kind_of_product", columns: [t.productId, t.kind], foreignColumns: [products.id, products.kind] }).onDelete(
      "cascade",
    ),
    check("product_variants_kind_valid", sql`${t.kind} in ('stock', 'kit')`),
    // The few retired variants, read whole by the stock dashboard (a variant on sale is "not retired"): without it,
    // each poll scanned every variant of a large catalogue to find none.
    index("product_variants_retired_idx").on(t.id).where(sql`${t.retiredAt} is not null`),
    check("product_variants_price_not_negative", sql`${t.priceCents} >= 0`),
    check("product_variants_sku_format", sql`${t.sku} ~ '^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$'`),
    check("product_variants_options_object", sql`jsonb_typeof(${t.options}) = 'object'`),
  ],
);
export type ProductVariant = typeof productVariants.$inferSelect;

/** The (variant, product) foreign key of a per-variant row: the variant exists and belongs to that product. */
function variantOfProduct(name: string, t: { variantId: AnyPgColumn; productId: AnyPgColumn }) {
  return foreignKey({
    name,
    columns: [t.variantId, t.productId],
    foreignColumns: [productVariants.id, productVariants.productId],
  }).onDelete("cascade");
}

/** A kit holds at most this many units of one component per kit. */
export const MAX_KIT_COMPONENT_QUANTITY = 100;

/**
 * What one kit is made of: each component (a stock variant of another product) and how many of it one kit takes.
 * A kit's variant is a `kit` one and each component a `stock` one (the (variant, kind) keys), so a kit inside a
 * kit, or a kit of itself, cannot be written.
 */
export const kitComponents = pgTable(
  "kit_components",
  {
    kitVariantId: uuid("kit_variant_id").notNull(),
    kitKind: text("kit_kind", { enum: productKinds }).notNull().default("kit"),
    componentVariantId: uuid("component_variant_id").notNull(),
    componentProductId: uuid("component_product_id").notNull(),
    componentKind: text("component_kind", { enum: productKinds }).notNull().default("stock"),
    quantity: integer("quantity").notNull(),
    position: integer("position").notNull().default(0),
  },
  (t) => [
    primaryKey({ columns: [t.kitVariantId, t.componentVariantId] }),
    check("kit_components_kit_is_kit", sql`${t.kitKind} = 'kit'`),
    check("kit_components_component_is_stock", sql`${t.componentKind} = 'stock'`),
    check("kit_components_quantity_range", sql`${t.quantity} between 1 and ${sql.raw(String(MAX_KIT_COMPONENT_QUANTITY))}`),
    foreignKey({
      name: "kit_components_kit_fk",
      columns: [t.kitVariantId, t.kitKind],
      foreignColumns: [productVariants.id, productVariants.kind],
    }).onDelete("cascade"),
    foreignKey({
      name: "kit_components_component_kind_fk",
      columns: [t.componentVariantId, t.componentKind],
      foreignColumns: [productVariants.id, productVariants.kind],
    }),
    foreignKey({
      name: "kit_components_component_fk",
      columns: [t.componentVariantId, t.componentProductId],
      foreignColumns: [productVariants.id, productVariants.productId],
    }),
    // The kits a variant is part of (their availability moves with its stock).
    index("kit_components_component_idx").on(t.componentVariantId),
  ],
);
export type KitComponent = typeof kitComponents.$inferSelect;

/**
 * The (variant, location, product) foreign key of a hold or ledger row: its stock row exists, and the variant
 * belongs to that product (the stock row's own key says so).
 */
function stockRowOf(name: string, t: { variantId: AnyPgColumn; locationId: AnyPgColumn; productId: AnyPgColumn }) {
  return foreignKey({
    name,
    columns: [t.variantId, t.locationId, t.productId],
    foreignColumns: [stockLevels.variantId, stockLevels.locationId, stockLevels.productId],
  }).onDelete("cascade");
}

/**
 * Where stock is kept: a warehouse, a back room, a shop floor. A hold takes each line from the active locations,
 * lowest priority first (ties by id), splitting it when one is short. Every shop starts with one, "Main".
 * A location is never deleted (its ledger names it); it is deactivated instead: no new holds there.
 */
export const locations = pgTable(
  "locations",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    name: text("name").notNull(),
    priority: integer("priority").notNull().default(0),
    active: boolean("active").notNull().default(true),
    createdAt: createdAt(),
  },
  (t) => [
    check("locations_name_valid", sql`length(btrim(${t.name})) between 1 and 80`),
    check("locations_priority_range", sql`${t.priority} between -1000000 and 1000000`),
    uniqueIndex("locations_name_unique").on(sql`lower(${t.name})`),
  ],
);
export type Location = typeof locations.$inferSelect;

/** "Main", the location every shop starts with: migration 0009 creates it with this id. */
export const MAIN_LOCATION_ID = "00000000-0000-4000-8000-000000000001";

/**
 * One row per variant and location: the counters that every hold locks. available = sellable - reserved - allocated,
 * where sellable is what is on hand, plus (for a variant taking pre-orders) what is on its way (lib/inventory's
 * `sellableUnits`).
 * `reserved` may include holds whose time ran out but that no one has released yet; readers subtract those
 * (see lib/inventory/stock.ts), and every writer releases them first while it holds the row lock.
 */
export const stockLevels = pgTable(
  "stock_levels",
  {
    variantId: uuid("variant_id").notNull(),
    locationId: uuid("location_id")
      .notNull()
      .references(() => locations.id),
    /** The variant's product, kept beside it so a product's sums need no join. */
    productId: uuid("product_id").notNull(),
    /** Always `stock`: the (variant, kind) key keeps a kit (no stock of its own) from having stock rows. */
    variantKind: text("variant_kind", { enum: productKinds }).notNull().default("stock"),
    onHand: integer("on_hand").notNull().default(0),
    reserved: integer("reserved").notNull().default(0),
    allocated: integer("allocated").notNull().default(0),
    /** Units on their way here: the open incoming deliveries' units still expected (lib/inventory/incoming.ts). */
    incoming: integer("incoming").notNull().default(0),
    /** The variant's `preorder` flag, kept on the row the hold locks (set with it, by lib/inventory). */
    preorder: boolean("preorder").notNull().default(false),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    check("stock_on_hand_not_negative", sql`${t.onHand} >= 0`),
    check("stock_reserved_not_negative", sql`${t.reserved} >= 0`),
    check("stock_allocated_not_negative", sql`${t.allocated} >= 0`),
    check("stock_incoming_not_negative", sql`${t.incoming} >= 0`),
    // Pre-orders may be sold against units on their way, never against units that are not coming.
    check("stock_never_oversold", sql`${t.reserved} + ${t.allocated} <= ${t.onHand} + ${t.incoming}`),
    primaryKey({ columns: [t.variantId, t.locationId] }),
    variantOfProduct("stock_levels_variant_fk", t),
    check("stock_levels_variant_is_stock", sql`${t.variantKind} = 'stock'`),
    foreignKey({
      name: "stock_levels_variant_kind_fk",
      columns: [t.variantId, t.variantKind],
      foreignColumns: [productVariants.id, productVariants.kind],
    }).onDelete("cascade"),
    index("stock_levels_product_idx").on(t.productId),
    index("stock_levels_location_idx").on(t.locationId),
    // What a hold or ledger row's one foreign key names: its stock row and, with it, the variant's product.
    uniqueIndex("stock_levels_row_of_product").on(t.variantId, t.locationId, t.productId),
  ],
);
export type StockLevel = typeof stockLevels.$inferSelect;

export const deliveryStatuses = ["expected", "received", "cancelled"] as const;

/**
 * Units on their way to a stock row, with the day they are expected. The row's `incoming` is the sum of its open
 * deliveries' `quantity` (what is still expected); receiving moves units from here to on hand, oldest expected
 * first. A variant taking pre-orders sells against them: its pre-orders wait for the deliveries in expected order.
 */
export const incomingDeliveries = pgTable(
  "incoming_deliveries",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    productId: uuid("product_id").notNull(),
    variantId: uuid("variant_id").notNull(),
    locationId: uuid("location_id").notNull(),
    /** Units still expected. */
    quantity: integer("quantity").notNull(),
    /** Units received so far. */
    received: integer("received").notNull().default(0),
    expectedOn: date("expected_on", { mode: "string" }).notNull(),
    status: text("status", { enum: deliveryStatuses }).notNull().default("expected"),
    actorId: uuid("actor_id").references(() => users.id, { onDelete: "set null" }),
    createdAt: createdAt(),
    closedAt: timestamp("closed_at", { withTimezone: true }),
  },
  (t) => [
    stockRowOf("incoming_deliveries_stock_row_fk", t),
    check("incoming_deliveries_quantity_not_negative", sql`${t.quantity} >= 0`),
    check("incoming_deliveries_received_not_negative", sql`${t.received} >= 0`),
    check("incoming_deliveries_status_valid", sql`${t.status} in ('expected', 'received', 'cancelled')`),
    // An open delivery expects something; a closed one expects nothing more.
    check("incoming_deliveries_open_expects", sql`(${t.status} = 'expected') = (${t.quantity} > 0)`),
    index("incoming_deliveries_open_idx").on(t.variantId, t.locationId, t.expectedOn).where(sql`${t.status} = 'expected'`),
  ],
);
export type IncomingDelivery = typeof incomingDeliveries.$inferSelect;

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
    productId: uuid("product_id").notNull(),
    variantId: uuid("variant_id").notNull(),
    quantity: integer("quantity").notNull(),
    addedAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.cartId, t.variantId] }),
    check("cart_lines_quantity_positive", sql`${t.quantity} > 0`),
    variantOfProduct("cart_lines_variant_fk", t),
  ],
);
export type CartLine = typeof cartLines.$inferSelect;

/** The checkout's life, one state machine: see lib/checkout/states.ts for the transitions and moveTo. */
export const checkoutStatuses = ["active", "paying", "completed", "cancelled", "failed", "expired"] as const;
export type CheckoutStatus = (typeof checkoutStatuses)[number];

/** Who ended a checkout: the shopper (cancel), the shop (an admin, a restart), the payment, or the clock. */
export const checkoutEnders = ["shopper", "shop", "payment", "timeout"] as const;
export type CheckoutEnder = (typeof checkoutEnders)[number];

/**
 * A checkout holds its cart's lines (as reservations) until it is paid, cancelled, declined or expires.
 * `expires_at` slides with activity but never past `hard_expires_at`; while `paying` it is the end of the
 * payment window instead (the hold cannot lapse while the provider works).
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
    endedBy: text("ended_by", { enum: checkoutEnders }),
    email: text("email"),
    details: jsonb("details").$type<Record<string, string>>().notNull().default({}),
    // bigint: 50 units of a product priced at the largest integer already pass 2^31 cents.
    totalCents: bigint("total_cents", { mode: "number" }).notNull(),
    startedAt: timestamp("started_at", { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    hardExpiresAt: timestamp("hard_expires_at", { withTimezone: true }).notNull(),
    endedAt: timestamp("ended_at", { withTimezone: true }),
  },
  (t) => [
    check(
      "checkouts_status_valid",
      sql`${t.status} in ('active', 'paying', 'completed', 'cancelled', 'failed', 'expired')`,
    ),
    check("checkouts_ended_by_valid", sql`${t.endedBy} in ('shopper', 'shop', 'payment', 'timeout')`),
    // A live checkout has no ender; an ended one always says who ended it.
    check("checkouts_ender_iff_ended", sql`(${t.status} in ('active', 'paying')) = (${t.endedBy} is null)`),
    check("checkouts_total_not_negative", sql`${t.totalCents} >= 0`),
    check("checkouts_expiry_capped", sql`${t.expiresAt} <= ${t.hardExpiresAt}`),
    // At most one live checkout per cart: a second "Checkout" click can never hold the stock twice, nor start
    // a second checkout while the first one is being paid.
    uniqueIndex("checkouts_one_live_per_cart").on(t.cartId).where(sql`${t.status} in ('active', 'paying')`),
    // "Is this still its cart's latest checkout?" (a superseded checkout can never be paid).
    index("checkouts_cart_started_idx").on(t.cartId, t.startedAt),
    index("checkouts_shopper_idx").on(t.shopperId),
    index("checkouts_active_expiry_idx").on(t.expiresAt).where(sql`${t.status} = 'active'`),
    // Today's held → paid conversion (lib/admin/sales.ts) among a year of checkouts. Only ended checkouts are in it,
    // so starting a checkout (the hold batch) writes no entry; its end does.
    index("checkouts_ended_started_idx")
      .on(t.startedAt)
      .where(sql`${t.status} in ('completed', 'cancelled', 'failed', 'expired')`),
  ],
);
export type Checkout = typeof checkouts.$inferSelect;

export const reservationStatuses = ["active", "released", "expired", "allocated"] as const;
export type ReservationStatus = (typeof reservationStatuses)[number];

/** The holds: who holds how many of which variant, until when. One per variant per checkout. */
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
    productId: uuid("product_id").notNull(),
    variantId: uuid("variant_id").notNull(),
    /** The location whose stock row this hold draws on; a line split over locations is one hold per location. */
    locationId: uuid("location_id").notNull(),
    quantity: integer("quantity").notNull(),
    /**
     * The line's unit price: a kit line's component holds each carry the kit's price (the line is priced once, by
     * the kit, whatever its components).
     */
    unitPriceCents: integer("unit_price_cents").notNull(),
    /** Set on a kit line's holds (one per component and location): the kit, and how many kits the line has. */
    kitVariantId: uuid("kit_variant_id").references(() => productVariants.id),
    kitQuantity: integer("kit_quantity"),
    status: text("status", { enum: reservationStatuses }).notNull().default("active"),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    createdAt: createdAt(),
    endedAt: timestamp("ended_at", { withTimezone: true }),
  },
  (t) => [
    check("reservations_quantity_positive", sql`${t.quantity} > 0`),
    check("reservations_price_not_negative", sql`${t.unitPriceCents} >= 0`),
    check("reservations_status_valid", sql`${t.status} in ('active', 'released', 'expired', 'allocated')`),
    // One hold per line and stock row: a kit's component and the same variant bought alone are two lines.
    unique("reservations_one_per_stock_row_per_line").on(t.checkoutId, t.variantId, t.locationId, t.kitVariantId).nullsNotDistinct(),
    check("reservations_kit_line_complete", sql`(${t.kitVariantId} is null) = (${t.kitQuantity} is null)`),
    check("reservations_kit_quantity_positive", sql`${t.kitQuantity} > 0`),
    // One key for three facts: the stock row exists, at that location, of a variant of that product (one check
    // per hold written, on a row the writer holds locked already).
    stockRowOf("reservations_stock_row_fk", t),
    // Finds a variant's stale holds while its stock row is locked.
    index("reservations_active_variant_expiry_idx")
      .on(t.variantId, t.expiresAt)
      .where(sql`${t.status} = 'active'`),
    // A product's live holds for its listing ("held in other checkouts — may be back by …").
    index("reservations_active_product_expiry_idx")
      .on(t.productId, t.expiresAt)
      .where(sql`${t.status} = 'active'`),
    index("reservations_active_expiry_idx").on(t.expiresAt).where(sql`${t.status} = 'active'`),
  ],
);
export type Reservation = typeof reservations.$inferSelect;

/**
 * partially_fulfilled: some units have shipped, others not yet.
 * partially_refunded / refunded: some of the order's money, or all of it, went back to the shopper (a refund
 * outranks the shipping state; each line still says what shipped).
 * cancelled: the shop gave the order up (its payment failed, or it was refunded in full before anything shipped)
 * and its units went back on sale.
 */
export const orderStatuses = ["paid", "partially_fulfilled", "fulfilled", "partially_refunded", "refunded", "cancelled"] as const;
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
    totalCents: bigint("total_cents", { mode: "number" }).notNull(),
    /** What refunds gave back, or are giving back (recorded before the provider is called): never more than the total. */
    refundedCents: bigint("refunded_cents", { mode: "number" }).notNull().default(0),
    paymentReference: text("payment_reference").notNull(),
    createdAt: createdAt(),
    fulfilledAt: timestamp("fulfilled_at", { withTimezone: true }),
    cancelledAt: timestamp("cancelled_at", { withTimezone: true }),
  },
  (t) => [
    // One order per checkout: a replayed or doubled payment can never allocate twice.
    uniqueIndex("orders_one_per_checkout").on(t.checkoutId),
    check(
      "orders_status_valid",
      sql`${t.status} in ('paid', 'partially_fulfilled', 'fulfilled', 'partially_refunded', 'refunded', 'cancelled')`,
    ),
    check("orders_total_not_negative", sql`${t.totalCents} >= 0`),
    // The captured total is the most that can ever be refunded.
    check("orders_total_refunded_within", sql`${t.refundedCents} between 0 and ${t.totalCents}`),
    index("orders_shopper_idx").on(t.shopperId),
    // Guest order lookup by email and joining guest orders to an account with the same email.
    index("orders_email_idx").on(sql`lower(${t.email})`),
    // The admin's order list, newest first a page at a time (read backwards: desc, nulls first, as the list
    // sorts), and the sweep's "orders of the last day" (0010).
    index("orders_created_idx").on(t.createdAt, t.id),
  ],
);
export type Order = typeof orders.$inferSelect;

export const orderLines = pgTable(
  "order_lines",
  {
    orderId: uuid("order_id")
      .notNull()
      .references(() => orders.id, { onDelete: "cascade" }),
    productId: uuid("product_id").notNull(),
    variantId: uuid("variant_id").notNull(),
    /** The product's name, the SKU and option values when it was sold: a later change never alters a past order. */
    name: text("name").notNull(),
    sku: text("sku").notNull(),
    options: jsonb("options").$type<Record<string, string>>().notNull().default({}),
    quantity: integer("quantity").notNull(),
    unitPriceCents: integer("unit_price_cents").notNull(),
    /** Units refunded (shipped or not), and of those shipped, the units that came back and were put on the shelf. */
    refunded: integer("refunded").notNull().default(0),
    returned: integer("returned").notNull().default(0),
  },
  (t) => [
    primaryKey({ columns: [t.orderId, t.variantId] }),
    // Sold history is never deleted with its variant: no cascade (a sold variant is retired instead).
    foreignKey({
      name: "order_lines_variant_fk",
      columns: [t.variantId, t.productId],
      foreignColumns: [productVariants.id, productVariants.productId],
    }),
    check("order_lines_quantity_positive", sql`${t.quantity} > 0`),
    check("order_lines_price_not_negative", sql`${t.unitPriceCents} >= 0`),
    check("order_lines_refunded_range", sql`${t.refunded} between 0 and ${t.quantity}`),
    check("order_lines_returned_range", sql`${t.returned} between 0 and ${t.refunded}`),
  ],
);
export type OrderLine = typeof orderLines.$inferSelect;

/**
 * Where an order line's units are allocated: one row per location the hold drew on (written by lib/inventory when
 * the order is placed). Fulfilling takes them from there; `fulfilled` counts the units shipped from that location.
 */
export const orderAllocations = pgTable(
  "order_allocations",
  {
    orderId: uuid("order_id").notNull(),
    productId: uuid("product_id").notNull(),
    variantId: uuid("variant_id").notNull(),
    locationId: uuid("location_id")
      .notNull()
      .references(() => locations.id),
    quantity: integer("quantity").notNull(),
    fulfilled: integer("fulfilled").notNull().default(0),
    /** Units that left the order unshipped (refunded or cancelled): put back on sale, or written off. */
    released: integer("released").notNull().default(0),
    /** Set for a kit's component: the kit the order line sold. */
    kitVariantId: uuid("kit_variant_id"),
    /** The order line these units belong to: the kit's for a component, else the variant's own. */
    lineVariantId: uuid("line_variant_id")
      .notNull()
      .generatedAlwaysAs(sql`coalesce(kit_variant_id, variant_id)`),
  },
  (t) => [
    unique("order_allocations_one_per_stock_row_per_line").on(t.orderId, t.variantId, t.locationId, t.kitVariantId).nullsNotDistinct(),
    foreignKey({
      name: "order_allocations_line_fk",
      columns: [t.orderId, t.lineVariantId],
      foreignColumns: [orderLines.orderId, orderLines.variantId],
    }).onDelete("cascade"),
    check("order_allocations_quantity_positive", sql`${t.quantity} > 0`),
    check(
      "order_allocations_fulfilled_range",
      sql`${t.fulfilled} >= 0 and ${t.released} >= 0 and ${t.fulfilled} + ${t.released} <= ${t.quantity}`,
    ),
    // The packing view: what is still to ship from each location.
    index("order_allocations_unshipped_idx")
      .on(t.locationId, t.orderId)
      .where(sql`${t.fulfilled} + ${t.released} < ${t.quantity}`),
  ],
);
export type OrderAllocation = typeof orderAllocations.$inferSelect;

export const paymentStatuses = ["processing", "authorized", "captured", "declined", "voided", "refunded", "failed"] as const;
export type PaymentStatus = (typeof paymentStatuses)[number];

/**
 * One row per payment attempt, written before the provider is called (lib/checkout/pay.ts), so a crash
 * at any point leaves a record that the recovery sweep settles by asking the provider. The provider's
 * idempotency key is derived from this row's id. `request_key` is the client's Idempotency-Key: the same key
 * again gets this attempt's answer.
 *   processing → authorized → captured (→ refunded), or → declined | voided | failed
 */
export const payments = pgTable(
  "payments",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    checkoutId: uuid("checkout_id")
      .notNull()
      .references(() => checkouts.id, { onDelete: "cascade" }),
    shopperId: uuid("shopper_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    requestKey: text("request_key").notNull(),
    provider: text("provider").notNull(),
    providerReference: text("provider_reference"),
    amountCents: bigint("amount_cents", { mode: "number" }).notNull(),
    status: text("status", { enum: paymentStatuses }).notNull().default("processing"),
    declineCode: text("decline_code"),
    declineMessage: text("decline_message"),
    /** When the money came but the stock could not be kept: what was short (the answer to a replay). */
    shortLines: jsonb("short_lines").$type<{ productId: string; variantId?: string; sku?: string; requested: number; available: number; name?: string }[]>(),
    orderId: uuid("order_id").references(() => orders.id),
    createdAt: createdAt(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
    settledAt: timestamp("settled_at", { withTimezone: true }),
    /**
     * When a settler took on the provider call that follows a settlement (capture, void or refund): the others
     * leave it to that one until it is recorded, or until the claim is old enough that its settler must have died.
     */
    stepClaimedAt: timestamp("step_claimed_at", { withTimezone: true }),
  },
  (t) => [
    uniqueIndex("payments_request_key_unique").on(t.checkoutId, t.requestKey),
    // At most one payment per checkout with the provider at a time, and never two captured.
    uniqueIndex("payments_one_live_per_checkout")
      .on(t.checkoutId)
      .where(sql`${t.status} in ('processing', 'authorized')`),
    uniqueIndex("payments_one_captured_per_checkout").on(t.checkoutId).where(sql`${t.status} = 'captured'`),
    uniqueIndex("payments_one_per_order").on(t.orderId),
    index("payments_unsettled_idx")
      .on(t.updatedAt)
      .where(sql`${t.status} in ('processing', 'authorized')`),
    check(
      "payments_status_valid",
      sql`${t.status} in ('processing', 'authorized', 'captured', 'declined', 'voided', 'refunded', 'failed')`,
    ),
    check("payments_amount_not_negative", sql`${t.amountCents} >= 0`),
    // Money taken always has its order; a decline always says why.
    check("payments_captured_has_order", sql`${t.status} <> 'captured' or ${t.orderId} is not null`),
    check("payments_declined_has_code", sql`${t.status} <> 'declined' or ${t.declineCode} is not null`),
  ],
);
export type Payment = typeof payments.$inferSelect;

/**
 * The built-in test payment provider's own records: it stands in for a remote provider's database, so what it
 * authorized or captured under an idempotency key survives a crash of the shop (lib/payments/test-provider.ts).
 * The shop's code never reads this table; it asks the provider.
 */
export const testProviderPayments = pgTable("test_provider_payments", {
  idempotencyKey: text("idempotency_key").primaryKey(),
  reference: text("reference").notNull().unique(),
  amountCents: bigint("amount_cents", { mode: "number" }).notNull(),
  cardLast4: text("card_last4").notNull(),
  status: text("status", {
    enum: ["processing", "authorized", "captured", "declined", "voided", "refunded"],
  }).notNull(),
  declineCode: text("decline_code"),
  declineMessage: text("decline_message"),
  /** Where a "processing" payment ends up when its time comes (the async test cards). */
  finalStatus: text("final_status", { enum: ["authorized", "declined"] }),
  settlesAt: timestamp("settles_at", { withTimezone: true }),
  /** Webhook delivery: due time, attempts made, when the shop answered 2xx. */
  webhookDueAt: timestamp("webhook_due_at", { withTimezone: true }),
  webhookAttempts: integer("webhook_attempts").notNull().default(0),
  webhookDeliveredAt: timestamp("webhook_delivered_at", { withTimezone: true }),
  createdAt: createdAt(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

/**
 * Every call the shop made to the test provider, in order: what a real provider's request log shows, so a test
 * can assert "captured exactly once" by count.
 */
export const testProviderCalls = pgTable(
  "test_provider_calls",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    idempotencyKey: text("idempotency_key").notNull(),
    call: text("call", { enum: ["authorize", "capture", "void", "refund", "lookup"] }).notNull(),
    /** What the call answered (the payment's status after it), or the error it raised. */
    outcome: text("outcome").notNull(),
    createdAt: createdAt(),
  },
  (t) => [index("test_provider_calls_key_idx").on(t.idempotencyKey, t.call)],
);

/**
 * The test provider's refunds, one per refund idempotency key, kept like its payments (a remote provider's
 * record): the same key again is the same refund, and the refunds of a payment never exceed what it captured.
 */
export const testProviderRefunds = pgTable("test_provider_refunds", {
  idempotencyKey: text("idempotency_key").primaryKey(),
  reference: text("reference").notNull().unique(),
  paymentKey: text("payment_key")
    .notNull()
    .references(() => testProviderPayments.idempotencyKey),
  amountCents: bigint("amount_cents", { mode: "number" }).notNull(),
  status: text("status", { enum: ["succeeded"] }).notNull(),
  webhookDueAt: timestamp("webhook_due_at", { withTimezone: true }),
  webhookAttempts: integer("webhook_attempts").notNull().default(0),
  webhookDeliveredAt: timestamp("webhook_delivered_at", { withTimezone: true }),
  createdAt: createdAt(),
});

export const refundStatuses = ["processing", "succeeded", "failed"] as const;
export type RefundStatus = (typeof refundStatuses)[number];

/** What one refund gave back of a line: units, and how they were dealt with. */
export type RefundLine = {
  variantId: string;
  quantity: number;
  /** Unshipped units put back on sale (restock) or written off. */
  unshipped: number;
  /** Shipped units refunded; `returned` of them came back onto the shelf. */
  shipped: number;
  returned: number;
};

/**
 * One row per refund (a cancellation is a refund of everything), written with its stock changes before the
 * provider is called, like a payment: the provider's idempotency key derives from this row's id, so a crash at
 * any point is settled afterwards by asking the provider (lib/payments/recovery.ts). `request_key` is the
 * admin's Idempotency-Key: the same key again gets this refund's answer.
 *   processing → succeeded, or → failed (the provider refused it; the money stayed)
 */
export const refunds = pgTable(
  "refunds",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    orderId: uuid("order_id")
      .notNull()
      .references(() => orders.id),
    paymentId: uuid("payment_id")
      .notNull()
      .references(() => payments.id),
    requestKey: text("request_key").notNull(),
    amountCents: bigint("amount_cents", { mode: "number" }).notNull(),
    status: text("status", { enum: refundStatuses }).notNull().default("processing"),
    lines: jsonb("lines").$type<RefundLine[]>().notNull(),
    restock: boolean("restock").notNull(),
    reason: text("reason").notNull(),
    /** The refund that cancelled the order. */
    cancellation: boolean("cancellation").notNull().default(false),
    actorId: uuid("actor_id").references(() => users.id, { onDelete: "set null" }),
    providerReference: text("provider_reference"),
    createdAt: createdAt(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
    settledAt: timestamp("settled_at", { withTimezone: true }),
  },
  (t) => [
    uniqueIndex("refunds_request_key_unique").on(t.orderId, t.requestKey),
    index("refunds_order_idx").on(t.orderId),
    index("refunds_unsettled_idx").on(t.updatedAt).where(sql`${t.status} = 'processing'`),
    // Today's refunds on the dashboard (lib/admin/sales.ts), among every refund the shop has made.
    index("refunds_succeeded_settled_idx").on(t.settledAt).where(sql`${t.status} = 'succeeded'`),
    check("refunds_status_valid", sql`${t.status} in ('processing', 'succeeded', 'failed')`),
    check("refunds_amount_positive", sql`${t.amountCents} > 0`),
  ],
);
export type Refund = typeof refunds.$inferSelect;

/** One shipment of an order: what left (line units), with the carrier and tracking number the shopper is told. */
export const shipments = pgTable(
  "shipments",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    orderId: uuid("order_id")
      .notNull()
      .references(() => orders.id),
    lines: jsonb("lines").$type<{ variantId: string; quantity: number }[]>().notNull(),
    carrier: text("carrier"),
    trackingNumber: text("tracking_number"),
    actorId: uuid("actor_id").references(() => users.id, { onDelete: "set null" }),
    createdAt: createdAt(),
  },
  (t) => [index("shipments_order_idx").on(t.orderId)],
);
export type Shipment = typeof shipments.$inferSelect;

export const movementKinds = [
  "receive", // opening stock and restocks
  "write_off",
  "reserve",
  "release", // cancel, decline, admin release, cart change
  "expire",
  "allocate", // a paid hold becomes an order's stock
  "fulfil", // an order's stock leaves the shelf
  "transfer", // free units move between locations: one row out (negative), one row in
  "incoming", // units on their way are recorded (or a delivery is cancelled): only incoming changes
  "return", // shipped units came back (a refund with restock): on hand up
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
    productId: uuid("product_id").notNull(),
    variantId: uuid("variant_id").notNull(),
    locationId: uuid("location_id").notNull(),
    kind: text("kind", { enum: movementKinds }).notNull(),
    onHandDelta: integer("on_hand_delta").notNull().default(0),
    reservedDelta: integer("reserved_delta").notNull().default(0),
    allocatedDelta: integer("allocated_delta").notNull().default(0),
    incomingDelta: integer("incoming_delta").notNull().default(0),
    reason: text("reason"),
    actorId: uuid("actor_id").references(() => users.id, { onDelete: "set null" }),
    checkoutId: uuid("checkout_id"),
    orderId: uuid("order_id"),
    /** The kit a component moved for (its hold, sale, release or shipment), when it was sold as part of one. */
    kitVariantId: uuid("kit_variant_id"),
    /** The incoming delivery recorded, received or cancelled. */
    deliveryId: uuid("delivery_id"),
    createdAt: createdAt(),
  },
  (t) => [
    check(
      "stock_movements_kind_valid",
      sql`${t.kind} in ('receive', 'write_off', 'reserve', 'release', 'expire', 'allocate', 'fulfil', 'transfer', 'incoming', 'return')`,
    ),
    stockRowOf("stock_movements_stock_row_fk", t),
    index("stock_movements_product_idx").on(t.productId, t.id),
    index("stock_movements_variant_idx").on(t.variantId, t.id),
    // One order's ledger rows on its page: those naming the order, and its checkout's holds (0010).
    index("stock_movements_order_idx").on(t.orderId).where(sql`${t.orderId} is not null`),
    index("stock_movements_checkout_idx").on(t.checkoutId).where(sql`${t.checkoutId} is not null`),
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

/**
 * How many checkout starts ended in each outcome, per minute, across every app server: the admin dashboard's
 * "last hour" chart. Written once per batch of holds, after its commit (lib/inventory/hold-outcome-counts.ts); a count
 * (up to 2^63 − 1), so it cannot overflow.
 */
export const holdOutcomeCounts = pgTable(
  "hold_outcome_counts",
  {
    minute: timestamp("minute", { withTimezone: true }).notNull(),
    outcome: text("outcome").notNull(),
    n: bigint("n", { mode: "number" }).notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.minute, t.outcome] })],
);

/**
 * Every payment webhook event the shop has accepted, by the provider's event id: a replayed or duplicated event
 * is recognised and answered 200 without being applied twice (lib/payments/webhooks.ts).
 */
export const paymentEvents = pgTable(
  "payment_events",
  {
    provider: text("provider").notNull(),
    eventId: text("event_id").notNull(),
    type: text("type").notNull(),
    paymentId: uuid("payment_id").references(() => payments.id, { onDelete: "set null" }),
    receivedAt: timestamp("received_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.provider, t.eventId] })],
);

export const emailKinds = [
  "order_confirmation",
  "back_in_stock",
  "verify_email",
  "reset_password",
  "order_shipped",
  "order_refunded",
  "order_cancelled",
  "line_offer",
] as const;
export type EmailKind = (typeof emailKinds)[number];

/** pending → sending (claimed by one drain) → sent, or back to pending with a later retry, or failed for good;
 * kept = no SMTP_URL, so the email stays here for the demo (read at /admin/outbox). */
export const emailStatuses = ["pending", "sending", "sent", "failed", "kept"] as const;
export type EmailStatus = (typeof emailStatuses)[number];

/**
 * Every email the shop sends, written in the transaction that causes it and sent later by the sweep
 * (lib/mail/send.ts), so no request ever waits on a mail server. `dedupe_key` makes each email queued once.
 */
export const emailOutbox = pgTable(
  "email_outbox",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    kind: text("kind", { enum: emailKinds }).notNull(),
    recipient: text("recipient").notNull(),
    subject: text("subject").notNull(),
    textBody: text("text_body").notNull(),
    htmlBody: text("html_body").notNull(),
    dedupeKey: text("dedupe_key").notNull(),
    status: text("status", { enum: emailStatuses }).notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    /** When a pending email is due, or when a claimed one's claim lapses (a drain that died mid-send). */
    nextAttemptAt: timestamp("next_attempt_at", { withTimezone: true }).notNull().defaultNow(),
    sentAt: timestamp("sent_at", { withTimezone: true }),
    lastError: text("last_error"),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("email_outbox_dedupe_key_unique").on(t.dedupeKey),
    check(
      "email_outbox_kind_valid",
      sql`${t.kind} in ('order_confirmation', 'back_in_stock', 'verify_email', 'reset_password', 'order_shipped', 'order_refunded', 'order_cancelled', 'line_offer')`,
    ),
    check("email_outbox_status_valid", sql`${t.status} in ('pending', 'sending', 'sent', 'failed', 'kept')`),
    check("email_outbox_attempts_not_negative", sql`${t.attempts} >= 0`),
    index("email_outbox_due_idx").on(t.nextAttemptAt).where(sql`${t.status} in ('pending', 'sending')`),
    index("email_outbox_created_idx").on(t.createdAt),
  ],
);
export type OutboxEmail = typeof emailOutbox.$inferSelect;

/**
 * "Notify me when it's back": one waiting shopper per product and email. The sweep emails the oldest ones when
 * units come back, never more than are available (lib/catalog/back-in-stock.ts).
 */
export const backInStockRequests = pgTable(
  "back_in_stock_requests",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    productId: uuid("product_id")
      .notNull()
      .references(() => products.id, { onDelete: "cascade" }),
    email: text("email").notNull(),
    shopperId: uuid("shopper_id").references(() => users.id, { onDelete: "set null" }),
    createdAt: createdAt(),
    notifiedAt: timestamp("notified_at", { withTimezone: true }),
  },
  (t) => [
    // One waiting request per product and address: asking twice keeps the first place in the queue.
    uniqueIndex("back_in_stock_one_waiting").on(t.productId, sql`lower(${t.email})`).where(sql`${t.notifiedAt} is null`),
    index("back_in_stock_waiting_idx").on(t.productId, t.createdAt).where(sql`${t.notifiedAt} is null`),
    index("back_in_stock_notified_idx").on(t.productId, t.notifiedAt).where(sql`${t.notifiedAt} is not null`),
  ],
);
export type BackInStockRequest = typeof backInStockRequests.$inferSelect;

/**
 * The line for contended stock: a shopper whose checkout start was refused because others hold what the cart
 * needs waits here, in `seq` order. Units freed on a variant with waiting tickets go to the oldest tickets they
 * complete, in the transaction that frees them (lib/inventory/line): the ticket becomes `offered` with a new
 * checkout holding its cart. An offer not taken lapses with its checkout (the ticket reads as `lapsed` then).
 *   waiting → offered | left;  offered → left
 */
export const queueTicketStatuses = ["waiting", "offered", "left"] as const;
export type QueueTicketStatus = (typeof queueTicketStatuses)[number];

export const queueTickets = pgTable(
  "queue_tickets",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    /** The line's order: first joined, first served. */
    seq: bigint("seq", { mode: "number" }).notNull().generatedAlwaysAsIdentity(),
    shopperId: uuid("shopper_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** Where the offer is emailed: the guest's email, or the account's. */
    email: text("email"),
    status: text("status", { enum: queueTicketStatuses }).notNull().default("waiting"),
    /** The checkout made for this shopper when the units arrived. */
    checkoutId: uuid("checkout_id").references(() => checkouts.id, { onDelete: "set null" }),
    createdAt: createdAt(),
    offeredAt: timestamp("offered_at", { withTimezone: true }),
    endedAt: timestamp("ended_at", { withTimezone: true }),
  },
  (t) => [
    check("queue_tickets_status_valid", sql`${t.status} in ('waiting', 'offered', 'left')`),
    // waiting: neither offered nor ended; offered: since offered_at, not ended; left: ended.
    check(
      "queue_tickets_times",
      sql`case ${t.status} when 'waiting' then ${t.offeredAt} is null and ${t.endedAt} is null when 'offered' then ${t.offeredAt} is not null and ${t.endedAt} is null else ${t.endedAt} is not null end`,
    ),
    // One waiting ticket per shopper: joining twice returns the first.
    uniqueIndex("queue_tickets_one_waiting_per_shopper").on(t.shopperId).where(sql`${t.status} = 'waiting'`),
    uniqueIndex("queue_tickets_one_per_checkout").on(t.checkoutId),
    index("queue_tickets_shopper_idx").on(t.shopperId, t.createdAt),
    // The admin's recent hand-ons.
    index("queue_tickets_offered_idx").on(t.offeredAt).where(sql`${t.offeredAt} is not null`),
  ],
);
export type QueueTicket = typeof queueTickets.$inferSelect;

/**
 * The cart lines a ticket waits for (as they were when it joined; the cart is read again when units arrive).
 * `seq` and `waiting` copy the ticket's, so "who waits for this variant, in order" is one index range.
 */
export const queueTicketLines = pgTable(
  "queue_ticket_lines",
  {
    ticketId: uuid("ticket_id")
      .notNull()
      .references(() => queueTickets.id, { onDelete: "cascade" }),
    seq: bigint("seq", { mode: "number" }).notNull(),
    productId: uuid("product_id").notNull(),
    variantId: uuid("variant_id").notNull(),
    quantity: integer("quantity").notNull(),
    waiting: boolean("waiting").notNull().default(true),
  },
  (t) => [
    primaryKey({ columns: [t.ticketId, t.variantId] }),
    check("queue_ticket_lines_quantity_positive", sql`${t.quantity} > 0`),
    variantOfProduct("queue_ticket_lines_variant_fk", t),
    index("queue_ticket_lines_waiting_idx").on(t.variantId, t.seq).where(sql`${t.waiting}`),
  ],
);
export type QueueTicketLine = typeof queueTicketLines.$inferSelect;
