import type { Passage } from '../knowledge/search/types'
import { splitSentences } from '../knowledge/text/segment'

/**
 * Documents are data: anyone who can edit a wiki page or upload a handbook writes text that the
 * model reads and the extractive path quotes. Text that speaks to the assistant instead of to
 * employees ("Ignore previous instructions…", "you are now…", 忽略之前的指令) is never policy, so
 * it is neither quoted, nor given to the model, nor accepted as evidence for an answer's figures.
 *
 * The patterns are narrow on purpose: a handbook says "you are now eligible" and "act as a
 * mentor", so only phrases that name the assistant, its instructions or its prompt count. Run
 * over every fixture handbook (en and zh), none matches a real sentence.
 */
const ADDRESSES_ASSISTANT: RegExp[] = [
  // "Ignore (all) previous instructions", "disregard the above rules", "forget your prompt".
  /\b(ignore|disregard|forget|override|bypass)\b[^.!?\n]{0,40}?\b(instructions?|prompts?|directives?|system messages?)\b/i,
  /\b(ignore|disregard|forget)\s+(all\s+|everything\s+|anything\s+)?(the\s+|that\s+is\s+)?(above|before|previous|prior|preceding|foregoing)\b/i,
  /\b(ignore|disregard|forget)\s+(all\s+|any\s+|the\s+|your\s+)?(previous|prior|above|earlier|preceding|original)\s+(rules|guidelines|context|messages?|text)\b/i,
  /\byou\s+are\s+(now\s+)?(no\s+longer\s+)?(an?\s+)?(ai|artificial intelligence|(large\s+)?language\s+model|llm|chat\s?bot|gpt|dan|jailbroken|unrestricted|unfiltered|in\s+developer\s+mode)\b/i,
  /\bfrom\s+now\s+on,?\s+you\s+(are|will|must|should|shall)\b/i,
  /\bas\s+an?\s+(ai|artificial intelligence|(large\s+)?language\s+model|llm|chat\s?bot)(\s+assistant)?\b/i,
  /\b(ai\s+assistant|policybot)\s+(must|should|shall|will|is\s+to|needs\s+to|has\s+to|may\s+not)\b/i,
  /\b(note|message|instructions?)\s+(to|for)\s+(the\s+|any\s+)?(ai|assistant|chat\s?bot|language\s+model|llm|model)\b/i,
  // Not "jailbreak" alone: device policies forbid jailbroken phones.
  /\b(system|developer)\s+prompt\b|\bdeveloper\s+mode\b|\bjailbreak\s+mode\b|\bdo\s+anything\s+now\b/i,
  /\b(new|updated|real|actual|revised)\s+instructions\s*:/i,
  // Chat-template tokens: text that tries to open a turn of its own.
  /<\|[a-z_]+\|>|\[\/?INST\]|<<\/?SYS>>|<\/?(start|end)_of_turn>/i,
  /(忽略|无视|忽视|忘记|忘掉|不要理会|不要遵守|覆盖)(掉)?(你)?(之前|以前|先前|此前|上面|上述|以上|前面|所有|全部|一切|原来|原有|你的)?的?(所有|全部|一切)?的?(指令|指示|提示词|提示|设定|系统消息)/u,
  /(忽略|无视|忽视|忘记|忘掉|不要遵守)(之前|以前|先前|此前|上面|上述|以上|前面|原来|原有)的?(所有|全部|一切)?的?(规则|说明|内容|要求)/u,
  /你(现在|从现在起|从现在开始)?(是|扮演|作为)(一个|一名)?(AI|人工智能|语言模型|大模型|助手|机器人|聊天机器人|不受限制)/iu,
  /从现在(开始|起)[，,]?\s*你(是|将|必须|要|应该)/u,
  /作为(一个|一名)?(AI|人工智能|语言模型|大模型|AI助手|人工智能助手)/iu,
  // Not 系统提示 alone: 报销系统提示格式错误 is the expense system prompting an error.
  /系统提示词|系统指令|(开发者|越狱)模式/u,
]

/** Whether a sentence, list item or table row speaks to the assistant rather than to employees. */
export function addressesAssistant(text: string): boolean {
  return ADDRESSES_ASSISTANT.some((re) => re.test(text))
}

/**
 * A passage's text without what speaks to the assistant: prose loses those sentences, a list
 * those items, a table those rows; the rest keeps its wording and line breaks. This is the only
 * text of a passage that the model sees or that counts as evidence.
 */
export function sourceText(passage: Pick<Passage, 'text' | 'language'>): string {
  if (!addressesAssistant(passage.text)) return passage.text
  const blocks: string[] = []
  for (const block of passage.text.split(/\n{2,}/)) {
    const lines = block.split('\n')
    let kept: string
    if (lines[0]?.startsWith('|')) kept = lines.filter((l) => !addressesAssistant(l)).join('\n')
    else if (/^\s*(- |\d+\. )/.test(lines[0] ?? '')) {
      const items: string[] = []
      for (const l of lines) {
        if (/^(- |\d+\. )/.test(l) || items.length === 0) items.push(l)
        else items[items.length - 1] += `\n${l}`
      }
      kept = items.filter((i) => !addressesAssistant(i)).join('\n')
    } else {
      kept = block
      for (const s of splitSentences(block, passage.language))
        if (addressesAssistant(s)) kept = kept.replace(s, '')
      kept = kept.replace(/[ \t]{2,}/g, ' ').trim()
    }
    if (kept.trim() && !addressesAssistant(kept)) blocks.push(kept)
  }
  return blocks.join('\n\n')
}
