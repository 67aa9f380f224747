DROP INDEX "datasets_user_live_created_idx";--> statement-breakpoint
-- The list's default order with its tie-breaker, for live (not deleted) datasets, carrying
-- every column the list filters, sorts or counts on: pages, counts and the summary are
-- index-only scans, and the page's rows are then fetched by id.
CREATE INDEX IF NOT EXISTS "datasets_user_live_idx" ON "datasets" USING btree ("user_id", "created_at" DESC, "id" DESC)
  INCLUDE ("status", "name_search", "name", "file_size", "updated_at") WHERE "deleted_at" IS NULL;
