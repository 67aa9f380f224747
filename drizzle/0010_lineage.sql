-- Lineage of derived datasets (issue 15): the dataset a derive read (parent_id) and what it did
-- (recipe). parent_id is a plain uuid, not a foreign key: deleting or purging a parent never
-- deletes its children, and a child keeps naming where it came from after the parent is gone.
ALTER TABLE "datasets" ADD COLUMN "parent_id" uuid;--> statement-breakpoint
ALTER TABLE "datasets" ADD COLUMN "recipe" jsonb;--> statement-breakpoint
CREATE INDEX "datasets_parent_idx" ON "datasets" USING btree ("parent_id") WHERE "parent_id" IS NOT NULL;
