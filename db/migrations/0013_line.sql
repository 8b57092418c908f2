CREATE TABLE "queue_ticket_lines" (
	"ticket_id" uuid NOT NULL,
	"seq" bigint NOT NULL,
	"product_id" uuid NOT NULL,
	"variant_id" uuid NOT NULL,
	"quantity" integer NOT NULL,
	"waiting" boolean DEFAULT true NOT NULL,
	CONSTRAINT "queue_ticket_lines_ticket_id_variant_id_pk" PRIMARY KEY("ticket_id","variant_id"),
	CONSTRAINT "queue_ticket_lines_quantity_positive" CHECK ("queue_ticket_lines"."quantity" > 0)
);
--> statement-breakpoint
CREATE TABLE "queue_tickets" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"seq" bigint GENERATED ALWAYS AS IDENTITY (sequence name "queue_tickets_seq_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"shopper_id" uuid NOT NULL,
	"email" text,
	"status" text DEFAULT 'waiting' NOT NULL,
	"checkout_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"offered_at" timestamp with time zone,
	"ended_at" timestamp with time zone,
	CONSTRAINT "queue_tickets_status_valid" CHECK ("queue_tickets"."status" in ('waiting', 'offered', 'left')),
	CONSTRAINT "queue_tickets_times" CHECK (case "queue_tickets"."status" when 'waiting' then "queue_tickets"."offered_at" is null and "queue_tickets"."ended_at" is null when 'offered' then "queue_tickets"."offered_at" is not null and "queue_tickets"."ended_at" is null else "queue_tickets"."ended_at" is not null end)
);
--> statement-breakpoint
ALTER TABLE "email_outbox" DROP CONSTRAINT "email_outbox_kind_valid";--> statement-breakpoint
ALTER TABLE "products" ADD COLUMN "limit_per_customer" integer;--> statement-breakpoint
ALTER TABLE "queue_ticket_lines" ADD CONSTRAINT "queue_ticket_lines_ticket_id_queue_tickets_id_fk" FOREIGN KEY ("ticket_id") REFERENCES "public"."queue_tickets"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "queue_ticket_lines" ADD CONSTRAINT "queue_ticket_lines_variant_fk" FOREIGN KEY ("variant_id","product_id") REFERENCES "public"."product_variants"("id","product_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "queue_tickets" ADD CONSTRAINT "queue_tickets_shopper_id_users_id_fk" FOREIGN KEY ("shopper_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "queue_tickets" ADD CONSTRAINT "queue_tickets_checkout_id_checkouts_id_fk" FOREIGN KEY ("checkout_id") REFERENCES "public"."checkouts"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "queue_ticket_lines_waiting_idx" ON "queue_ticket_lines" USING btree ("variant_id","seq") WHERE "queue_ticket_lines"."waiting";--> statement-breakpoint
CREATE UNIQUE INDEX "queue_tickets_one_waiting_per_shopper" ON "queue_tickets" USING btree ("shopper_id") WHERE "queue_tickets"."status" = 'waiting';--> statement-breakpoint
CREATE UNIQUE INDEX "queue_tickets_one_per_checkout" ON "queue_tickets" USING btree ("checkout_id");--> statement-breakpoint
CREATE INDEX "queue_tickets_shopper_idx" ON "queue_tickets" USING btree ("shopper_id","created_at");--> statement-breakpoint
CREATE INDEX "queue_tickets_offered_idx" ON "queue_tickets" USING btree ("offered_at") WHERE "queue_tickets"."offered_at" is not null;--> statement-breakpoint
ALTER TABLE "email_outbox" ADD CONSTRAINT "email_outbox_kind_valid" CHECK ("email_outbox"."kind" in ('order_confirmation', 'back_in_stock', 'verify_email', 'reset_password', 'line_offer'));--> statement-breakpoint
ALTER TABLE "products" ADD CONSTRAINT "products_limit_per_customer_positive" CHECK ("products"."limit_per_customer" > 0);