import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parseSources } from './sources'

describe('sources file', () => {
  it('parses the documented example', () => {
    const list = parseSources(readFileSync(new URL('./sources.example.yaml', import.meta.url), 'utf8'))
    expect(list.map((s) => [s.name, s.kind])).toEqual([
      ['handbook', 'git'],
      ['hr-wiki', 'confluence'],
      ['notion-handbook', 'notion'],
    ])
  })

  it('names every bad field, and a name used twice', () => {
    expect(() => parseSources('sources:\n  - { name: a, kind: confluence, email: x }')).toThrow(
      /sources\[0\]\.baseUrl[\s\S]*sources\[0\]\.spaceKeys/,
    )
    expect(() => parseSources('sources:\n  - { name: a, kind: svn }')).toThrow(/sources\[0\]\.kind/)
    expect(() =>
      parseSources('sources:\n  - { name: a, kind: notion }\n  - { name: a, kind: git, repo: . }'),
    ).toThrow(/"a" is listed twice/)
  })
})
