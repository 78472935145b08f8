CREATE TABLE "dingtalk_admin_posts" (
	"escalation_id" integer PRIMARY KEY NOT NULL,
	"conversation_id" text NOT NULL,
	"process_query_key" text,
	"posted_at" timestamp with time zone DEFAULT now() NOT NULL,
	"outcome_posted_at" timestamp with time zone
);
