import { eq, sql } from 'drizzle-orm'
import type { Db } from '../../workers/db/client'
import { teamsConversations } from '../../workers/db/schema'

/** Remembers (or refreshes) where a Teams conversation is reached. */
export async function rememberConversation(
  db: Db,
  conversationId: string,
  tenantId: string,
  serviceUrl: string,
) {
  await db
    .insert(teamsConversations)
    .values({ conversationId, tenantId, serviceUrl })
    .onConflictDoUpdate({
      target: teamsConversations.conversationId,
      set: { serviceUrl, tenantId, updatedAt: sql`now()` },
    })
}

/** The Bot Connector `serviceUrl` of a conversation, if the bot has heard from it. */
export async function serviceUrlOf(db: Db, conversationId: string): Promise<string | undefined> {
  const [row] = await db
    .select({ url: teamsConversations.serviceUrl })
    .from(teamsConversations)
    .where(eq(teamsConversations.conversationId, conversationId))
  return row?.url
}
