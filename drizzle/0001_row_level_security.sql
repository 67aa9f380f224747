-- Hand-written: row-level security for per-user data.
-- Requests run their queries as the non-owner role datasets_app, with app.user_id set per
-- transaction; the owner role (the one that ran the migrations: the worker, sign-in, token
-- lookup) keeps full access through its own policy. FORCE makes the owner subject to
-- policies too, so nothing reaches these tables outside a policy.
-- Roles belong to the cluster while the migration lock belongs to one database: two databases
-- migrating at once may both try to create the role, so a duplicate is not an error.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'datasets_app') THEN
    CREATE ROLE datasets_app NOLOGIN NOBYPASSRLS;
  END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
  NULL;
END
$$;
--> statement-breakpoint
DO $$
BEGIN
  -- A non-superuser owner must be a member of datasets_app to SET ROLE to it.
  IF NOT pg_has_role(current_user, 'datasets_app', 'MEMBER') THEN
    EXECUTE format('GRANT datasets_app TO %I', current_user);
  END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
  NULL;
END
$$;
--> statement-breakpoint
ALTER TABLE "datasets" ADD CONSTRAINT "datasets_status_check" CHECK ("status" IN ('uploading', 'validating', 'ready', 'error'));
--> statement-breakpoint
GRANT USAGE ON SCHEMA public TO datasets_app;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON "datasets", "notifications", "api_tokens" TO datasets_app;
--> statement-breakpoint
GRANT SELECT ("id", "email", "created_at") ON "users" TO datasets_app;
--> statement-breakpoint
ALTER TABLE "datasets" ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "datasets" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "notifications" ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "notifications" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "api_tokens" ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "api_tokens" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY "datasets_user_isolation" ON "datasets" AS PERMISSIVE FOR ALL TO datasets_app
  USING ("user_id" = NULLIF(current_setting('app.user_id', true), '')::uuid)
  WITH CHECK ("user_id" = NULLIF(current_setting('app.user_id', true), '')::uuid);
--> statement-breakpoint
CREATE POLICY "notifications_user_isolation" ON "notifications" AS PERMISSIVE FOR ALL TO datasets_app
  USING ("user_id" = NULLIF(current_setting('app.user_id', true), '')::uuid)
  WITH CHECK ("user_id" = NULLIF(current_setting('app.user_id', true), '')::uuid);
--> statement-breakpoint
CREATE POLICY "api_tokens_user_isolation" ON "api_tokens" AS PERMISSIVE FOR ALL TO datasets_app
  USING ("user_id" = NULLIF(current_setting('app.user_id', true), '')::uuid)
  WITH CHECK ("user_id" = NULLIF(current_setting('app.user_id', true), '')::uuid);
--> statement-breakpoint
CREATE POLICY "datasets_service" ON "datasets" AS PERMISSIVE FOR ALL TO CURRENT_USER USING (true) WITH CHECK (true);
--> statement-breakpoint
CREATE POLICY "notifications_service" ON "notifications" AS PERMISSIVE FOR ALL TO CURRENT_USER USING (true) WITH CHECK (true);
--> statement-breakpoint
CREATE POLICY "api_tokens_service" ON "api_tokens" AS PERMISSIVE FOR ALL TO CURRENT_USER USING (true) WITH CHECK (true);
