CREATE TABLE "entitlements" (
	"id" text PRIMARY KEY NOT NULL,
	"user_id" text NOT NULL,
	"episode_id" text,
	"series_id" text NOT NULL,
	"source" text NOT NULL,
	"reference" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "entitlements_reference_unique" UNIQUE("reference"),
	CONSTRAINT "entitlements_user_episode_unique" UNIQUE("user_id","episode_id"),
	CONSTRAINT "entitlements_source_check" CHECK ("entitlements"."source" in ('coins','bundle','vip','ad','grant'))
);
--> statement-breakpoint
CREATE INDEX "entitlements_user_series_idx" ON "entitlements" USING btree ("user_id","series_id");