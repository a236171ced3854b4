CREATE TABLE "ad_daily_grants" (
	"user_id" text NOT NULL,
	"day" text NOT NULL,
	"granted" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "ad_daily_grants_user_id_day_pk" PRIMARY KEY("user_id","day"),
	CONSTRAINT "ad_daily_grants_granted_check" CHECK ("ad_daily_grants"."granted" >= 0)
);
--> statement-breakpoint
CREATE TABLE "ad_unlocks" (
	"id" text PRIMARY KEY NOT NULL,
	"user_id" text NOT NULL,
	"episode_id" text NOT NULL,
	"series_id" text NOT NULL,
	"network" text NOT NULL,
	"network_view_id" text,
	"status" text DEFAULT 'watching' NOT NULL,
	"reason" text,
	"network_transaction_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"resolved_at" timestamp with time zone,
	CONSTRAINT "ad_unlocks_network_transaction_id_unique" UNIQUE("network_transaction_id"),
	CONSTRAINT "ad_unlocks_status_check" CHECK ("ad_unlocks"."status" in ('watching','granted','refused')),
	CONSTRAINT "ad_unlocks_reason_check" CHECK ("ad_unlocks"."reason" is null or "ad_unlocks"."reason" in ('daily_cap','not_allowed','episode_unavailable','already_watchable'))
);
--> statement-breakpoint
CREATE TABLE "vip_memberships" (
	"user_id" text PRIMARY KEY NOT NULL,
	"plan_id" text NOT NULL,
	"auto_renew" boolean DEFAULT false NOT NULL,
	"cancelled_at" timestamp with time zone,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "vip_periods" (
	"id" text PRIMARY KEY NOT NULL,
	"user_id" text NOT NULL,
	"plan_id" text NOT NULL,
	"payment_id" text NOT NULL,
	"source" text NOT NULL,
	"amount_minor" bigint NOT NULL,
	"currency" text NOT NULL,
	"starts_at" timestamp with time zone NOT NULL,
	"ends_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "vip_periods_payment_unique" UNIQUE("payment_id"),
	CONSTRAINT "vip_periods_span_check" CHECK ("vip_periods"."ends_at" > "vip_periods"."starts_at"),
	CONSTRAINT "vip_periods_source_check" CHECK ("vip_periods"."source" in ('purchase','renewal'))
);
--> statement-breakpoint
CREATE TABLE "sandbox_ad_views" (
	"id" text PRIMARY KEY NOT NULL,
	"custom_data" text NOT NULL,
	"user_id" text NOT NULL,
	"duration_ms" integer NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"completed_at" timestamp with time zone,
	"transaction_id" text,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_status" integer,
	"last_query" text,
	"delivered_at" timestamp with time zone,
	CONSTRAINT "sandbox_ad_views_custom_data_unique" UNIQUE("custom_data"),
	CONSTRAINT "sandbox_ad_views_transaction_id_unique" UNIQUE("transaction_id")
);
--> statement-breakpoint
CREATE INDEX "ad_unlocks_user_idx" ON "ad_unlocks" USING btree ("user_id","created_at");--> statement-breakpoint
CREATE INDEX "vip_periods_user_end_idx" ON "vip_periods" USING btree ("user_id","ends_at");--> statement-breakpoint
CREATE INDEX "sandbox_ad_views_user_idx" ON "sandbox_ad_views" USING btree ("user_id");