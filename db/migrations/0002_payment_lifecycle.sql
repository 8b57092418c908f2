CREATE TABLE "payments" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"checkout_id" uuid NOT NULL,
	"shopper_id" uuid NOT NULL,
	"request_key" text NOT NULL,
	"provider" text NOT NULL,
	"provider_reference" text,
	"amount_cents" bigint NOT NULL,
	"status" text DEFAULT 'processing' NOT NULL,
	"decline_code" text,
	"decline_message" text,
	"order_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"settled_at" timestamp with time zone,
	CONSTRAINT "payments_status_valid" CHECK ("payments"."status" in ('processing', 'authorized', 'captured', 'declined', 'voided', 'failed')),
	CONSTRAINT "payments_amount_not_negative" CHECK ("payments"."amount_cents" >= 0),
	CONSTRAINT "payments_captured_has_order" CHECK ("payments"."status" <> 'captured' or "payments"."order_id" is not null),
	CONSTRAINT "payments_declined_has_code" CHECK ("payments"."status" <> 'declined' or "payments"."decline_code" is not null)
);
--> statement-breakpoint
CREATE TABLE "test_provider_payments" (
	"idempotency_key" text PRIMARY KEY NOT NULL,
	"reference" text NOT NULL,
	"amount_cents" bigint NOT NULL,
	"card_last4" text NOT NULL,
	"status" text NOT NULL,
	"decline_code" text,
	"decline_message" text,
	"final_status" text,
	"settles_at" timestamp with time zone,
	"webhook_due_at" timestamp with time zone,
	"webhook_attempts" integer DEFAULT 0 NOT NULL,
	"webhook_delivered_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "test_provider_payments_reference_unique" UNIQUE("reference")
);
--> statement-breakpoint
ALTER TABLE "checkouts" DROP CONSTRAINT "checkouts_status_valid";--> statement-breakpoint
DROP INDEX "checkouts_one_active_per_cart";--> statement-breakpoint
ALTER TABLE "checkouts" ALTER COLUMN "total_cents" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "orders" ALTER COLUMN "total_cents" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "checkouts" ADD COLUMN "ended_by" text;--> statement-breakpoint
ALTER TABLE "payments" ADD CONSTRAINT "payments_checkout_id_checkouts_id_fk" FOREIGN KEY ("checkout_id") REFERENCES "public"."checkouts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payments" ADD CONSTRAINT "payments_shopper_id_users_id_fk" FOREIGN KEY ("shopper_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payments" ADD CONSTRAINT "payments_order_id_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "public"."orders"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "payments_request_key_unique" ON "payments" USING btree ("checkout_id","request_key");--> statement-breakpoint
CREATE UNIQUE INDEX "payments_one_live_per_checkout" ON "payments" USING btree ("checkout_id") WHERE "payments"."status" in ('processing', 'authorized');--> statement-breakpoint
CREATE UNIQUE INDEX "payments_one_captured_per_checkout" ON "payments" USING btree ("checkout_id") WHERE "payments"."status" = 'captured';--> statement-breakpoint
CREATE UNIQUE INDEX "payments_one_per_order" ON "payments" USING btree ("order_id");--> statement-breakpoint
CREATE INDEX "payments_unsettled_idx" ON "payments" USING btree ("updated_at") WHERE "payments"."status" in ('processing', 'authorized');--> statement-breakpoint
CREATE UNIQUE INDEX "checkouts_one_live_per_cart" ON "checkouts" USING btree ("cart_id") WHERE "checkouts"."status" in ('active', 'paying');--> statement-breakpoint
CREATE INDEX "checkouts_cart_started_idx" ON "checkouts" USING btree ("cart_id","started_at");--> statement-breakpoint
-- Checkouts that ended before this migration: say who ended them, as the lifecycle now records it.
UPDATE "checkouts" SET "ended_by" = CASE "status"
  WHEN 'expired' THEN 'timeout' WHEN 'cancelled' THEN 'shopper' ELSE 'payment' END
WHERE "status" NOT IN ('active', 'paying');--> statement-breakpoint
ALTER TABLE "checkouts" ADD CONSTRAINT "checkouts_ended_by_valid" CHECK ("checkouts"."ended_by" in ('shopper', 'shop', 'payment', 'timeout'));--> statement-breakpoint
ALTER TABLE "checkouts" ADD CONSTRAINT "checkouts_ender_iff_ended" CHECK (("checkouts"."status" in ('active', 'paying')) = ("checkouts"."ended_by" is null));--> statement-breakpoint
ALTER TABLE "checkouts" ADD CONSTRAINT "checkouts_status_valid" CHECK ("checkouts"."status" in ('active', 'paying', 'completed', 'cancelled', 'failed', 'expired'));