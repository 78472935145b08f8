import { defineConfig } from 'drizzle-kit'

// Generation only (`npm run db:generate`), offline. Migrations are applied from code by
// workers/db/migrate.ts: drizzle-kit's own pglite driver starts PGlite without pgvector.
export default defineConfig({
  dialect: 'postgresql',
  schema: './workers/db/schema.ts',
  out: './migrations',
})
