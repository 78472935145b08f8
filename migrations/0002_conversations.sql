CREATE TABLE "approved_answers" (
	"id" serial PRIMARY KEY NOT NULL,
	"escalation_id" integer,
	"question" text NOT NULL,
	"answer" text NOT NULL,
	"citations" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"document_ids" integer[] DEFAULT '{}'::integer[] NOT NULL,
	"language" text DEFAULT 'en' NOT NULL,
	"embedder_id" integer,
	"embedding" vector,
	"terms" text[] DEFAULT '{}'::text[] NOT NULL,
	"approved_by" text NOT NULL,
	"approved_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"withdrawn_at" timestamp with time zone,
	"withdrawn_reason" text,
	CONSTRAINT "approved_answers_escalation_id_unique" UNIQUE("escalation_id")
);
--> statement-breakpoint
CREATE TABLE "escalations" (
	"id" serial PRIMARY KEY NOT NULL,
	"question_id" integer NOT NULL,
	"reason" text NOT NULL,
	"draft" text,
	"citations" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"confidence" real,
	"status" text DEFAULT 'open' NOT NULL,
	"admin_channel" text,
	"admin_ts" text,
	"decided_by" text,
	"decided_at" timestamp with time zone,
	"final_answer" text,
	"reject_reason" text,
	"reminded_at" timestamp with time zone,
	"delivered_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "feedback" (
	"question_id" integer NOT NULL,
	"voter" text NOT NULL,
	"helpful" boolean NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "feedback_question_id_voter_pk" PRIMARY KEY("question_id","voter")
);
--> statement-breakpoint
CREATE TABLE "inbound_events" (
	"key" text PRIMARY KEY NOT NULL,
	"platform" text NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "parked_jobs" (
	"id" serial PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"body" jsonb NOT NULL,
	"error" text NOT NULL,
	"attempts" integer NOT NULL,
	"parked_at" timestamp with time zone DEFAULT now() NOT NULL,
	"retried_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "questions" (
	"id" serial PRIMARY KEY NOT NULL,
	"platform" text NOT NULL,
	"team" text DEFAULT '' NOT NULL,
	"channel" text NOT NULL,
	"thread_ts" text NOT NULL,
	"message_ts" text NOT NULL,
	"asker" text NOT NULL,
	"text" text NOT NULL,
	"trigger" text NOT NULL,
	"status" text DEFAULT 'queued' NOT NULL,
	"mode" text,
	"answer" text,
	"citations" jsonb,
	"confidence" real,
	"approved_answer_id" integer,
	"answer_ts" text,
	"attempts" integer DEFAULT 0 NOT NULL,
	"error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"answered_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "threads" (
	"platform" text NOT NULL,
	"channel" text NOT NULL,
	"thread_ts" text NOT NULL,
	"asker" text NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "threads_platform_channel_thread_ts_pk" PRIMARY KEY("platform","channel","thread_ts")
);
--> statement-breakpoint
ALTER TABLE "approved_answers" ADD CONSTRAINT "approved_answers_escalation_id_escalations_id_fk" FOREIGN KEY ("escalation_id") REFERENCES "public"."escalations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "approved_answers" ADD CONSTRAINT "approved_answers_embedder_id_embedders_id_fk" FOREIGN KEY ("embedder_id") REFERENCES "public"."embedders"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "escalations" ADD CONSTRAINT "escalations_question_id_questions_id_fk" FOREIGN KEY ("question_id") REFERENCES "public"."questions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "feedback" ADD CONSTRAINT "feedback_question_id_questions_id_fk" FOREIGN KEY ("question_id") REFERENCES "public"."questions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "approved_answers_documents" ON "approved_answers" USING gin ("document_ids");--> statement-breakpoint
CREATE INDEX "approved_answers_live" ON "approved_answers" USING btree ("expires_at") WHERE withdrawn_at IS NULL;--> statement-breakpoint
CREATE INDEX "escalations_status" ON "escalations" USING btree ("status");--> statement-breakpoint
CREATE UNIQUE INDEX "escalations_open_question" ON "escalations" USING btree ("question_id") WHERE status = 'open';--> statement-breakpoint
CREATE INDEX "questions_thread" ON "questions" USING btree ("platform","channel","thread_ts");--> statement-breakpoint
CREATE INDEX "questions_status" ON "questions" USING btree ("status");