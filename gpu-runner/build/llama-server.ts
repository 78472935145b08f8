import { execFileSync, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { availableParallelism, homedir } from 'node:os'
import { join } from 'node:path'

/**
 * Builds `llama-server` from the llama.cpp source release that the pinned `node-llama-cpp` npm
 * package carries (a git bundle), so the only network needed is the npm registry. The binary is
 * cached outside the checkout under a key of (package version, source commit, build flags) and the
 * cache is filled atomically (build in a temporary directory, then rename). `LLAMA_SERVER_BIN`
 * skips all of it and uses the given binary.
 */

/** The node-llama-cpp release whose llama.cpp source we build (pins llama.cpp itself). */
export const NODE_LLAMA_CPP_VERSION = '3.22.1'

export type Backend = 'cpu' | 'cuda'

export interface BuildOptions {
  backend?: Backend
  /** Cache root (default `${XDG_CACHE_HOME:-~/.cache}/policybot/llama-server`). */
  cacheDir?: string
  jobs?: number
  log?: (line: string) => void
}

/** Portable x86-64-v3 CPU flags: a cached binary never carries the build machine's AVX-512. */
const CPU_FLAGS = [
  '-DGGML_NATIVE=OFF',
  '-DGGML_SSE42=ON',
  '-DGGML_AVX=ON',
  '-DGGML_AVX2=ON',
  '-DGGML_FMA=ON',
  '-DGGML_F16C=ON',
  '-DGGML_BMI2=ON',
]

/** The CMake flags of a backend: only the server, static, no UI download, no OpenSSL. */
export function cmakeFlags(backend: Backend): string[] {
  return [
    '-DCMAKE_BUILD_TYPE=Release',
    '-DBUILD_SHARED_LIBS=OFF',
    ...CPU_FLAGS,
    '-DLLAMA_BUILD_TESTS=OFF',
    '-DLLAMA_BUILD_EXAMPLES=OFF',
    '-DLLAMA_BUILD_APP=OFF',
    '-DLLAMA_BUILD_TOOLS=ON',
    '-DLLAMA_BUILD_SERVER=ON',
    '-DLLAMA_BUILD_UI=OFF',
    '-DLLAMA_USE_PREBUILT_UI=OFF',
    '-DLLAMA_OPENSSL=OFF',
    ...(backend === 'cuda' ? ['-DGGML_CUDA=ON'] : []),
  ]
}

/**
 * CUDA when the CUDA compiler and a GPU are both there (`nvcc` and `nvidia-smi -L`), CPU otherwise:
 * a stray `nvcc` without the CUDA libraries or a GPU (some CI images) must not pick a build that
 * fails or cannot be tested. `--backend cuda` forces it.
 */
export function detectBackend(): Backend {
  const ok = (cmd: string, args: string[]) => spawnSync(cmd, args, { stdio: 'ignore' }).status === 0
  return ok('nvcc', ['--version']) && ok('nvidia-smi', ['-L']) ? 'cuda' : 'cpu'
}

export function defaultCacheDir(): string {
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'policybot', 'llama-server')
}

/** The cache key: package version, source commit, and a hash of the flags. */
export function cacheKey(version: string, commit: string, flags: string[]): string {
  const h = createHash('sha256').update(flags.join('\n')).digest('hex').slice(0, 12)
  return `nlc${version}-${commit.slice(0, 12)}-${h}`
}

/**
 * Returns the path of a `llama-server` to run: `LLAMA_SERVER_BIN` if set, else the cached build
 * for these flags, building it first on a miss (about 6 minutes on 2 cores, CPU).
 */
