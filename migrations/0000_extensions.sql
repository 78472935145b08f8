-- Extensions the schema needs: pgvector for embeddings, pg_trgm for typo-tolerant term lookup.
CREATE EXTENSION IF NOT EXISTS vector;
--> statement-breakpoint
CREATE EXTENSION IF NOT EXISTS pg_trgm;
