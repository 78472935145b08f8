ALTER TABLE "parked_jobs" ADD COLUMN "asker_told_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "parked_jobs" ADD COLUMN "admins_told_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "parked_jobs" ADD COLUMN "notice_attempts" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "questions" ADD COLUMN "last_attempt_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "questions" ADD COLUMN "claimed_until" timestamp with time zone;