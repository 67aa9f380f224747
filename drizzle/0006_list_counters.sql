CREATE TABLE "user_counts" (
	"user_id" uuid PRIMARY KEY NOT NULL,
	"uploading" integer DEFAULT 0 NOT NULL,
	"validating" integer DEFAULT 0 NOT NULL,
	"ready" integer DEFAULT 0 NOT NULL,
	"error" integer DEFAULT 0 NOT NULL,
	"deleted" integer DEFAULT 0 NOT NULL,
	"unread_notifications" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
DROP INDEX "datasets_user_id_idx";--> statement-breakpoint
DROP INDEX "datasets_created_at_idx";--> statement-breakpoint
DROP INDEX "datasets_status_idx";--> statement-breakpoint
DROP INDEX "datasets_name_trgm_idx";--> statement-breakpoint
DROP INDEX "datasets_name_search_trgm_idx";--> statement-breakpoint
ALTER TABLE "user_counts" ADD CONSTRAINT "user_counts_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
-- Hand-written below: the list's indexes and the counting triggers.
-- Nothing writes datasets or notifications while the counts are created and filled in.
LOCK TABLE "datasets", "notifications" IN SHARE ROW EXCLUSIVE MODE;
--> statement-breakpoint
DROP INDEX IF EXISTS "datasets_user_live_idx";
--> statement-breakpoint
-- One narrow index per sort of live datasets, each carrying status so a status filter stays
-- an index-only scan: a deep page (offset 8,000) reads a few hundred kilobytes.
CREATE INDEX "datasets_user_live_idx" ON "datasets" USING btree ("user_id", "created_at" DESC, "id" DESC) INCLUDE ("status") WHERE "deleted_at" IS NULL;
--> statement-breakpoint
CREATE INDEX "datasets_user_name_idx" ON "datasets" USING btree ("user_id", "name", "id") INCLUDE ("status") WHERE "deleted_at" IS NULL;
--> statement-breakpoint
-- Search: LIKE is not leakproof, so under row-level security no index can answer it (a
-- trigram index is never used); the user's entries are filtered instead, index-only, with the
-- matches counted in the same scan.
CREATE INDEX "datasets_user_search_idx" ON "datasets" USING btree ("user_id", "created_at" DESC, "id" DESC) INCLUDE ("status", "name_search") WHERE "deleted_at" IS NULL;
--> statement-breakpoint
CREATE INDEX "datasets_user_size_idx" ON "datasets" USING btree ("user_id", "file_size" DESC, "id" DESC) INCLUDE ("status") WHERE "deleted_at" IS NULL;
--> statement-breakpoint
ALTER TABLE "user_counts" ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "user_counts" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
GRANT SELECT ON "user_counts" TO datasets_app;
--> statement-breakpoint
CREATE POLICY "user_counts_user_isolation" ON "user_counts" AS PERMISSIVE FOR SELECT TO datasets_app
  USING ("user_id" = NULLIF(current_setting('app.user_id', true), '')::uuid);
--> statement-breakpoint
CREATE POLICY "user_counts_service" ON "user_counts" AS PERMISSIVE FOR ALL TO CURRENT_USER USING (true) WITH CHECK (true);
--> statement-breakpoint
-- Statement-level triggers: one upsert per statement and user, in user order (no deadlocks
-- between statements touching several users). A change that moves no count writes nothing.
-- A user being deleted has no counts to keep (EXISTS), so cascades never re-create the row.
CREATE FUNCTION "user_counts_apply_datasets"() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
  source text := CASE TG_OP
    WHEN 'INSERT' THEN 'SELECT user_id, status, deleted_at IS NOT NULL, 1 FROM new_rows'
    WHEN 'DELETE' THEN 'SELECT user_id, status, deleted_at IS NOT NULL, -1 FROM old_rows'
    ELSE 'SELECT user_id, status, deleted_at IS NOT NULL, 1 FROM new_rows UNION ALL SELECT user_id, status, deleted_at IS NOT NULL, -1 FROM old_rows'
  END;
BEGIN
  EXECUTE format($q$
    INSERT INTO user_counts AS c (user_id, uploading, validating, ready, error, deleted)
    SELECT user_id,
      coalesce(sum(n) FILTER (WHERE NOT gone AND status = 'uploading'), 0),
      coalesce(sum(n) FILTER (WHERE NOT gone AND status = 'validating'), 0),
      coalesce(sum(n) FILTER (WHERE NOT gone AND status = 'ready'), 0),
      coalesce(sum(n) FILTER (WHERE NOT gone AND status = 'error'), 0),
      coalesce(sum(n) FILTER (WHERE gone), 0)
    FROM (%s) AS changes (user_id, status, gone, n)
    WHERE EXISTS (SELECT 1 FROM users WHERE users.id = changes.user_id)
    GROUP BY user_id
    HAVING (
      coalesce(sum(n) FILTER (WHERE NOT gone AND status = 'uploading'), 0) <> 0 OR
      coalesce(sum(n) FILTER (WHERE NOT gone AND status = 'validating'), 0) <> 0 OR
      coalesce(sum(n) FILTER (WHERE NOT gone AND status = 'ready'), 0) <> 0 OR
      coalesce(sum(n) FILTER (WHERE NOT gone AND status = 'error'), 0) <> 0 OR
      coalesce(sum(n) FILTER (WHERE gone), 0) <> 0)
    ORDER BY user_id
    ON CONFLICT (user_id) DO UPDATE SET
      uploading = c.uploading + excluded.uploading, validating = c.validating + excluded.validating,
      ready = c.ready + excluded.ready, error = c.error + excluded.error, deleted = c.deleted + excluded.deleted
  $q$, source);
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER "datasets_count_insert" AFTER INSERT ON "datasets" REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION "user_counts_apply_datasets"();
--> statement-breakpoint
CREATE TRIGGER "datasets_count_update" AFTER UPDATE ON "datasets" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION "user_counts_apply_datasets"();
--> statement-breakpoint
CREATE TRIGGER "datasets_count_delete" AFTER DELETE ON "datasets" REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION "user_counts_apply_datasets"();
--> statement-breakpoint
CREATE FUNCTION "user_counts_apply_notifications"() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
  source text := CASE TG_OP
    WHEN 'INSERT' THEN 'SELECT user_id, 1 FROM new_rows WHERE read_at IS NULL'
    WHEN 'DELETE' THEN 'SELECT user_id, -1 FROM old_rows WHERE read_at IS NULL'
    ELSE 'SELECT user_id, 1 FROM new_rows WHERE read_at IS NULL UNION ALL SELECT user_id, -1 FROM old_rows WHERE read_at IS NULL'
  END;
BEGIN
  EXECUTE format($q$
    INSERT INTO user_counts AS c (user_id, unread_notifications)
    SELECT user_id, sum(n) FROM (%s) AS changes (user_id, n)
    WHERE EXISTS (SELECT 1 FROM users WHERE users.id = changes.user_id)
    GROUP BY user_id HAVING sum(n) <> 0 ORDER BY user_id
    ON CONFLICT (user_id) DO UPDATE SET unread_notifications = c.unread_notifications + excluded.unread_notifications
  $q$, source);
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER "notifications_count_insert" AFTER INSERT ON "notifications" REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION "user_counts_apply_notifications"();
--> statement-breakpoint
CREATE TRIGGER "notifications_count_update" AFTER UPDATE ON "notifications" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION "user_counts_apply_notifications"();
--> statement-breakpoint
CREATE TRIGGER "notifications_count_delete" AFTER DELETE ON "notifications" REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION "user_counts_apply_notifications"();
--> statement-breakpoint
INSERT INTO "user_counts" (user_id, uploading, validating, ready, error, deleted, unread_notifications)
SELECT u.id,
  (SELECT count(*) FROM datasets d WHERE d.user_id = u.id AND d.deleted_at IS NULL AND d.status = 'uploading'),
  (SELECT count(*) FROM datasets d WHERE d.user_id = u.id AND d.deleted_at IS NULL AND d.status = 'validating'),
  (SELECT count(*) FROM datasets d WHERE d.user_id = u.id AND d.deleted_at IS NULL AND d.status = 'ready'),
  (SELECT count(*) FROM datasets d WHERE d.user_id = u.id AND d.deleted_at IS NULL AND d.status = 'error'),
  (SELECT count(*) FROM datasets d WHERE d.user_id = u.id AND d.deleted_at IS NOT NULL),
  (SELECT count(*) FROM notifications n WHERE n.user_id = u.id AND n.read_at IS NULL)
FROM users u
ON CONFLICT (user_id) DO NOTHING;
