import type { ChatModel } from '../answering/chat-model'
import { createOpenAIChat } from '../answering/chat-model'
import type { Database } from '../db/client'
import { migrateNeon } from '../db/migrate-neon'
import { openNeon } from '../db/neon'
import { openPglite } from '../db/pglite'
import { createLocalEmbedder } from '../knowledge/embed/local'
import { createOpenAIEmbedder } from '../knowledge/embed/openai'
import type { Embedder } from '../knowledge/embed/types'
import { reindex } from '../knowledge/reindex'
import type { Config } from './config'

/** What a command works with: the database, the embedder, the chat model if configured. */
export interface Context {
  config: Readonly<Config>
  database: Database
  embedder: Embedder
  chat?: ChatModel
  close(): Promise<void>
}

/**
 * Opens the configured database (embedded PGlite in the data directory by default, or Postgres
 * through the Neon driver with DATABASE_URL), migrating it, and the configured models.
 */
export async function openContext(config: Readonly<Config>): Promise<Context> {
  const embedder = config.embeddings
    ? await createOpenAIEmbedder({
        baseURL: config.embeddings.baseURL,
        model: config.embeddings.model,
        batchSize: config.embeddings.batchSize,
        ...(config.embeddings.apiKey ? { apiKey: config.embeddings.apiKey } : {}),
      })
    : createLocalEmbedder()
  let database: Database
  if (config.database) {
    database = openNeon({
      connectionString: config.database.url,
      ...(config.database.wsProxy ? { wsProxy: config.database.wsProxy } : {}),
    })
    await migrateNeon(database.db)
  } else {
    database = await openPglite({ dataDir: config.dataDir })
  }
  // The local embedder is cheap: after an upgrade that changed it, the index is re-embedded here
  // (one count query when it is current) instead of leaving the vector channel empty until
  // someone runs `policybot reindex`. A remote model's reindex stays an explicit command.
  if (!config.embeddings) await reindex(database.db, embedder)
  const chat = config.chat
    ? createOpenAIChat({
        baseURL: config.chat.baseURL,
        model: config.chat.model,
        ...(config.chat.apiKey ? { apiKey: config.chat.apiKey } : {}),
      })
    : undefined
  return { config, database, embedder, ...(chat ? { chat } : {}), close: () => database.close() }
}
