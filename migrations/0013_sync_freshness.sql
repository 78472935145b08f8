ALTER TABLE "sync_runs" ADD COLUMN "lag_pages" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "sync_runs" ADD COLUMN "lag_median_ms" integer;--> statement-breakpoint
ALTER TABLE "sync_runs" ADD COLUMN "lag_max_ms" integer;