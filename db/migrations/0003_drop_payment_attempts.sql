-- Earlier payment attempts become payment records (each was settled when it was written).
INSERT INTO "payments" ("checkout_id", "shopper_id", "request_key", "provider", "provider_reference", "amount_cents",
  "status", "decline_code", "order_id", "created_at", "updated_at", "settled_at")
SELECT pa."checkout_id", c."shopper_id", pa."idempotency_key", 'test', o."payment_reference", pa."amount_cents",
  CASE pa."outcome" WHEN 'succeeded' THEN 'captured' ELSE 'declined' END, pa."decline_code", pa."order_id",
  pa."created_at", pa."created_at", pa."created_at"
FROM "payment_attempts" pa JOIN "checkouts" c ON c."id" = pa."checkout_id" LEFT JOIN "orders" o ON o."id" = pa."order_id";
--> statement-breakpoint
DROP TABLE "payment_attempts" CASCADE;