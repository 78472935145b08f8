import { describe, expect, it } from 'vitest'
import { parseRunners } from '../runners/fleet'
import { channelDepartment, documentDepartment, parseDepartments, passagesDepartment } from './departments'

const DEPARTMENTS = parseDepartments(
  JSON.stringify([
    {
      name: 'hr',
      channels: ['slack:C0HRHELP1', 'teams:19:hr@thread.tacv2'],
      sources: ['git:people/', 'upload:hr-'],
    },
    { name: 'it', adapter: 'it-v2', channels: ['dingtalk:cidIT=='], sources: ['it/'] },
    { name: 'legal', adapter: null },
  ]),
)
const hr = DEPARTMENTS[0]
const it_ = DEPARTMENTS[1]

describe('DEPARTMENTS', () => {
  it('reads names, adapters (the name by default; null for the base model), channels and sources', () => {
    expect(DEPARTMENTS.map((d) => [d.name, d.adapter])).toEqual([
      ['hr', 'hr'],
      ['it', 'it-v2'],
      ['legal', null],
    ])
    expect(parseDepartments(undefined)).toEqual([])
    expect(parseDepartments('  ')).toEqual([])
  })

  it.each([
    ['{', /not JSON/],
    ['{"name":"hr"}', /expected array/i],
    ['[{"name":"HR Team"}]', /0\.name: must be lower-case/],
    ['[{"name":"hr","channel":["slack:C1"]}]', /unrecognized key/i],
    ['[{"name":"hr","channels":["C0HRHELP1"]}]', /0\.channels\.0: must be platform:channel/],
    ['[{"name":"hr"},{"name":"hr"}]', /listed twice/],
    ['[{"name":"none"}]', /reserved/],
    ['[{"name":"hr","channels":["slack:C1"]},{"name":"it","channels":["slack:C1"]}]', /both "hr" and "it"/],
    ['[{"name":"hr","adapter":"../x"}]', /adapter: must be an adapter name/],
  ])('refuses %s, saying what is wrong', (raw, message) => {
    expect(() => parseDepartments(raw)).toThrow(message)
  })

  it('gives a channel its department, per platform', () => {
    expect(channelDepartment(DEPARTMENTS, 'slack', 'C0HRHELP1')).toBe(hr)
    expect(channelDepartment(DEPARTMENTS, 'teams', '19:hr@thread.tacv2')).toBe(hr)
    // A reply in a Teams channel thread: its conversation id names the thread too.
    expect(channelDepartment(DEPARTMENTS, 'teams', '19:hr@thread.tacv2;messageid=1764150000123')).toBe(hr)
    expect(channelDepartment(DEPARTMENTS, 'dingtalk', 'cidIT==')).toBe(it_)
    // The same id on another platform is another channel.
    expect(channelDepartment(DEPARTMENTS, 'teams', 'C0HRHELP1')).toBeUndefined()
    expect(channelDepartment(DEPARTMENTS, 'slack', 'C0GENERAL1')).toBeUndefined()
  })

  it("gives a document its front matter's department, else its source prefix's", () => {
    expect(documentDepartment(DEPARTMENTS, { sourceKind: 'git', sourcePath: 'people/leave.md' })).toBe(hr)
    expect(documentDepartment(DEPARTMENTS, { sourceKind: 'upload', sourcePath: 'hr-handbook.pdf' })).toBe(hr)
    // A prefix without a kind matches the path of any source.
    expect(documentDepartment(DEPARTMENTS, { sourceKind: 'file', sourcePath: 'it/security.md' })).toBe(it_)
    // The kind is part of a prefix that names one: a file under people/ is not the git source's.
    expect(
      documentDepartment(DEPARTMENTS, { sourceKind: 'file', sourcePath: 'people/leave.md' }),
    ).toBeUndefined()
    // Front matter wins, case-insensitively; one naming an unknown department belongs to none.
    expect(
      documentDepartment(DEPARTMENTS, { sourceKind: 'git', sourcePath: 'people/vpn.md', department: 'IT' }),
    ).toBe(it_)
    expect(
      documentDepartment(DEPARTMENTS, { sourceKind: 'git', sourcePath: 'people/x.md', department: 'sales' }),
    ).toBeUndefined()
  })

  it('gives a question the department owning most of its three best passages, else none', () => {
    const p = (sourcePath: string, score: number) => ({ sourceKind: 'file', sourcePath, score })
    expect(
      passagesDepartment(DEPARTMENTS, [p('it/a.md', 0.9), p('it/b.md', 0.5), p('general.md', 0.4)]),
    ).toBe(it_)
    // Mostly the general handbook: the base model answers.
    expect(
      passagesDepartment(DEPARTMENTS, [p('general.md', 0.9), p('it/b.md', 0.5), p('g2.md', 0.4)]),
    ).toBeUndefined()
    // Only the best three vote.
    expect(
      passagesDepartment(DEPARTMENTS, [
        p('g.md', 0.5),
        p('g2.md', 0.5),
        p('g3.md', 0.5),
        p('it/a.md', 0.4),
        p('it/b.md', 0.4),
      ]),
    ).toBeUndefined()
    expect(passagesDepartment([], [p('it/a.md', 1)])).toBeUndefined()
    expect(passagesDepartment(DEPARTMENTS, [])).toBeUndefined()
  })
})

describe('RUNNERS', () => {
  it('reads a list of URLs sharing RUNNER_TOKEN, or JSON with a token each, without duplicates', () => {
    expect(parseRunners('http://gpu1:8080/, http://gpu2:8080 http://gpu1:8080', undefined, 't')).toEqual([
      { url: 'http://gpu1:8080', token: 't' },
      { url: 'http://gpu2:8080', token: 't' },
    ])
    expect(
      parseRunners('[{"url":"https://gpu1"},{"url":"https://gpu2","token":"own"}]', undefined, 'shared'),
    ).toEqual([
      { url: 'https://gpu1', token: 'shared' },
      { url: 'https://gpu2', token: 'own' },
    ])
    expect(parseRunners(undefined, 'http://one:8080', undefined)).toEqual([{ url: 'http://one:8080' }])
    expect(parseRunners(undefined, undefined, undefined)).toEqual([])
  })

  it.each([
    ['[{"url":', /not valid JSON/],
    ['[{"token":"x"}]', /entry 1 has no "url"/],
    ['gpu1:8080', /must be http/],
    ['not a url', /is not a URL/],
  ])('refuses %s', (raw, message) => {
    expect(() => parseRunners(raw, undefined, undefined)).toThrow(message)
  })
})
