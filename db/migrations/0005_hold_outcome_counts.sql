CREATE TABLE "hold_outcome_counts" (
	"minute" timestamp with time zone NOT NULL,
	"outcome" text NOT NULL,
	"n" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "hold_outcome_counts_minute_outcome_pk" PRIMARY KEY("minute","outcome")
);
