CREATE TABLE "usage_alerts" (
	"site_id" text NOT NULL,
	"month" text NOT NULL,
	"metric" text NOT NULL,
	"threshold" integer NOT NULL,
	"sent_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "usage_alerts_site_id_month_metric_threshold_pk" PRIMARY KEY("site_id","month","metric","threshold")
);
--> statement-breakpoint
CREATE TABLE "usage_pages" (
	"site_id" text NOT NULL,
	"month" text NOT NULL,
	"page_id" text NOT NULL,
	"url" text,
	"views" bigint DEFAULT 0 NOT NULL,
	"comments" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "usage_pages_site_id_month_page_id_pk" PRIMARY KEY("site_id","month","page_id")
);
--> statement-breakpoint
CREATE TABLE "usage_records" (
	"site_id" text NOT NULL,
	"period" text NOT NULL,
	"metric" text NOT NULL,
	"value" bigint NOT NULL,
	CONSTRAINT "usage_records_site_id_period_metric_pk" PRIMARY KEY("site_id","period","metric")
);
--> statement-breakpoint
CREATE TABLE "usage_sync" (
	"site_id" text PRIMARY KEY NOT NULL,
	"synced_through" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "usage_alerts" ADD CONSTRAINT "usage_alerts_site_id_sites_id_fk" FOREIGN KEY ("site_id") REFERENCES "public"."sites"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "usage_pages" ADD CONSTRAINT "usage_pages_site_id_sites_id_fk" FOREIGN KEY ("site_id") REFERENCES "public"."sites"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "usage_records" ADD CONSTRAINT "usage_records_site_id_sites_id_fk" FOREIGN KEY ("site_id") REFERENCES "public"."sites"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "usage_sync" ADD CONSTRAINT "usage_sync_site_id_sites_id_fk" FOREIGN KEY ("site_id") REFERENCES "public"."sites"("id") ON DELETE cascade ON UPDATE no action;