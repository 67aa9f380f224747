-- Validation jobs are keyed by their task id since 0007: 'dataset__validate:<id>' (was 'validate:<id>').
-- A job still queued under the old key gets the new one, so a later enqueue for the same dataset
-- replaces it instead of queuing a second job. graphile-worker's schema is installed after these
-- migrations on a new database, where there is nothing to rename.
DO $$
BEGIN
  IF to_regclass('graphile_worker._private_jobs') IS NOT NULL THEN
    UPDATE graphile_worker._private_jobs j SET key = 'dataset__validate:' || substr(j.key, length('validate:') + 1)
    WHERE j.key LIKE 'validate:%'
      AND NOT EXISTS (SELECT 1 FROM graphile_worker._private_jobs n WHERE n.key = 'dataset__validate:' || substr(j.key, length('validate:') + 1));
  END IF;
END $$;
