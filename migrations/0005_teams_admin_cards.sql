CREATE TABLE "teams_admin_cards" (
	"escalation_id" integer PRIMARY KEY NOT NULL,
	"conversation_id" text NOT NULL,
	"activity_id" text NOT NULL
);
