-- Indexes for the dashboard's "today" figures (lib/admin/sales.ts) in a shop with years of checkouts and refunds.
-- Built CONCURRENTLY, so a grown shop keeps selling while they build (db/migrate.ts, as for 0010).
CREATE INDEX CONCURRENTLY IF NOT EXISTS "checkouts_ended_started_idx" ON "checkouts" USING btree ("started_at") WHERE "checkouts"."status" in ('completed', 'cancelled', 'failed', 'expired');--> statement-breakpoint
CREATE INDEX CONCURRENTLY IF NOT EXISTS "refunds_succeeded_settled_idx" ON "refunds" USING btree ("settled_at") WHERE "refunds"."status" = 'succeeded';
