import { analyze } from './analyze'
import { COLLOQUIAL } from './colloquial'
import { CJK_CHAR } from './script'

/**
 * A thesaurus of workplace-policy vocabulary: the ways employees and handbooks name the same
 * thing ("PTO", "vacation days", "annual leave", "年假"). Questions are written in the asker's words,
 * handbooks in HR's; without a neural model this is what bridges the two. Each concept is a list
 * of phrases; phrases are matched on stems, so inflections match too. General HR language only:
 * nothing here names a particular company or document.
 */
const CONCEPTS: Record<string, string[]> = {
  annual_leave: [
    'vacation',
    'vacation days',
    'annual leave',
    'pto',
    'paid time off',
    'paid leave',
    'time off',
    'days off',
    'holiday entitlement',
    'leave entitlement',
    'leave allowance',
    '年假',
    '带薪年假',
    '休假',
    '假期',
  ],
  public_holiday: [
    'public holiday',
    'bank holiday',
    'national holiday',
    'statutory holiday',
    'company holiday',
    'office closure',
    '法定节假日',
    '节假日',
    '公共假期',
  ],
  sick_leave: [
    'sick leave',
    'sick day',
    'sick days',
    'sickness',
    'illness',
    'ill',
    'unwell',
    'medical leave',
    'sick note',
    'doctor note',
    '病假',
    '生病',
  ],
  parental_leave: [
    'parental leave',
    'maternity',
    'paternity',
    'adoption leave',
    'new parent',
    'newborn',
    'baby',
    'birth of a child',
    'childbirth',
    'pregnant',
    'pregnancy',
    '产假',
    '陪产假',
    '育儿假',
    '生育',
  ],
  bereavement: [
    'bereavement',
    'funeral',
    'death in the family',
    'passed away',
    'compassionate leave',
    '丧假',
  ],
  carry_over: [
    'carry over',
    'carryover',
    'roll over',
    'rollover',
    'unused',
    'forfeit',
    'expire',
    'use it or lose it',
    '结转',
    '未使用',
  ],
  remote_work: [
    'remote work',
    'remote',
    'work from home',
    'working from home',
    'wfh',
    'telework',
    'telecommute',
    'home office',
    'hybrid',
    'work remotely',
    '远程办公',
    '在家办公',
    '居家办公',
  ],
  working_hours: [
    'working hours',
    'work hours',
    'core hours',
    'office hours',
    'schedule',
    'flexible hours',
    'flexitime',
    'flextime',
    '工作时间',
    '上班时间',
  ],
  overtime: ['overtime', 'extra hours', 'time in lieu', 'toil', 'comp time', 'compensatory time', '加班'],
  expenses: [
    'expense',
    'expenses',
    'reimbursement',
    'reimburse',
    'refund',
    'pay back',
    'paid back',
    'money back',
    'get reimbursed',
    'out of pocket',
    'expense claim',
    'expense report',
    'receipt',
    'receipts',
    '报销',
    '费用',
    '发票',
  ],
  travel: [
    'travel',
    'business trip',
    'trip',
    'flight',
    'airfare',
    'hotel',
    'lodging',
    'accommodation',
    'per diem',
    'mileage',
    'travelling',
    '出差',
    '差旅',
    '机票',
    '酒店',
  ],
  meals: ['meal', 'meals', 'food', 'dinner', 'lunch', 'per diem', 'subsistence', '餐费', '餐补'],
  pay: [
    'salary',
    'pay',
    'payroll',
    'paycheck',
    'payslip',
    'wage',
    'wages',
    'compensation',
    'payday',
    'get paid',
    '工资',
    '薪资',
    '薪水',
    '发薪',
  ],
  bonus: ['bonus', 'incentive', 'commission', 'profit sharing', '奖金'],
  raise: ['raise', 'pay rise', 'salary increase', 'salary review', 'promotion', '涨薪', '晋升'],
  health_benefits: [
    'health insurance',
    'medical insurance',
    'dental',
    'vision',
    'health plan',
    'health benefits',
    'medical coverage',
    'insurance',
    '医疗保险',
    '保险',
  ],
  retirement: [
    'retirement',
    'pension',
    '401k',
    '401(k)',
    'retirement plan',
    'employer match',
    '养老金',
    '退休',
  ],
  benefits: ['benefits', 'perks', 'wellness', 'gym', 'stipend', 'allowance', '福利'],
  learning: [
    'training',
    'learning',
    'education',
    'tuition',
    'course',
    'courses',
    'conference',
    'certification',
    'learning budget',
    'professional development',
    '培训',
    '学习',
  ],
  performance: [
    'performance review',
    'appraisal',
    'evaluation',
    'performance evaluation',
    'feedback',
    'review cycle',
    'goals',
    'okr',
    '绩效',
    '考核',
  ],
  probation: [
    'probation',
    'probationary period',
    'trial period',
    'probation period',
    'introductory period',
    '试用期',
  ],
  leaving: [
    'resign',
    'resignation',
    'quit',
    'quitting',
    'leave the company',
    'notice period',
    'termination',
    'terminate',
    'dismissal',
    'fired',
    'let go',
    'layoff',
    'redundancy',
    'severance',
    'offboarding',
    'last day',
    '离职',
    '辞职',
    '解雇',
    '辞退',
  ],
  harassment: [
    'harassment',
    'bullying',
    'discrimination',
    'misconduct',
    'hostile',
    'retaliation',
    'inappropriate behaviour',
    'inappropriate behavior',
    '骚扰',
    '歧视',
  ],
  reporting: [
    'complaint',
    'grievance',
    'whistleblower',
    'whistleblowing',
    'speak up',
    'hotline',
    'raise a concern',
    '举报',
    '投诉',
  ],
  conduct: [
    'code of conduct',
    'ethics',
    'conflict of interest',
    'gift',
    'gifts',
    'bribery',
    'hospitality',
    '行为准则',
    '利益冲突',
    '礼品',
  ],
  equipment: [
    'laptop',
    'computer',
    'equipment',
    'device',
    'hardware',
    'monitor',
    'phone',
    'mobile phone',
    '电脑',
    '设备',
  ],
  security: [
    'password',
    'security',
    'phishing',
    'data protection',
    'confidential',
    'confidentiality',
    'mfa',
    'two factor',
    'vpn',
    '密码',
    '信息安全',
    '保密',
  ],
  privacy: ['privacy', 'personal data', 'gdpr', 'data subject', '隐私', '个人信息'],
  dress: ['dress code', 'attire', 'clothing', 'uniform', 'what to wear', '着装'],
  onboarding: ['onboarding', 'first day', 'new hire', 'new joiner', 'orientation', 'induction', '入职'],
  referral: ['referral', 'refer a friend', 'refer', 'referral bonus', '内推', '推荐'],
  jury_duty: ['jury duty', 'jury service', 'court', 'witness', 'civic duty'],
  manager: ['manager', 'supervisor', 'line manager', 'boss', 'team lead', '经理', '主管', '上级'],
  approval: ['approve', 'approval', 'sign off', 'authorise', 'authorize', 'permission', '审批', '批准'],
  minimum: ['minimum', 'at least', 'no less than', 'min'],
  maximum: ['maximum', 'max', 'at most', 'no more than', 'up to', 'cap', 'capped', 'limit', 'ceiling'],
  deadline: ['deadline', 'how long', 'how soon', 'no later than', 'time limit', '期限', '截止'],
  contractor: [
    'contractor',
    'freelancer',
    'consultant',
    'temporary',
    'intern',
    'part time',
    'part-time',
    '实习',
    '外包',
  ],
  commute: ['commute', 'commuting', 'transit', 'parking', 'bike', 'cycle to work', '通勤', '交通'],
  childcare: ['childcare', 'child care', 'daycare', 'nursery', 'dependent care', '托儿'],
  volunteering: ['volunteer', 'volunteering', 'charity', 'donation', 'matching gift', '志愿'],
  alcohol_drugs: ['alcohol', 'drugs', 'drug', 'substance', 'intoxicated', 'drinking', '饮酒'],
  safety: [
    'health and safety',
    'accident',
    'injury',
    'first aid',
    'emergency',
    'fire',
    'evacuation',
    '安全',
    '事故',
  ],
  social_media: [
    'social media',
    'twitter',
    'linkedin',
    'post online',
    'press',
    'media enquiries',
    '社交媒体',
  ],
}

