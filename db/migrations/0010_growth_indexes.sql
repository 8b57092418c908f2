-- Indexes for a shop with years of records, and for a large catalogue's stock dashboard (its few retired variants).
-- Built CONCURRENTLY, so a grown shop keeps selling while they build: db/migrate.ts runs a migration made only of
-- CREATE INDEX CONCURRENTLY statements outside its transaction.
CREATE INDEX CONCURRENTLY IF NOT EXISTS "orders_created_idx" ON "orders" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX CONCURRENTLY IF NOT EXISTS "stock_movements_order_idx" ON "stock_movements" USING btree ("order_id") WHERE "stock_movements"."order_id" is not null;--> statement-breakpoint
CREATE INDEX CONCURRENTLY IF NOT EXISTS "stock_movements_checkout_idx" ON "stock_movements" USING btree ("checkout_id") WHERE "stock_movements"."checkout_id" is not null;--> statement-breakpoint
CREATE INDEX CONCURRENTLY IF NOT EXISTS "product_variants_retired_idx" ON "product_variants" USING btree ("id") WHERE "product_variants"."retired_at" is not null;
