CREATE TABLE "address_attempts" (
	"key" text PRIMARY KEY NOT NULL,
	"window_start" timestamp with time zone NOT NULL,
	"count" integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX "address_attempts_window" ON "address_attempts" USING btree ("window_start");