CREATE TABLE "department_rollouts" (
	"department" text PRIMARY KEY NOT NULL,
	"current" text,
	"canary" text,
	"share" real DEFAULT 0 NOT NULL,
	"canary_since" timestamp with time zone,
	"canary_by" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "approved_answers" ADD COLUMN "department" text;--> statement-breakpoint
ALTER TABLE "questions" ADD COLUMN "department" text;--> statement-breakpoint
ALTER TABLE "questions" ADD COLUMN "department_by" text;--> statement-breakpoint
ALTER TABLE "questions" ADD COLUMN "model" text;