export function ensureLlamaServer(options: BuildOptions = {}): string {
  const given = process.env.LLAMA_SERVER_BIN
  if (given) {
    if (!existsSync(given)) throw new Error(`LLAMA_SERVER_BIN=${given} does not exist`)
    return given
  }
  const log = options.log ?? (() => {})
  const backend = options.backend ?? detectBackend()
  const flags = cmakeFlags(backend)
  const root = options.cacheDir ?? defaultCacheDir()
  mkdirSync(root, { recursive: true })
  // The source commit is fixed by the package version; remembered, a cache hit needs no network.
  const commitFile = join(root, `node-llama-cpp-${NODE_LLAMA_CPP_VERSION}.commit`)
  const known = existsSync(commitFile) ? readFileSync(commitFile, 'utf8').trim() : undefined
  if (known) {
    const bin = join(root, cacheKey(NODE_LLAMA_CPP_VERSION, known, flags), 'bin', 'llama-server')
    if (existsSync(bin)) {
      log(`cache hit: ${bin}`)
      return bin
    }
  }
  const work = mkdtempSync(join(root, 'work-'))
  try {
    const run = (cmd: string, args: string[], cwd = work) =>
      execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 2 ** 20 }).toString()
    // 1. The source release inside the npm package (registry only, nothing else).
    log(`fetching node-llama-cpp@${NODE_LLAMA_CPP_VERSION} from the npm registry…`)
    const tgz = run('npm', ['pack', `node-llama-cpp@${NODE_LLAMA_CPP_VERSION}`, '--silent'])
      .trim()
      .split('\n')
      .pop() as string
    run('tar', ['xzf', tgz, 'package/llama/gitRelease.bundle', 'package/llama/llama.cpp.info.json'])
    const bundle = join(work, 'package/llama/gitRelease.bundle')
    const commit = run('git', ['bundle', 'list-heads', bundle]).trim().split(/\s+/)[0] as string
    writeFileSync(commitFile, `${commit}\n`)
    const key = cacheKey(NODE_LLAMA_CPP_VERSION, commit, flags)
    const entry = join(root, key)
    const bin = join(entry, 'bin', 'llama-server')
    if (existsSync(bin)) {
      log(`cache hit: ${bin}`)
      return bin
    }
    // 2. Clone, configure, build only the server, strip.
    log(`building llama-server (${backend}, llama.cpp ${commit.slice(0, 7)}) into ${entry}…`)
    run('git', ['-c', 'advice.detachedHead=false', 'clone', '-q', bundle, 'llama.cpp'])
    run('cmake', ['-S', 'llama.cpp', '-B', 'build', '-G', 'Ninja', ...flags])
    const jobs = String(options.jobs ?? availableParallelism())
    run('cmake', ['--build', 'build', '--target', 'llama-server', '-j', jobs])
    const staged = join(work, 'entry')
    mkdirSync(join(staged, 'bin'), { recursive: true })
    run('strip', ['-o', join(staged, 'bin', 'llama-server'), join(work, 'build', 'bin', 'llama-server')])
    // The bundle's vocab files and gguf-py travel with the binary (test models are made from them).
    run('cp', ['-r', join(work, 'llama.cpp', 'models'), join(staged, 'models')])
    run('cp', ['-r', join(work, 'llama.cpp', 'gguf-py'), join(staged, 'gguf-py')])
    // 3. Atomic fill: a concurrent build of the same key loses the rename and uses the winner's.
    try {
      renameSync(staged, entry)
    } catch (e) {
      if (!existsSync(bin)) throw e
    }
    log(`built ${bin}`)
    return bin
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}

/** `llama-server --version`: e.g. `version: 0.5.0-dev (build 1, commit de3ff81)`. */
export function llamaServerVersion(bin: string): string {
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8' })
  return `${r.stdout}${r.stderr}`.match(/version: .*/)?.[0] ?? ''
}

// `npm run runner:build [-- --backend cuda|cpu]`
if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const i = process.argv.indexOf('--backend')
  const backend = i > 0 ? (process.argv[i + 1] as Backend) : undefined
  if (backend && backend !== 'cpu' && backend !== 'cuda') {
    console.error('--backend must be cpu or cuda')
    process.exit(2)
  }
  const started = Date.now()
  const bin = ensureLlamaServer({
    ...(backend ? { backend } : {}),
    log: (l) => process.stderr.write(`${l}\n`),
  })
  process.stdout.write(`${bin}\n`)
  process.stderr.write(`${llamaServerVersion(bin)} (${((Date.now() - started) / 1000).toFixed(1)} s)\n`)
}
