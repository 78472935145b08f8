import type { Place } from '../../bots/types'
import type { Services } from '../services'

/** The prompts shown when someone opens the assistant pane. */
export const SUGGESTED_PROMPTS = [
  { title: 'Vacation days', message: 'How many vacation days do I get?' },
  { title: 'Sick leave', message: 'What do I do when I am sick?' },
  { title: 'Expenses', message: 'What can I expense on a business trip?' },
  { title: 'Remote work', message: 'Can I work from another country?' },
]

/** `assistant_thread_started`: greet with suggested prompts (Slack's AI app surface). */
export async function assistantThreadStarted(svc: Services, place: Place): Promise<void> {
  if (!svc.slack) return
  await svc.slack.call('assistant.threads.setSuggestedPrompts', {
    channel_id: place.channel,
    thread_ts: place.threadTs,
    title: 'Ask me about company policy. I answer from the handbooks, with sources.',
    prompts: SUGGESTED_PROMPTS,
  })
}
