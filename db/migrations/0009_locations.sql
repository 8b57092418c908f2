CREATE TABLE "locations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"priority" integer DEFAULT 0 NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "locations_name_valid" CHECK (length(btrim("locations"."name")) between 1 and 80),
	CONSTRAINT "locations_priority_range" CHECK ("locations"."priority" between -1000000 and 1000000)
);
--> statement-breakpoint
CREATE UNIQUE INDEX "locations_name_unique" ON "locations" USING btree (lower("name"));--> statement-breakpoint
-- Every shop, new or migrated, has one location, "Main", holding all its stock. Its id is fixed so that the
-- columns below can name it as a constant default: adding a column with a constant default rewrites no row (and
-- so leaves the append-only ledger untouched); the default is dropped right after.
INSERT INTO "locations" ("id", "name", "priority") VALUES ('00000000-0000-4000-8000-000000000001', 'Main', 0);--> statement-breakpoint
ALTER TABLE "stock_levels" ADD COLUMN "location_id" uuid DEFAULT '00000000-0000-4000-8000-000000000001' NOT NULL;--> statement-breakpoint
ALTER TABLE "stock_levels" ALTER COLUMN "location_id" DROP DEFAULT;--> statement-breakpoint
ALTER TABLE "reservations" ADD COLUMN "location_id" uuid DEFAULT '00000000-0000-4000-8000-000000000001' NOT NULL;--> statement-breakpoint
ALTER TABLE "reservations" ALTER COLUMN "location_id" DROP DEFAULT;--> statement-breakpoint
ALTER TABLE "stock_movements" ADD COLUMN "location_id" uuid DEFAULT '00000000-0000-4000-8000-000000000001' NOT NULL;--> statement-breakpoint
ALTER TABLE "stock_movements" ALTER COLUMN "location_id" DROP DEFAULT;--> statement-breakpoint
ALTER TABLE "stock_levels" DROP CONSTRAINT "stock_levels_pkey";--> statement-breakpoint
ALTER TABLE "stock_levels" ADD CONSTRAINT "stock_levels_variant_id_location_id_pk" PRIMARY KEY("variant_id","location_id");--> statement-breakpoint
ALTER TABLE "stock_levels" ADD CONSTRAINT "stock_levels_location_id_locations_id_fk" FOREIGN KEY ("location_id") REFERENCES "public"."locations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "stock_levels_location_idx" ON "stock_levels" USING btree ("location_id");--> statement-breakpoint
-- A hold or ledger row names its stock row and the variant's product with one foreign key (one check per row
-- written, on a row its writer holds locked already) instead of a key to the variant and another to the location.
CREATE UNIQUE INDEX "stock_levels_row_of_product" ON "stock_levels" USING btree ("variant_id","location_id","product_id");--> statement-breakpoint
DROP INDEX "reservations_one_per_variant_per_checkout";--> statement-breakpoint
CREATE UNIQUE INDEX "reservations_one_per_stock_row_per_checkout" ON "reservations" USING btree ("checkout_id","variant_id","location_id");--> statement-breakpoint
ALTER TABLE "reservations" DROP CONSTRAINT "reservations_variant_fk";--> statement-breakpoint
ALTER TABLE "reservations" ADD CONSTRAINT "reservations_stock_row_fk" FOREIGN KEY ("variant_id","location_id","product_id") REFERENCES "public"."stock_levels"("variant_id","location_id","product_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "stock_movements" DROP CONSTRAINT "stock_movements_variant_fk";--> statement-breakpoint
ALTER TABLE "stock_movements" ADD CONSTRAINT "stock_movements_stock_row_fk" FOREIGN KEY ("variant_id","location_id","product_id") REFERENCES "public"."stock_levels"("variant_id","location_id","product_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "stock_movements" DROP CONSTRAINT "stock_movements_kind_valid";--> statement-breakpoint
ALTER TABLE "stock_movements" ADD CONSTRAINT "stock_movements_kind_valid" CHECK ("stock_movements"."kind" in ('receive', 'write_off', 'reserve', 'release', 'expire', 'allocate', 'fulfil', 'transfer'));--> statement-breakpoint
ALTER TABLE "orders" DROP CONSTRAINT "orders_status_valid";--> statement-breakpoint
ALTER TABLE "orders" ADD CONSTRAINT "orders_status_valid" CHECK ("orders"."status" in ('paid', 'partially_fulfilled', 'fulfilled', 'cancelled'));--> statement-breakpoint
CREATE TABLE "order_allocations" (
	"order_id" uuid NOT NULL,
	"product_id" uuid NOT NULL,
	"variant_id" uuid NOT NULL,
	"location_id" uuid NOT NULL,
	"quantity" integer NOT NULL,
	"fulfilled" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "order_allocations_order_id_variant_id_location_id_pk" PRIMARY KEY("order_id","variant_id","location_id"),
	CONSTRAINT "order_allocations_quantity_positive" CHECK ("order_allocations"."quantity" > 0),
	CONSTRAINT "order_allocations_fulfilled_range" CHECK ("order_allocations"."fulfilled" between 0 and "order_allocations"."quantity")
);
--> statement-breakpoint
ALTER TABLE "order_allocations" ADD CONSTRAINT "order_allocations_location_id_locations_id_fk" FOREIGN KEY ("location_id") REFERENCES "public"."locations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "order_allocations" ADD CONSTRAINT "order_allocations_line_fk" FOREIGN KEY ("order_id","variant_id") REFERENCES "public"."order_lines"("order_id","variant_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
-- Every past order line was allocated at Main; a shipped order's units all left from there.
INSERT INTO "order_allocations" ("order_id", "product_id", "variant_id", "location_id", "quantity", "fulfilled")
SELECT l."order_id", l."product_id", l."variant_id", '00000000-0000-4000-8000-000000000001', l."quantity",
  CASE WHEN o."status" = 'fulfilled' THEN l."quantity" ELSE 0 END
FROM "order_lines" l JOIN "orders" o ON o."id" = l."order_id";--> statement-breakpoint
CREATE INDEX "order_allocations_unshipped_idx" ON "order_allocations" USING btree ("location_id","order_id") WHERE "order_allocations"."fulfilled" < "order_allocations"."quantity";
