ALTER TABLE "payments" DROP CONSTRAINT "payments_status_valid";--> statement-breakpoint
ALTER TABLE "payments" ADD COLUMN "short_lines" jsonb;--> statement-breakpoint
ALTER TABLE "payments" ADD CONSTRAINT "payments_status_valid" CHECK ("payments"."status" in ('processing', 'authorized', 'captured', 'declined', 'voided', 'refunded', 'failed'));--> statement-breakpoint
-- The hold engine now lives in TypeScript and Drizzle (lib/inventory/hold.ts); the ledger's append-only
-- trigger stays.
DROP FUNCTION IF EXISTS stockhold_start_checkouts(jsonb, integer, integer, integer);--> statement-breakpoint
DROP FUNCTION IF EXISTS stockhold_expire_stale_holds_locked(uuid[]);
