import type { NeonDatabase } from 'drizzle-orm/neon-serverless'
import { migrate } from 'drizzle-orm/neon-serverless/migrator'
import { refreshLexicalIndex } from '../knowledge/lexical-index'
import { installResources } from '../knowledge/resources/install'
import type { Db } from './client'
import { MIGRATIONS_FOLDER } from './migrations-folder'

/** Applies pending migrations to a Postgres reached through the Neon driver (Node side), then stores the language resources and brings the full-text index up to the current analysis. */
export async function migrateNeon(db: Db): Promise<void> {
  await migrate(db as unknown as NeonDatabase, { migrationsFolder: MIGRATIONS_FOLDER })
  await installResources(db)
  await refreshLexicalIndex(db)
}
