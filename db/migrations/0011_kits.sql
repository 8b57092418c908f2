CREATE TABLE "kit_components" (
	"kit_variant_id" uuid NOT NULL,
	"kit_kind" text DEFAULT 'kit' NOT NULL,
	"component_variant_id" uuid NOT NULL,
	"component_product_id" uuid NOT NULL,
	"component_kind" text DEFAULT 'stock' NOT NULL,
	"quantity" integer NOT NULL,
	"position" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "kit_components_kit_variant_id_component_variant_id_pk" PRIMARY KEY("kit_variant_id","component_variant_id"),
	CONSTRAINT "kit_components_kit_is_kit" CHECK ("kit_components"."kit_kind" = 'kit'),
	CONSTRAINT "kit_components_component_is_stock" CHECK ("kit_components"."component_kind" = 'stock'),
	CONSTRAINT "kit_components_quantity_range" CHECK ("kit_components"."quantity" between 1 and 100)
);--> statement-breakpoint
ALTER TABLE "order_allocations" DROP CONSTRAINT "order_allocations_line_fk";--> statement-breakpoint
DROP INDEX "reservations_one_per_stock_row_per_checkout";--> statement-breakpoint
ALTER TABLE "order_allocations" DROP CONSTRAINT "order_allocations_order_id_variant_id_location_id_pk";--> statement-breakpoint
ALTER TABLE "order_allocations" ADD COLUMN "kit_variant_id" uuid;--> statement-breakpoint
ALTER TABLE "order_allocations" ADD COLUMN "line_variant_id" uuid GENERATED ALWAYS AS (coalesce(kit_variant_id, variant_id)) STORED NOT NULL;--> statement-breakpoint
ALTER TABLE "product_variants" ADD COLUMN "kind" text DEFAULT 'stock' NOT NULL;--> statement-breakpoint
ALTER TABLE "products" ADD COLUMN "kind" text DEFAULT 'stock' NOT NULL;--> statement-breakpoint
-- The targets of the (product, kind) and (variant, kind) keys below.
CREATE UNIQUE INDEX "products_id_kind" ON "products" USING btree ("id","kind");--> statement-breakpoint
CREATE UNIQUE INDEX "product_variants_id_kind" ON "product_variants" USING btree ("id","kind");--> statement-breakpoint
ALTER TABLE "reservations" ADD COLUMN "kit_variant_id" uuid;--> statement-breakpoint
ALTER TABLE "reservations" ADD COLUMN "kit_quantity" integer;--> statement-breakpoint
ALTER TABLE "stock_levels" ADD COLUMN "variant_kind" text DEFAULT 'stock' NOT NULL;--> statement-breakpoint
ALTER TABLE "stock_movements" ADD COLUMN "kit_variant_id" uuid;--> statement-breakpoint
ALTER TABLE "kit_components" ADD CONSTRAINT "kit_components_kit_fk" FOREIGN KEY ("kit_variant_id","kit_kind") REFERENCES "public"."product_variants"("id","kind") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "kit_components" ADD CONSTRAINT "kit_components_component_kind_fk" FOREIGN KEY ("component_variant_id","component_kind") REFERENCES "public"."product_variants"("id","kind") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "kit_components" ADD CONSTRAINT "kit_components_component_fk" FOREIGN KEY ("component_variant_id","component_product_id") REFERENCES "public"."product_variants"("id","product_id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "kit_components_component_idx" ON "kit_components" USING btree ("component_variant_id");--> statement-breakpoint
ALTER TABLE "order_allocations" ADD CONSTRAINT "order_allocations_line_fk" FOREIGN KEY ("order_id","line_variant_id") REFERENCES "public"."order_lines"("order_id","variant_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "product_variants" ADD CONSTRAINT "product_variants_kind_of_product" FOREIGN KEY ("product_id","kind") REFERENCES "public"."products"("id","kind") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reservations" ADD CONSTRAINT "reservations_kit_variant_id_product_variants_id_fk" FOREIGN KEY ("kit_variant_id") REFERENCES "public"."product_variants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "stock_levels" ADD CONSTRAINT "stock_levels_variant_kind_fk" FOREIGN KEY ("variant_id","variant_kind") REFERENCES "public"."product_variants"("id","kind") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "order_allocations" ADD CONSTRAINT "order_allocations_one_per_stock_row_per_line" UNIQUE NULLS NOT DISTINCT("order_id","variant_id","location_id","kit_variant_id");--> statement-breakpoint
ALTER TABLE "reservations" ADD CONSTRAINT "reservations_one_per_stock_row_per_line" UNIQUE NULLS NOT DISTINCT("checkout_id","variant_id","location_id","kit_variant_id");--> statement-breakpoint
ALTER TABLE "product_variants" ADD CONSTRAINT "product_variants_kind_valid" CHECK ("product_variants"."kind" in ('stock', 'kit'));--> statement-breakpoint
ALTER TABLE "products" ADD CONSTRAINT "products_kind_valid" CHECK ("products"."kind" in ('stock', 'kit'));--> statement-breakpoint
ALTER TABLE "reservations" ADD CONSTRAINT "reservations_kit_line_complete" CHECK (("reservations"."kit_variant_id" is null) = ("reservations"."kit_quantity" is null));--> statement-breakpoint
ALTER TABLE "reservations" ADD CONSTRAINT "reservations_kit_quantity_positive" CHECK ("reservations"."kit_quantity" > 0);--> statement-breakpoint
ALTER TABLE "stock_levels" ADD CONSTRAINT "stock_levels_variant_is_stock" CHECK ("stock_levels"."variant_kind" = 'stock');
