CREATE TABLE "teams_conversations" (
	"conversation_id" text PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"service_url" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
