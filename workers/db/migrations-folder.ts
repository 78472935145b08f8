import { fileURLToPath } from 'node:url'

/** The generated migrations, applied from code by each driver's migrator (Node side only). */
export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../migrations', import.meta.url))
