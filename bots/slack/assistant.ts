import type { Place } from '../types'
import type { SlackApi } from './api'

/** The prompts shown when someone opens the assistant pane. */
export const SUGGESTED_PROMPTS = [
  { title: 'Vacation days', message: 'How many vacation days do I get?' },
  { title: 'Sick leave', message: 'What do I do when I am sick?' },
  { title: 'Expenses', message: 'What can I expense on a business trip?' },
  { title: 'Remote work', message: 'Can I work from another country?' },
]

/** `assistant_thread_started`: greet with suggested prompts (Slack's AI app surface). */
export async function assistantThreadStarted(slack: SlackApi, place: Place): Promise<void> {
  await slack.call('assistant.threads.setSuggestedPrompts', {
    channel_id: place.channel,
    thread_ts: place.threadTs,
    title: 'Ask me about company policy. I answer from the handbooks, with sources.',
    prompts: SUGGESTED_PROMPTS,
  })
}
