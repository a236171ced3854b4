CREATE TABLE "products" (
	"id" text PRIMARY KEY NOT NULL,
	"shop_id" text NOT NULL,
	"title" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"brand" text,
	"category" text,
	"images" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"source" text,
	"source_ref" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "products_shop_source_unique" UNIQUE("shop_id","source","source_ref"),
	CONSTRAINT "products_status_check" CHECK ("products"."status" in ('active','archived')),
	CONSTRAINT "products_source_check" CHECK (("products"."source" is null) = ("products"."source_ref" is null))
);
--> statement-breakpoint
CREATE TABLE "shop_settings" (
	"shop_id" text PRIMARY KEY NOT NULL,
	"shipping_flat_minor" integer DEFAULT 0 NOT NULL,
	"free_shipping_over_minor" integer,
	"currency" text NOT NULL,
	"restock_on_refund" boolean DEFAULT true NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "shop_settings_flat_check" CHECK ("shop_settings"."shipping_flat_minor" >= 0),
	CONSTRAINT "shop_settings_free_over_check" CHECK ("shop_settings"."free_shipping_over_minor" is null or "shop_settings"."free_shipping_over_minor" > 0),
	CONSTRAINT "shop_settings_currency_check" CHECK ("shop_settings"."currency" ~ '^[A-Z]{3}$')
);
--> statement-breakpoint
CREATE TABLE "skus" (
	"id" text PRIMARY KEY NOT NULL,
	"product_id" text NOT NULL,
	"options" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"price_minor" integer NOT NULL,
	"currency" text NOT NULL,
	"stock_available" integer DEFAULT 0 NOT NULL,
	"stock_reserved" integer DEFAULT 0 NOT NULL,
	"stock_sold" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "skus_product_options_unique" UNIQUE("product_id","options"),
	CONSTRAINT "skus_price_check" CHECK ("skus"."price_minor" > 0),
	CONSTRAINT "skus_currency_check" CHECK ("skus"."currency" ~ '^[A-Z]{3}$'),
	CONSTRAINT "skus_stock_available_check" CHECK ("skus"."stock_available" >= 0),
	CONSTRAINT "skus_stock_reserved_check" CHECK ("skus"."stock_reserved" >= 0),
	CONSTRAINT "skus_stock_sold_check" CHECK ("skus"."stock_sold" >= 0)
);
--> statement-breakpoint
CREATE TABLE "stock_reservations" (
	"id" text PRIMARY KEY NOT NULL,
	"reference" text NOT NULL,
	"sku_id" text NOT NULL,
	"quantity" integer NOT NULL,
	"status" text DEFAULT 'held' NOT NULL,
	"returned_quantity" integer DEFAULT 0 NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "stock_reservations_reference_sku_unique" UNIQUE("reference","sku_id"),
	CONSTRAINT "stock_reservations_quantity_check" CHECK ("stock_reservations"."quantity" > 0),
	CONSTRAINT "stock_reservations_status_check" CHECK ("stock_reservations"."status" in ('held','committed','released')),
	CONSTRAINT "stock_reservations_returned_check" CHECK ("stock_reservations"."returned_quantity" >= 0 and "stock_reservations"."returned_quantity" <= "stock_reservations"."quantity")
);
--> statement-breakpoint
CREATE TABLE "touches" (
	"id" text PRIMARY KEY NOT NULL,
	"client_id" text NOT NULL,
	"viewer_key" text NOT NULL,
	"user_id" text,
	"type" text NOT NULL,
	"placement_id" text NOT NULL,
	"episode_id" text NOT NULL,
	"series_id" text NOT NULL,
	"product_id" text NOT NULL,
	"at_ms" integer NOT NULL,
	"touched_at" timestamp with time zone NOT NULL,
	CONSTRAINT "touches_viewer_client_unique" UNIQUE("viewer_key","client_id"),
	CONSTRAINT "touches_type_check" CHECK ("touches"."type" in ('card_impression','card_click')),
	CONSTRAINT "touches_at_ms_check" CHECK ("touches"."at_ms" >= 0)
);
--> statement-breakpoint
CREATE TABLE "cart_items" (
	"id" text PRIMARY KEY NOT NULL,
	"user_id" text NOT NULL,
	"sku_id" text NOT NULL,
	"quantity" integer NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "cart_items_user_sku_unique" UNIQUE("user_id","sku_id"),
	CONSTRAINT "cart_items_quantity_check" CHECK ("cart_items"."quantity" between 1 and 99)
);
--> statement-breakpoint
CREATE TABLE "merchant_webhook_deliveries" (
	"id" text PRIMARY KEY NOT NULL,
	"endpoint_id" text NOT NULL,
	"shop_id" text NOT NULL,
	"order_id" text NOT NULL,
	"event_type" text NOT NULL,
	"body" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_status" integer,
	"last_error" text,
	"created_at" timestamp with time zone NOT NULL,
	"last_attempt_at" timestamp with time zone,
	"delivered_at" timestamp with time zone,
	CONSTRAINT "merchant_webhook_deliveries_type_check" CHECK ("merchant_webhook_deliveries"."event_type" in ('order.paid','order.shipped','order.refunded')),
	CONSTRAINT "merchant_webhook_deliveries_status_check" CHECK ("merchant_webhook_deliveries"."status" in ('pending','delivered','failed'))
);
--> statement-breakpoint
CREATE TABLE "merchant_webhook_endpoints" (
	"id" text PRIMARY KEY NOT NULL,
	"shop_id" text NOT NULL,
	"url" text NOT NULL,
	"secret" text NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "merchant_webhook_endpoints_shop_unique" UNIQUE("shop_id")
);
--> statement-breakpoint
CREATE TABLE "order_lines" (
	"id" text PRIMARY KEY NOT NULL,
	"order_id" text NOT NULL,
	"sku_id" text NOT NULL,
	"product_id" text NOT NULL,
	"title" text NOT NULL,
	"options" jsonb NOT NULL,
	"unit_price_minor" bigint NOT NULL,
	"quantity" integer NOT NULL,
	"line_total_minor" bigint NOT NULL,
	"refunded_quantity" integer DEFAULT 0 NOT NULL,
	"series_id" text,
	"episode_id" text,
	"placement_id" text,
	"at_ms" integer,
	"touch_type" text,
	"touched_at" timestamp with time zone,
	CONSTRAINT "order_lines_amounts_check" CHECK ("order_lines"."unit_price_minor" > 0 and "order_lines"."quantity" > 0 and "order_lines"."line_total_minor" = "order_lines"."unit_price_minor" * "order_lines"."quantity"),
	CONSTRAINT "order_lines_refunded_check" CHECK ("order_lines"."refunded_quantity" >= 0 and "order_lines"."refunded_quantity" <= "order_lines"."quantity"),
	CONSTRAINT "order_lines_attribution_check" CHECK (("order_lines"."placement_id" is null and "order_lines"."episode_id" is null and "order_lines"."series_id" is null and "order_lines"."at_ms" is null and "order_lines"."touch_type" is null and "order_lines"."touched_at" is null) or ("order_lines"."placement_id" is not null and "order_lines"."episode_id" is not null and "order_lines"."series_id" is not null and "order_lines"."at_ms" >= 0 and "order_lines"."touch_type" in ('card_click','card_impression') and "order_lines"."touched_at" is not null))
);
--> statement-breakpoint
CREATE TABLE "order_refunds" (
	"id" text PRIMARY KEY NOT NULL,
	"order_id" text NOT NULL,
	"payment_id" text NOT NULL,
	"amount_minor" bigint NOT NULL,
	"currency" text NOT NULL,
	"reason" text NOT NULL,
	"lines" jsonb NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"provider_refund_id" text,
	"last_error" text,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "order_refunds_amount_check" CHECK ("order_refunds"."amount_minor" > 0),
	CONSTRAINT "order_refunds_reason_check" CHECK ("order_refunds"."reason" in ('merchant','late_payment')),
	CONSTRAINT "order_refunds_status_check" CHECK ("order_refunds"."status" in ('pending','requested','succeeded','failed'))
);
--> statement-breakpoint
CREATE TABLE "orders" (
	"id" text PRIMARY KEY NOT NULL,
	"checkout_id" text NOT NULL,
	"user_id" text NOT NULL,
	"shop_id" text NOT NULL,
	"currency" text NOT NULL,
	"subtotal_minor" bigint NOT NULL,
	"shipping_minor" bigint NOT NULL,
	"total_minor" bigint NOT NULL,
	"refunded_minor" bigint DEFAULT 0 NOT NULL,
	"status" text DEFAULT 'pending_payment' NOT NULL,
	"address" jsonb NOT NULL,
	"return_to" jsonb,
	"payment_id" text,
	"carrier" text,
	"tracking_number" text,
	"refund_request" jsonb,
	"reserved_until" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"paid_at" timestamp with time zone,
	"shipped_at" timestamp with time zone,
	"delivered_at" timestamp with time zone,
	"cancelled_at" timestamp with time zone,
	"refunded_at" timestamp with time zone,
	CONSTRAINT "orders_status_check" CHECK ("orders"."status" in ('pending_payment','paid','shipped','delivered','cancelled','refund_requested','refunded')),
	CONSTRAINT "orders_currency_check" CHECK ("orders"."currency" ~ '^[A-Z]{3}$'),
	CONSTRAINT "orders_amounts_check" CHECK ("orders"."subtotal_minor" > 0 and "orders"."shipping_minor" >= 0 and "orders"."total_minor" = "orders"."subtotal_minor" + "orders"."shipping_minor"),
	CONSTRAINT "orders_refunded_check" CHECK ("orders"."refunded_minor" >= 0 and "orders"."refunded_minor" <= "orders"."total_minor")
);
--> statement-breakpoint
CREATE TABLE "offer_acceptances" (
	"offer_id" text NOT NULL,
	"studio_id" text NOT NULL,
	"accepted_by" text NOT NULL,
	"accepted_at" timestamp with time zone NOT NULL,
	CONSTRAINT "offer_acceptances_offer_studio_unique" UNIQUE("offer_id","studio_id")
);
--> statement-breakpoint
CREATE TABLE "offers" (
	"id" text PRIMARY KEY NOT NULL,
	"shop_id" text NOT NULL,
	"product_id" text NOT NULL,
	"commission_bps" integer NOT NULL,
	"audience" text NOT NULL,
	"studio_ids" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "offers_commission_check" CHECK ("offers"."commission_bps" between 0 and 10000),
	CONSTRAINT "offers_audience_check" CHECK ("offers"."audience" in ('all','studios')),
	CONSTRAINT "offers_status_check" CHECK ("offers"."status" in ('active','withdrawn'))
);
--> statement-breakpoint
CREATE TABLE "placements" (
	"id" text PRIMARY KEY NOT NULL,
	"episode_id" text NOT NULL,
	"series_id" text NOT NULL,
	"studio_id" text NOT NULL,
	"product_id" text NOT NULL,
	"offer_id" text NOT NULL,
	"start_ms" integer NOT NULL,
	"end_ms" integer NOT NULL,
	"box_x" double precision,
	"box_y" double precision,
	"box_w" double precision,
	"box_h" double precision,
	"label" text NOT NULL,
	"cta" text NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "placements_range_check" CHECK ("placements"."start_ms" >= 0 and "placements"."end_ms" > "placements"."start_ms"),
	CONSTRAINT "placements_box_check" CHECK (("placements"."box_x" is null and "placements"."box_y" is null and "placements"."box_w" is null and "placements"."box_h" is null) or ("placements"."box_x" >= 0 and "placements"."box_y" >= 0 and "placements"."box_w" > 0 and "placements"."box_h" > 0 and "placements"."box_x" + "placements"."box_w" <= 1.000000001 and "placements"."box_y" + "placements"."box_h" <= 1.000000001)),
	CONSTRAINT "placements_label_check" CHECK ("placements"."label" in ('same','similar')),
	CONSTRAINT "placements_cta_check" CHECK (char_length("placements"."cta") between 1 and 40)
);
--> statement-breakpoint
ALTER TABLE "skus" ADD CONSTRAINT "skus_product_id_products_id_fk" FOREIGN KEY ("product_id") REFERENCES "public"."products"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "stock_reservations" ADD CONSTRAINT "stock_reservations_sku_id_skus_id_fk" FOREIGN KEY ("sku_id") REFERENCES "public"."skus"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "merchant_webhook_deliveries" ADD CONSTRAINT "merchant_webhook_deliveries_endpoint_id_merchant_webhook_endpoints_id_fk" FOREIGN KEY ("endpoint_id") REFERENCES "public"."merchant_webhook_endpoints"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "order_lines" ADD CONSTRAINT "order_lines_order_id_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "public"."orders"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "order_refunds" ADD CONSTRAINT "order_refunds_order_id_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "public"."orders"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "offer_acceptances" ADD CONSTRAINT "offer_acceptances_offer_id_offers_id_fk" FOREIGN KEY ("offer_id") REFERENCES "public"."offers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "placements" ADD CONSTRAINT "placements_offer_id_offers_id_fk" FOREIGN KEY ("offer_id") REFERENCES "public"."offers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "products_shop_idx" ON "products" USING btree ("shop_id","created_at","id");--> statement-breakpoint
CREATE INDEX "stock_reservations_due_idx" ON "stock_reservations" USING btree ("expires_at") WHERE "stock_reservations"."status" = 'held';--> statement-breakpoint
CREATE INDEX "touches_viewer_product_idx" ON "touches" USING btree ("viewer_key","product_id","touched_at");--> statement-breakpoint
CREATE INDEX "touches_user_product_idx" ON "touches" USING btree ("user_id","product_id","touched_at") WHERE "touches"."user_id" is not null;--> statement-breakpoint
CREATE INDEX "merchant_webhook_deliveries_shop_idx" ON "merchant_webhook_deliveries" USING btree ("shop_id","id");--> statement-breakpoint
CREATE INDEX "order_lines_order_idx" ON "order_lines" USING btree ("order_id");--> statement-breakpoint
CREATE INDEX "order_lines_placement_idx" ON "order_lines" USING btree ("placement_id") WHERE "order_lines"."placement_id" is not null;--> statement-breakpoint
CREATE INDEX "order_refunds_order_idx" ON "order_refunds" USING btree ("order_id");--> statement-breakpoint
CREATE INDEX "orders_user_idx" ON "orders" USING btree ("user_id","id");--> statement-breakpoint
CREATE INDEX "orders_shop_idx" ON "orders" USING btree ("shop_id","id");--> statement-breakpoint
CREATE INDEX "orders_checkout_idx" ON "orders" USING btree ("checkout_id");--> statement-breakpoint
CREATE INDEX "orders_due_idx" ON "orders" USING btree ("reserved_until") WHERE "orders"."status" = 'pending_payment';--> statement-breakpoint
CREATE INDEX "offer_acceptances_studio_idx" ON "offer_acceptances" USING btree ("studio_id");--> statement-breakpoint
CREATE INDEX "offers_shop_idx" ON "offers" USING btree ("shop_id");--> statement-breakpoint
CREATE INDEX "offers_product_idx" ON "offers" USING btree ("product_id");--> statement-breakpoint
CREATE INDEX "placements_episode_idx" ON "placements" USING btree ("episode_id","start_ms");--> statement-breakpoint
CREATE INDEX "placements_offer_idx" ON "placements" USING btree ("offer_id");