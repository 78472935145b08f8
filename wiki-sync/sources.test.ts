import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { createRemoteConnector, parseSources } from './sources'

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

  it("says that a Notion source's pages answer everyone unless it states who may read them", () => {
    const logged = (yaml: string) => {
      const lines: string[] = []
      const [source] = parseSources(yaml)
      createRemoteConnector(source as NonNullable<typeof source>, {
        env: { NOTION_TOKEN: 'ntn_secret' },
        log: (l) => lines.push(l),
      })
      return lines
    }
    expect(logged('sources:\n  - { name: n, kind: notion }')).toEqual([
      expect.stringMatching(/whom a page is shared with: these pages answer everyone/),
    ])
    expect(logged('sources:\n  - { name: n, kind: notion, audience: [staff] }')).toEqual([])
    expect(logged('sources:\n  - { name: n, kind: notion, audienceProperty: Audience }')).toEqual([])
  })
})
