import { cachedMembership } from '../../workers/audiences/cache'
import { parkedAlertText } from '../../workers/messages'
import type { Platform } from '../../workers/platform'
import type { Services } from '../../workers/services'
import { escapeMarkdown, markdownMarkup } from '../markdown'
import { personLabel } from '../reply'
import { teamsAdminChannel } from './admin'
import type { BotConnector } from './connector'
import { teamsOutbox } from './outbox'

/**
 * Microsoft Teams for the core: replies through the Bot Connector (cards, streamed answers) and
 * the admin channel (`TEAMS_ADMIN_CONVERSATION`). Present when `TEAMS_APP_ID` and
 * `TEAMS_APP_PASSWORD` are set.
 */
export function teamsPlatform(svc: Omit<Services, 'platforms'>, connector: BotConnector): Platform {
  const admin = svc.config.teams?.adminConversation
  return {
    name: 'teams',
    markup: markdownMarkup,
    outbox: () => teamsOutbox(connector, svc.db),
    ...(admin ? { admin: teamsAdminChannel(svc, connector, admin) } : {}),
    groupsOf: (user, candidates, tenant) =>
      cachedMembership(`teams:${tenant}:${user}:${[...candidates].sort().join(',')}`, () =>
        connector.memberGroups(tenant, user, candidates),
      ),
  }
}

/** The parked-job alert as Teams text: people by name, never as a mention. */
export const teamsParkedAlert = (n: Parameters<typeof parkedAlertText>[0]) =>
  `⚠️ ${parkedAlertText(n, markdownMarkup, (id, name) => escapeMarkdown(personLabel(id, name)))}`
