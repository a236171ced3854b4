CREATE TABLE "media_keys" (
	"asset_id" text PRIMARY KEY NOT NULL,
	"episode_id" text NOT NULL,
	"key" "bytea" NOT NULL,
	"iv" "bytea" NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "media_keys_key_length_check" CHECK (octet_length("media_keys"."key") = 16),
	CONSTRAINT "media_keys_iv_length_check" CHECK (octet_length("media_keys"."iv") = 16)
);
--> statement-breakpoint
ALTER TABLE "media_keys" ADD CONSTRAINT "media_keys_asset_id_media_assets_id_fk" FOREIGN KEY ("asset_id") REFERENCES "public"."media_assets"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "media_keys_episode_idx" ON "media_keys" USING btree ("episode_id");