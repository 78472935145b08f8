import type { TestProject } from 'vitest/node'
import { startLocalEndpoint } from '../../workers/db/local/endpoint'
import { openPglite } from '../../workers/db/pglite'
import { createLocalEmbedder } from '../../workers/knowledge/embed/local'
import { startBotConnector } from '../helpers/bot-connector'
import { startBotFrameworkIdentity } from '../helpers/bot-framework'
import { startConfluenceApi } from '../helpers/confluence-api'
import { smallHandbookFiles } from '../helpers/corpus'
import { ingestFiles } from '../helpers/db'
import { startDingTalkApi } from '../helpers/dingtalk-api'
import { startFakeRunner } from '../helpers/fake-runner'
import { removeModels, startTestRunner, TEST_KEY, tinyModels } from '../helpers/runner'
import { startSlackApi } from '../helpers/slack-api'
import { STREAMED_ANSWER } from './constants'

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string
    wsProxy: string
    slackUrl: string
    runnerUrl: string
    /** The same answer streamed with no pause between chunks (tests that need many answers). */
    fastRunnerUrl: string
    /**
     * Two real gpu-runners on the tiny random-weight model: the first with adapter `hr`, the
     * second with `it` (departments' adapters), both with the bearer `runnerKey`.
     */
    realRunners: string[]
    runnerKey: string
    confluenceUrl: string
    dingtalkUrl: string
    botConnectorUrl: string
    teamsMetadataUrl: string
    teamsTokens: { good: string; wrongAudience: string; expired: string }
  }
}

export const SLACK_TOKEN = 'xoxb-test-token'

/**
 * Runs in Node before the workerd tests: an in-memory PGlite (migrated, the small handbook
 * ingested) served as a local Neon-compatible endpoint, and a local Slack Web API that records
 * calls. The Worker under test reaches both over loopback, as it would Neon and Slack.
 */
export default async function setup(project: TestProject) {
  const database = await openPglite()
  await ingestFiles(database.db, createLocalEmbedder(), smallHandbookFiles())
  await database.maintain()
  const endpoint = await startLocalEndpoint(database.client)
  const slack = await startSlackApi({
    token: SLACK_TOKEN,
    usergroups: { S0POLICYTEAM: ['U0ADMIN003'], S0MANAGERS: ['U0MANAGER1'] },
  })
  project.provide('databaseUrl', endpoint.connectionString)
  project.provide('wsProxy', endpoint.wsProxy)
  project.provide('slackUrl', slack.url)
  const runner = await startFakeRunner(STREAMED_ANSWER)
  project.provide('runnerUrl', runner.url)
  const fastRunner = await startFakeRunner(STREAMED_ANSWER, 0)
  project.provide('fastRunnerUrl', fastRunner.url)
  const models = await tinyModels()
  const realRunners = await Promise.all([
    startTestRunner({ models, adapters: [{ name: 'hr', file: 'lora-a', department: 'hr' }] }),
    startTestRunner({ models, adapters: [{ name: 'it', file: 'lora-b', department: 'it' }] }),
  ])
  project.provide(
    'realRunners',
    realRunners.map((r) => r.url),
  )
  project.provide('runnerKey', TEST_KEY)
  const confluence = await startConfluenceApi()
  project.provide('confluenceUrl', confluence.url)
  const dingtalk = await startDingTalkApi('dingappkey', 'dingtalk-app-secret', undefined, {
    // A manager in Shanghai's sales team (5001, under the managers' department 4021).
    'mgr-shanghai': [[5001, 4021, 1]],
    'staff-shanghai': [[6001, 1]],
  })
  project.provide('dingtalkUrl', dingtalk.url)
  // Teams: the Bot Connector's identity (OpenID metadata, keys, signed tokens) and the Connector.
  const appId = '0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b'
  const identity = await startBotFrameworkIdentity({ appId })
  const botConnector = await startBotConnector(appId, 'teams-app-password', undefined, {
    // Entra ID: a manager (in the managers' group through a nested group) and an employee.
    'b5a1c2d3-0000-4000-8000-00000000aaa1': ['d1e2f3a4-0000-4000-8000-0000000000b1'],
    'b5a1c2d3-0000-4000-8000-00000000aaa2': [],
  })
  const serviceurl = `${botConnector.url}/`
  project.provide('botConnectorUrl', botConnector.url)
  project.provide('teamsMetadataUrl', identity.url)
  project.provide('teamsTokens', {
    good: identity.token({ serviceurl }),
    wrongAudience: identity.token({ serviceurl, aud: 'another-bot' }),
    expired: identity.token({ serviceurl, exp: Math.floor(Date.now() / 1000) - 3600 }),
  })
  return async () => {
    await identity.close()
    await botConnector.close()
    await dingtalk.close()
    await confluence.close()
    await slack.close()
    await runner.close()
    await fastRunner.close()
    await Promise.all(realRunners.map((r) => r.close()))
    removeModels(models)
    await endpoint.close()
    await database.close()
  }
}
