import type { TestProject } from 'vitest/node'
import { startLocalEndpoint } from '../../workers/db/local/endpoint'
import { openPglite } from '../../workers/db/pglite'
import { createLocalEmbedder } from '../../workers/knowledge/embed/local'
import { startConfluenceApi } from '../helpers/confluence-api'
import { smallHandbookFiles } from '../helpers/corpus'
import { ingestFiles } from '../helpers/db'
import { startDingTalkApi } from '../helpers/dingtalk-api'
import { startFakeRunner } from '../helpers/fake-runner'
import { startSlackApi } from '../helpers/slack-api'
import { STREAMED_ANSWER } from './constants'

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string
    wsProxy: string
    slackUrl: string
    runnerUrl: string
    confluenceUrl: string
    dingtalkUrl: string
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
  const slack = await startSlackApi({ token: SLACK_TOKEN, usergroups: { S0POLICYTEAM: ['U0ADMIN003'] } })
  project.provide('databaseUrl', endpoint.connectionString)
  project.provide('wsProxy', endpoint.wsProxy)
  project.provide('slackUrl', slack.url)
  const runner = await startFakeRunner(STREAMED_ANSWER)
  project.provide('runnerUrl', runner.url)
  const confluence = await startConfluenceApi()
  project.provide('confluenceUrl', confluence.url)
  const dingtalk = await startDingTalkApi('dingappkey', 'dingtalk-app-secret')
  project.provide('dingtalkUrl', dingtalk.url)
  return async () => {
    await dingtalk.close()
    await confluence.close()
    await slack.close()
    await runner.close()
    await endpoint.close()
    await database.close()
  }
}
