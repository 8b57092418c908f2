CREATE TABLE "incoming_deliveries" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"product_id" uuid NOT NULL,
	"variant_id" uuid NOT NULL,
	"location_id" uuid NOT NULL,
	"quantity" integer NOT NULL,
	"received" integer DEFAULT 0 NOT NULL,
	"expected_on" date NOT NULL,
	"status" text DEFAULT 'expected' NOT NULL,
	"actor_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"closed_at" timestamp with time zone,
	CONSTRAINT "incoming_deliveries_quantity_not_negative" CHECK ("incoming_deliveries"."quantity" >= 0),
	CONSTRAINT "incoming_deliveries_received_not_negative" CHECK ("incoming_deliveries"."received" >= 0),
	CONSTRAINT "incoming_deliveries_status_valid" CHECK ("incoming_deliveries"."status" in ('expected', 'received', 'cancelled')),
	CONSTRAINT "incoming_deliveries_open_expects" CHECK (("incoming_deliveries"."status" = 'expected') = ("incoming_deliveries"."quantity" > 0))
);
--> statement-breakpoint
ALTER TABLE "stock_levels" DROP CONSTRAINT "stock_never_oversold";--> statement-breakpoint
ALTER TABLE "stock_movements" DROP CONSTRAINT "stock_movements_kind_valid";--> statement-breakpoint
ALTER TABLE "product_variants" ADD COLUMN "preorder" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "stock_levels" ADD COLUMN "incoming" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "stock_levels" ADD COLUMN "preorder" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "stock_movements" ADD COLUMN "incoming_delta" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "stock_movements" ADD COLUMN "delivery_id" uuid;--> statement-breakpoint
ALTER TABLE "incoming_deliveries" ADD CONSTRAINT "incoming_deliveries_actor_id_users_id_fk" FOREIGN KEY ("actor_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "incoming_deliveries" ADD CONSTRAINT "incoming_deliveries_stock_row_fk" FOREIGN KEY ("variant_id","location_id","product_id") REFERENCES "public"."stock_levels"("variant_id","location_id","product_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "incoming_deliveries_open_idx" ON "incoming_deliveries" USING btree ("variant_id","location_id","expected_on") WHERE "incoming_deliveries"."status" = 'expected';--> statement-breakpoint
ALTER TABLE "stock_levels" ADD CONSTRAINT "stock_incoming_not_negative" CHECK ("stock_levels"."incoming" >= 0);--> statement-breakpoint
ALTER TABLE "stock_levels" ADD CONSTRAINT "stock_never_oversold" CHECK ("stock_levels"."reserved" + "stock_levels"."allocated" <= "stock_levels"."on_hand" + "stock_levels"."incoming");--> statement-breakpoint
ALTER TABLE "stock_movements" ADD CONSTRAINT "stock_movements_kind_valid" CHECK ("stock_movements"."kind" in ('receive', 'write_off', 'reserve', 'release', 'expire', 'allocate', 'fulfil', 'transfer', 'incoming'));