/**
 * Concepts that are topics rather than synonyms: their phrases are related ("password", "VPN",
 * "phishing" are all security) but none stands for another, so a question's word is never
 * matched by them as if it were that word; they only widen the search a little.
 */
const TOPICS = new Set([
  'travel',
  'benefits',
  'health_benefits',
  'learning',
  'performance',
  'leaving',
  'harassment',
  'reporting',
  'conduct',
  'equipment',
  'security',
  'privacy',
  'onboarding',
  'contractor',
  'commute',
  'safety',
  'social_media',
  'bonus',
  'raise',
  'parental_leave',
])

// The colloquial lexicon joins as concepts of its own (`colloquial:…`), beside the ones above.
const COLLOQUIAL_PREFIX = 'colloquial:'
for (const [id, c] of Object.entries(COLLOQUIAL)) {
  CONCEPTS[`${COLLOQUIAL_PREFIX}${id}`] = c.phrases
  if (c.kind === 'topic') TOPICS.add(`${COLLOQUIAL_PREFIX}${id}`)
}

/** Whether a concept comes from the colloquial lexicon (wide) rather than the curated thesaurus. */
export function isColloquial(concept: string): boolean {
  return concept.startsWith(COLLOQUIAL_PREFIX)
}

/** Whether a concept's phrases are synonyms of each other (not only a shared topic). */
export function isSynonymConcept(concept: string): boolean {
  return !TOPICS.has(concept)
}

