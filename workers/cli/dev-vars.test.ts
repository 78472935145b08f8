import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { formatDevVars, readDevVars } from './dev-vars'

describe('readDevVars', () => {
  it('reads KEY=value lines with comments, quotes and export prefixes, and round-trips what it writes', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'devvars-')), '.dev.vars')
    writeFileSync(
      file,
      '# secrets\nSLACK_BOT_TOKEN="xoxb-1"\nexport PORT=9000\nPOLICY_ADMINS=U1,U2\nEMPTY=\n\nnot a line\n',
    )
    const vars = readDevVars(file)
    expect(vars).toEqual({ SLACK_BOT_TOKEN: 'xoxb-1', PORT: '9000', POLICY_ADMINS: 'U1,U2', EMPTY: '' })
    writeFileSync(file, formatDevVars(vars))
    expect(readDevVars(file)).toEqual(vars)
    expect(readDevVars(join(file, 'missing'))).toEqual({})
  })
})
