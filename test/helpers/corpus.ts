/** A small handbook for tests that need an index: four topics, two languages, one restricted page. */
export const SMALL_HANDBOOK: Record<string, string> = {
  'leave/annual-leave.md': `---
title: Annual leave
last_updated: 2026-03-14
---
# Annual leave

## Entitlement
Full-time employees get 20 days of paid annual leave per year during their first two years of
service, and 25 days from their third year.

## Carry-over
Up to 5 unused days carry over to the next calendar year. Carried-over days expire on 31 March.
`,
  'money/expenses.md': `# Expenses

## Reimbursement
Submit expense claims in Expensify within 30 days of purchase, with itemised receipts. Claims over
$500 need director approval.

## Company cards
Company cards are issued to staff who travel more than six times a year.
`,
  'it/security.md': `# IT security

## Passwords
Passwords must be at least 14 characters long and multi-factor authentication is mandatory.

## Lost devices
Report a lost laptop to the service desk within one hour.
`,
  'zh/shanghai-leave.md': `# 上海办公室假期

## 年假
上海办公室员工每年享有十五天带薪年假。未使用的年假可以结转到下一年第一季度。

## 报销
差旅报销须在出差结束后十五个工作日内提交。
`,
  'managers/hiring.md': `---
title: Hiring budget
audience: [managers]
---
# Hiring budget

Each team lead may open two requisitions per quarter without finance approval.
`,
}

/** The handbook as files' bytes. */
export function smallHandbookFiles(): { path: string; bytes: Uint8Array }[] {
  return Object.entries(SMALL_HANDBOOK).map(([path, text]) => ({
    path,
    bytes: new TextEncoder().encode(text),
  }))
}