/** Everyday words that never stand for a concept alone. */
const GENERIC = new Set(['time', 'day', 'more', 'long', 'soon'])

/** A concept phrase as a stem sequence. */
interface Phrase {
  concept: string
  stems: string[]
}

let index: Map<string, Phrase[]> | undefined

/** Phrases indexed by their first stem. */
function phraseIndex(): Map<string, Phrase[]> {
  if (index) return index
  index = new Map()
  for (const [concept, phrases] of Object.entries(CONCEPTS)) {
    for (const p of phrases) {
      // A CJK phrase is one token: the index holds it as a bigram or a long word.
      const stems = CJK_CHAR.test(p) ? [p] : analyze(p).map((t) => t.stem)
      // "time off" without its stop word would be "time", "how long" would be "long": a phrase
      // reduced by its stop words to one everyday word would name the concept everywhere.
      if (stems.length === 1 && p.includes(' ') && GENERIC.has(stems[0] as string)) continue
      const first = stems[0]
      if (!first) continue
      const list = index.get(first) ?? []
      index.set(first, list)
      list.push({ concept, stems })
    }
  }
  return index
}

/** Where a concept is named in a stem sequence: positions `start` to `end` (exclusive). */
export interface ConceptSpan {
  concept: string
  start: number
  end: number
}

/**
 * Every occurrence of a concept phrase in a stem sequence. `colloquial: false` leaves out the
 * colloquial lexicon: its concepts are wide enough to find a passage ("dog" and "cat" both lead to
 * a pets policy) but too wide to say that two questions ask the same thing.
 */
export function conceptSpans(
  stems: readonly string[],
  options: { colloquial?: boolean } = {},
): ConceptSpan[] {
  const spans: ConceptSpan[] = []
  const idx = phraseIndex()
  const colloquial = options.colloquial ?? true
  for (let i = 0; i < stems.length; i++) {
    for (const p of idx.get(stems[i] ?? '') ?? []) {
      if (!colloquial && p.concept.startsWith(COLLOQUIAL_PREFIX)) continue
      if (p.stems.every((s, j) => stems[i + j] === s))
        spans.push({ concept: p.concept, start: i, end: i + p.stems.length })
    }
  }
  return spans
}

/** Concepts whose phrases occur in a stem sequence, with how often. */
export function conceptsOf(stems: readonly string[]): Map<string, number> {
  const found = new Map<string, number>()
  for (const s of conceptSpans(stems)) found.set(s.concept, (found.get(s.concept) ?? 0) + 1)
  return found
}

/** The phrases (stem sequences) that name a concept: what a query is expanded with. */
export function conceptPhrases(concept: string): string[][] {
  const out: string[][] = []
  for (const list of phraseIndex().values())
    for (const p of list) if (p.concept === concept) out.push(p.stems)
  return out
}
