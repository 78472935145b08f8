import type { NeonDatabase } from 'drizzle-orm/neon-serverless'
import { migrate } from 'drizzle-orm/neon-serverless/migrator'
import type { Db } from './client'
import { MIGRATIONS_FOLDER } from './migrations-folder'

/** Applies pending migrations to a Postgres reached through the Neon driver (Node side). */
export async function migrateNeon(db: Db): Promise<void> {
  await migrate(db as unknown as NeonDatabase, { migrationsFolder: MIGRATIONS_FOLDER })
}
