CREATE TABLE "chunks" (
	"id" serial PRIMARY KEY NOT NULL,
	"document_id" integer NOT NULL,
	"ordinal" integer NOT NULL,
	"heading_path" text[] NOT NULL,
	"page" integer,
	"text" text NOT NULL,
	"search_text" text NOT NULL,
	"tsv" "tsvector" GENERATED ALWAYS AS (to_tsvector('english'::regconfig, search_text)) STORED NOT NULL,
	"embedding" vector,
	"embedder_id" integer
);
--> statement-breakpoint
CREATE TABLE "documents" (
	"id" serial PRIMARY KEY NOT NULL,
	"source_kind" text NOT NULL,
	"source_path" text NOT NULL,
	"title" text NOT NULL,
	"url" text,
	"format" text NOT NULL,
	"content_hash" text NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"language" text DEFAULT 'und' NOT NULL,
	"audience" text[] DEFAULT '{}'::text[] NOT NULL,
	"page_count" integer,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"ingested_at" timestamp with time zone DEFAULT now() NOT NULL,
	"deleted_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "embedders" (
	"id" serial PRIMARY KEY NOT NULL,
	"key" text NOT NULL,
	"dimensions" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "embedders_key_unique" UNIQUE("key")
);
--> statement-breakpoint
CREATE TABLE "ingest_errors" (
	"id" serial PRIMARY KEY NOT NULL,
	"source_kind" text NOT NULL,
	"source_path" text NOT NULL,
	"code" text NOT NULL,
	"message" text NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "settings" (
	"key" text PRIMARY KEY NOT NULL,
	"value" jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "terms" (
	"term" text PRIMARY KEY NOT NULL,
	"df" integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE "chunks" ADD CONSTRAINT "chunks_document_id_documents_id_fk" FOREIGN KEY ("document_id") REFERENCES "public"."documents"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "chunks" ADD CONSTRAINT "chunks_embedder_id_embedders_id_fk" FOREIGN KEY ("embedder_id") REFERENCES "public"."embedders"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "chunks_document" ON "chunks" USING btree ("document_id","ordinal");--> statement-breakpoint
CREATE INDEX "chunks_tsv" ON "chunks" USING gin ("tsv") WITH (fastupdate=false);--> statement-breakpoint
CREATE INDEX "chunks_embedder" ON "chunks" USING btree ("embedder_id");--> statement-breakpoint
CREATE UNIQUE INDEX "documents_live_source" ON "documents" USING btree ("source_kind","source_path") WHERE deleted_at IS NULL;--> statement-breakpoint
CREATE INDEX "documents_source" ON "documents" USING btree ("source_kind","source_path");--> statement-breakpoint
CREATE INDEX "terms_trgm" ON "terms" USING gin ("term" gin_trgm_ops) WITH (fastupdate=false);