import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import JSZip from 'jszip'
import { describe, expect, it } from 'vitest'
import { teamsPackage } from './teams-package'

const APP_ID = '0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b'

/** Width, height and colour type of a PNG, from its IHDR chunk. */
function pngHeader(bytes: Uint8Array) {
  const b = Buffer.from(bytes)
  expect(b.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
  expect(b.subarray(12, 16).toString('latin1')).toBe('IHDR')
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20), colourType: b[25] }
}

describe('policybot teams-package', () => {
  it('builds the app package with the bot id and the two icons Teams requires', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'teams-')), 'app.zip')
    const p = await teamsPackage({ TEAMS_APP_ID: APP_ID, TEAMS_PUBLISHER: 'Northwind Robotics' }, out)
    const zip = await JSZip.loadAsync(readFileSync(out))
    expect(Object.keys(zip.files).sort()).toEqual(['color.png', 'manifest.json', 'outline.png'])
    const manifest = JSON.parse(await (zip.file('manifest.json')?.async('string') ?? ''))
    expect(manifest.id).toBe(APP_ID)
    expect(manifest.bots.map((b: { botId: string }) => b.botId)).toEqual([APP_ID])
    expect(manifest.developer.name).toBe('Northwind Robotics')
    expect(manifest.icons).toEqual({ outline: 'outline.png', color: 'color.png' })
    expect(pngHeader(await zip.file('color.png')!.async('uint8array'))).toEqual({
      width: 192,
      height: 192,
      colourType: 6,
    })
    expect(pngHeader(await zip.file('outline.png')!.async('uint8array'))).toEqual({
      width: 32,
      height: 32,
      colourType: 6,
    })
    // The example developer URLs are named, so the admin knows what is left to fill in.
    expect(p.placeholders).toEqual([
      'developer.websiteUrl',
      'developer.privacyUrl',
      'developer.termsOfUseUrl',
    ])
  })

  it("refuses the template's placeholder id and anything that is not an app id", async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'teams-')), 'app.zip')
    await expect(teamsPackage({}, out)).rejects.toMatchObject({ code: 'CONFIG_INVALID' })
    await expect(teamsPackage({ TEAMS_APP_ID: '00000000-0000-0000-0000-000000000000' }, out)).rejects.toThrow(
      /TEAMS_APP_ID must be your Azure Bot's Microsoft App ID/,
    )
    await expect(teamsPackage({ TEAMS_APP_ID: 'policybot' }, out)).rejects.toThrow(/not "policybot"/)
    await expect(
      teamsPackage({ TEAMS_APP_ID: APP_ID, TEAMS_PRIVACY_URL: 'http://intranet/privacy' }, out),
    ).rejects.toThrow(/privacyUrl must be an https:\/\/ URL/)
  })
})
