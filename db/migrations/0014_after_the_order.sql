CREATE TABLE "refunds" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"order_id" uuid NOT NULL,
	"payment_id" uuid NOT NULL,
	"request_key" text NOT NULL,
	"amount_cents" bigint NOT NULL,
	"status" text DEFAULT 'processing' NOT NULL,
	"lines" jsonb NOT NULL,
	"restock" boolean NOT NULL,
	"reason" text NOT NULL,
	"cancellation" boolean DEFAULT false NOT NULL,
	"actor_id" uuid,
	"provider_reference" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"settled_at" timestamp with time zone,
	CONSTRAINT "refunds_status_valid" CHECK ("refunds"."status" in ('processing', 'succeeded', 'failed')),
	CONSTRAINT "refunds_amount_positive" CHECK ("refunds"."amount_cents" > 0)
);
--> statement-breakpoint
CREATE TABLE "shipments" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"order_id" uuid NOT NULL,
	"lines" jsonb NOT NULL,
	"carrier" text,
	"tracking_number" text,
	"actor_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "test_provider_refunds" (
	"idempotency_key" text PRIMARY KEY NOT NULL,
	"reference" text NOT NULL,
	"payment_key" text NOT NULL,
	"amount_cents" bigint NOT NULL,
	"status" text NOT NULL,
	"webhook_due_at" timestamp with time zone,
	"webhook_attempts" integer DEFAULT 0 NOT NULL,
	"webhook_delivered_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "test_provider_refunds_reference_unique" UNIQUE("reference")
);
--> statement-breakpoint
ALTER TABLE "email_outbox" DROP CONSTRAINT "email_outbox_kind_valid";--> statement-breakpoint
ALTER TABLE "order_allocations" DROP CONSTRAINT "order_allocations_fulfilled_range";--> statement-breakpoint
ALTER TABLE "orders" DROP CONSTRAINT "orders_status_valid";--> statement-breakpoint
ALTER TABLE "stock_movements" DROP CONSTRAINT "stock_movements_kind_valid";--> statement-breakpoint
DROP INDEX "order_allocations_unshipped_idx";--> statement-breakpoint
ALTER TABLE "order_allocations" ADD COLUMN "released" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
-- A cancelled order's unshipped units went back on sale when it was cancelled: they count as released.
UPDATE "order_allocations" SET "released" = "quantity" - "fulfilled" FROM "orders" WHERE "orders"."id" = "order_allocations"."order_id" AND "orders"."status" = 'cancelled';--> statement-breakpoint
ALTER TABLE "order_lines" ADD COLUMN "refunded" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "order_lines" ADD COLUMN "returned" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "orders" ADD COLUMN "refunded_cents" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "refunds" ADD CONSTRAINT "refunds_order_id_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "public"."orders"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "refunds" ADD CONSTRAINT "refunds_payment_id_payments_id_fk" FOREIGN KEY ("payment_id") REFERENCES "public"."payments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "refunds" ADD CONSTRAINT "refunds_actor_id_users_id_fk" FOREIGN KEY ("actor_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shipments" ADD CONSTRAINT "shipments_order_id_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "public"."orders"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shipments" ADD CONSTRAINT "shipments_actor_id_users_id_fk" FOREIGN KEY ("actor_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "test_provider_refunds" ADD CONSTRAINT "test_provider_refunds_payment_key_test_provider_payments_idempotency_key_fk" FOREIGN KEY ("payment_key") REFERENCES "public"."test_provider_payments"("idempotency_key") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "refunds_request_key_unique" ON "refunds" USING btree ("order_id","request_key");--> statement-breakpoint
CREATE INDEX "refunds_order_idx" ON "refunds" USING btree ("order_id");--> statement-breakpoint
CREATE INDEX "refunds_unsettled_idx" ON "refunds" USING btree ("updated_at") WHERE "refunds"."status" = 'processing';--> statement-breakpoint
CREATE INDEX "shipments_order_idx" ON "shipments" USING btree ("order_id");--> statement-breakpoint
CREATE INDEX "order_allocations_unshipped_idx" ON "order_allocations" USING btree ("location_id","order_id") WHERE "order_allocations"."fulfilled" + "order_allocations"."released" < "order_allocations"."quantity";--> statement-breakpoint
ALTER TABLE "email_outbox" ADD CONSTRAINT "email_outbox_kind_valid" CHECK ("email_outbox"."kind" in ('order_confirmation', 'back_in_stock', 'verify_email', 'reset_password', 'order_shipped', 'order_refunded', 'order_cancelled', 'line_offer'));--> statement-breakpoint
ALTER TABLE "order_allocations" ADD CONSTRAINT "order_allocations_fulfilled_range" CHECK ("order_allocations"."fulfilled" >= 0 and "order_allocations"."released" >= 0 and "order_allocations"."fulfilled" + "order_allocations"."released" <= "order_allocations"."quantity");--> statement-breakpoint
ALTER TABLE "order_lines" ADD CONSTRAINT "order_lines_refunded_range" CHECK ("order_lines"."refunded" between 0 and "order_lines"."quantity");--> statement-breakpoint
ALTER TABLE "order_lines" ADD CONSTRAINT "order_lines_returned_range" CHECK ("order_lines"."returned" between 0 and "order_lines"."refunded");--> statement-breakpoint
ALTER TABLE "orders" ADD CONSTRAINT "orders_total_refunded_within" CHECK ("orders"."refunded_cents" between 0 and "orders"."total_cents");--> statement-breakpoint
ALTER TABLE "orders" ADD CONSTRAINT "orders_status_valid" CHECK ("orders"."status" in ('paid', 'partially_fulfilled', 'fulfilled', 'partially_refunded', 'refunded', 'cancelled'));--> statement-breakpoint
ALTER TABLE "stock_movements" ADD CONSTRAINT "stock_movements_kind_valid" CHECK ("stock_movements"."kind" in ('receive', 'write_off', 'reserve', 'release', 'expire', 'allocate', 'fulfil', 'transfer', 'incoming', 'return'));