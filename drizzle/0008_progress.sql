-- How far the job working on a dataset has read its source (src/datasets/progress.ts): stored
-- bytes read of bytes total, when reading began and when this was recorded. Written at most once
-- a second while the dataset is `validating` (validation, derive), cleared when it turns final.
ALTER TABLE "datasets" ADD COLUMN "progress" jsonb;
