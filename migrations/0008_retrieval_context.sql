CREATE TABLE "resources" (
	"name" text PRIMARY KEY NOT NULL,
	"version" text NOT NULL,
	"size" integer NOT NULL,
	"data" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "chunks" ADD COLUMN "context_text" text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "chunks" ADD COLUMN "context_tsv" "tsvector" GENERATED ALWAYS AS (to_tsvector('english'::regconfig, context_text)) STORED NOT NULL;--> statement-breakpoint
CREATE INDEX "chunks_context_tsv" ON "chunks" USING gin ("context_tsv") WITH (fastupdate=false);