import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { BlobReader } from './git-blobs'

const dir = mkdtempSync(join(tmpdir(), 'blobs-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const git = (...args: string[]) =>
  execFileSync('git', ['-C', dir, ...args])
    .toString()
    .trim()
git('init', '-q')
/** A blob written into the repository; returns its id. */
function blob(content: string | Buffer): string {
  const file = join(dir, 'f')
  writeFileSync(file, content)
  return git('hash-object', '-w', file)
}

describe('BlobReader', () => {
  it('answers concurrent reads in order: small, large (many pipe chunks), binary, empty and missing', async () => {
    const large = 'policy line\n'.repeat(200_000) // 2.4 MB
    const binary = Buffer.from([0, 10, 255, 10, 13, 0])
    const ids = [blob('# Leave\n\n25 days.\n'), blob(large), blob(binary), blob('')]
    const reader = new BlobReader(['-C', dir])
    const [small, big, bin, empty, missing] = await Promise.all([
      ...ids.map((id) => reader.read(id)),
      reader.read('0123456789abcdef0123456789abcdef01234567'),
    ])
    expect(small?.toString()).toBe('# Leave\n\n25 days.\n')
    expect(big?.toString()).toBe(large)
    expect(bin?.equals(binary)).toBe(true)
    expect(empty?.length).toBe(0)
    expect(missing).toBeNull()
    reader.close()
    // Closed, it starts again on the next read.
    expect((await reader.read(ids[0] as string))?.toString()).toContain('25 days')
    reader.close()
  })

  it('refuses what is not an object id, and fails reads cleanly when git cannot run', async () => {
    const reader = new BlobReader(['-C', dir])
    await expect(reader.read('HEAD; rm -rf /')).rejects.toThrow(/not an object id/)
    const broken = new BlobReader(['-C', join(dir, 'no-such-repo')])
    await expect(broken.read('0123456789abcdef0123456789abcdef01234567')).rejects.toThrow(
      /git cat-file --batch exited/,
    )
  })
})
