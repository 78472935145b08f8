import { readFileSync, writeFileSync } from 'node:fs'
import { crc32, deflateSync } from 'node:zlib'
import JSZip from 'jszip'
import { PolicybotError } from '../../errors'

/** The manifest template (placeholders for the ids; the company's own details to fill in). */
const TEMPLATE = new URL('../../../bots/teams/manifest.json', import.meta.url)
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const PLACEHOLDER_ID = '00000000-0000-0000-0000-000000000000'

export interface TeamsPackage {
  path: string
  manifest: Record<string, unknown>
  /** Fields still holding the template's example values (shown to the user, not an error). */
  placeholders: string[]
}

/**
 * `policybot teams-package`: the app package Teams admins upload (manifest.json, a 192×192 colour
 * icon and a 32×32 white-on-transparent outline icon, zipped), with the Azure Bot's app id from
 * TEAMS_APP_ID in both places the manifest needs it. Refuses to build with the template's
 * all-zero placeholder id, which Teams would reject only at upload; names the developer fields
 * still holding example values (TEAMS_PUBLISHER, TEAMS_WEBSITE_URL, TEAMS_PRIVACY_URL,
 * TEAMS_TERMS_URL fill them).
 */
export async function teamsPackage(
  env: Record<string, string | undefined>,
  out = 'policybot-teams.zip',
): Promise<TeamsPackage> {
  const appId = (env.TEAMS_APP_ID ?? '').trim()
  if (!GUID.test(appId) || appId === PLACEHOLDER_ID)
    throw new PolicybotError(
      'CONFIG_INVALID',
      `TEAMS_APP_ID must be your Azure Bot's Microsoft App ID (a GUID such as 0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b)${appId ? `, not "${appId}"` : ''}; the template's placeholder cannot be installed.`,
    )
  const manifest = JSON.parse(readFileSync(TEMPLATE, 'utf8')) as {
    id: string
    developer: Record<string, string>
    bots: { botId: string }[]
  }
  manifest.id = appId
  for (const bot of manifest.bots) bot.botId = appId
  const developer: [string, string | undefined][] = [
    ['name', env.TEAMS_PUBLISHER],
    ['websiteUrl', env.TEAMS_WEBSITE_URL],
    ['privacyUrl', env.TEAMS_PRIVACY_URL],
    ['termsOfUseUrl', env.TEAMS_TERMS_URL],
  ]
  for (const [field, value] of developer) {
    if (!value) continue
    if (field !== 'name' && !/^https:\/\//.test(value))
      throw new PolicybotError(
        'CONFIG_INVALID',
        `The developer ${field} must be an https:// URL, not "${value}".`,
      )
    manifest.developer[field] = value
  }
  const placeholders = Object.entries(manifest.developer)
    .filter(([, v]) => v === 'Your company' || v.includes('example.com'))
    .map(([k]) => `developer.${k}`)

  const zip = new JSZip()
  zip.file('manifest.json', `${JSON.stringify(manifest, null, 2)}\n`)
  zip.file('color.png', colorIcon())
  zip.file('outline.png', outlineIcon())
  writeFileSync(out, await zip.generateAsync({ type: 'uint8array', compression: 'DEFLATE' }))
  return { path: out, manifest: manifest as unknown as Record<string, unknown>, placeholders }
}

/** The colour icon Teams asks for: 192×192, the accent colour with a white page and lines. */
function colorIcon(): Uint8Array {
  const size = 192
  return png(size, size, (x, y) => {
    const page = x >= 56 && x < 136 && y >= 40 && y < 152
    const line = page && x >= 72 && x < 120 && [64, 84, 104, 124].some((l) => y >= l && y < l + 8)
    if (line) return [0x2f, 0x6f, 0xde, 255]
    if (page) return [255, 255, 255, 255]
    return [0x2f, 0x6f, 0xde, 255]
  })
}

/** The outline icon Teams asks for: 32×32, white on transparent. */
function outlineIcon(): Uint8Array {
  return png(32, 32, (x, y) => {
    const border = x >= 9 && x < 23 && y >= 6 && y < 26 && (x < 11 || x >= 21 || y < 8 || y >= 24)
    const line = x >= 13 && x < 19 && [11, 15, 19].includes(y)
    return border || line ? [255, 255, 255, 255] : [0, 0, 0, 0]
  })
}

/** A truecolour-with-alpha PNG from a pixel function. */
function png(width: number, height: number, pixel: (x: number, y: number) => number[]): Uint8Array {
  const raw = Buffer.alloc((width * 4 + 1) * height)
  for (let y = 0; y < height; y++) {
    const row = y * (width * 4 + 1)
    raw[row] = 0 // no filter
    for (let x = 0; x < width; x++) Buffer.from(pixel(x, y)).copy(raw, row + 1 + x * 4)
  }
  const header = Buffer.alloc(13)
  header.writeUInt32BE(width, 0)
  header.writeUInt32BE(height, 4)
  header[8] = 8 // bit depth
  header[9] = 6 // RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ])
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4)
  length.writeUInt32BE(data.length)
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(body))
  return Buffer.concat([length, body, crc])
}
