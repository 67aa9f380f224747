ALTER TABLE "datasets" ADD COLUMN "name_search" text DEFAULT '' NOT NULL;--> statement-breakpoint
CREATE INDEX "datasets_name_search_trgm_idx" ON "datasets" USING gin ("name_search" gin_trgm_ops);--> statement-breakpoint
UPDATE "datasets" SET "name_search" = lower("name") WHERE "name_search" = '';
