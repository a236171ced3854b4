ALTER TABLE "series" ADD COLUMN "free_episodes" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "series" ADD COLUMN "bundle_price_coins" integer;--> statement-breakpoint
ALTER TABLE "series" ADD COLUMN "in_vip" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "series" ADD COLUMN "ad_unlock" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "series" ADD CONSTRAINT "series_free_episodes_check" CHECK ("series"."free_episodes" >= 0);--> statement-breakpoint
ALTER TABLE "series" ADD CONSTRAINT "series_bundle_price_check" CHECK ("series"."bundle_price_coins" is null or "series"."bundle_price_coins" > 0);