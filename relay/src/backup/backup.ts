/**
 * `ferry-relay backup <file>`: a consistent backup of the embedded data dir, taken while a
 * relay may be writing to it, holding every update that relay acknowledged before the backup
 * started. It needs no help from the relay (see `doc-copy.ts` for why each doc's copy is
 * consistent); every other file of the data dir is replaced whole by rename when it changes
 * (`accounts.json`, usage files, avatars, `format.json`) or never changes (keys), so one read
 * of it is one consistent version. `accounts.json` is read last, so it knows every account
 * that owns a copied doc.
 *
 * The file (see `archive.ts`) holds `ferry-backup.json` (what it is), the data dir's files
 * under `data/`, and `ferry-backup-manifest.json` (a SHA-256 per file) last; it is written as
 * `<file>.partial` and renamed once complete and read back, so a file by the asked name is
 * always a whole backup. Left out: `relay.lock`, the mail `outbox/` (mails hold sign-in
 * tokens), temp files of writes in progress, and `keys/` unless asked for (`withKeys`): the
 * master key is kept apart from the data it opens (SECURITY.md), so a stolen backup alone
 * reads nothing.
 */
import { createHash } from 'node:crypto'
import { open, readdir, readFile, rename, rm, stat } from 'node:fs/promises'
import { join, relative } from 'node:path'
import type { Config } from '../config.ts'
import { readKeyFile } from '../key-file.ts'
import { readDataDirFormat } from '../storage/data-dir-format.ts'
import { loadMasterKey, MasterKey } from '../storage/keys.ts'
import { ArchiveWriter, readArchive } from './archive.ts'
import { BACKUP_FORMAT, BackupError, DATA_PREFIX, MANIFEST_ENTRY, META_ENTRY, type BackupManifest, type BackupMeta } from './format.ts'
import { copyDoc } from './doc-copy.ts'

const SKIPPED = new Set(['relay.lock', 'outbox'])
const KEYS = 'keys'
const DOC_DIR = /^docs\/[0-9a-f]{2}\/[0-9a-f]{64}$/
const LAST = 'accounts.json'

export interface BackupReport {
  readonly files: number
  readonly docs: number
  readonly bytes: number
  /** Docs whose data dir copy already lacks records (damage the relay reports too). */
  readonly damaged: readonly string[]
  /** Whether the master key's file is in the backup (`withKeys`, and no `FERRY_MASTER_KEY`). */
  readonly holdsMasterKey: boolean
}

const missingFile = (error: unknown): boolean => (error as NodeJS.ErrnoException).code === 'ENOENT'

function masterKeyOf(config: Config): MasterKey | null {
  if (config.masterKey !== null) return new MasterKey(loadMasterKey(config))
  const key = readKeyFile(join(config.dataDir, 'keys', 'master.key'))
  return key ? new MasterKey(key) : null
}

class Collector {
  readonly hashes: Record<string, string> = {}
  files = 0
  docs = 0
  bytes = 0
  readonly damaged: string[] = []

  constructor(readonly archive: ArchiveWriter) {}

  async add(path: string, bytes: Buffer): Promise<void> {
    this.hashes[path] = createHash('sha256').update(bytes).digest('hex')
    this.files++
    this.bytes += bytes.length
    await this.archive.add(DATA_PREFIX + path, bytes)
  }
}

async function walk(dataDir: string, relative: string, master: MasterKey | null, out: Collector, withKeys: boolean): Promise<void> {
  const entries = await readdir(join(dataDir, relative), { withFileTypes: true }).catch((error: unknown) => {
    if (missingFile(error)) return []
    throw error
  })
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const path = relative ? `${relative}/${entry.name}` : entry.name
    const skipped = SKIPPED.has(entry.name) || entry.name === LAST || (entry.name === KEYS && !withKeys)
    if ((relative === '' && skipped) || entry.name.endsWith('.tmp')) continue
    if (entry.isDirectory() && DOC_DIR.test(path)) {
      if (!master) throw new BackupError(`the data dir holds documents but no master key (keys/master.key or FERRY_MASTER_KEY) to verify them with`)
      const copy = await copyDoc(join(dataDir, path), entry.name, master)
      if (copy.missing.length > 0) out.damaged.push(entry.name)
      for (const [name, bytes] of copy.files) await out.add(`${path}/${name}`, bytes)
      out.docs++
    } else if (entry.isDirectory()) {
      await walk(dataDir, path, master, out, withKeys)
    } else if (entry.isFile()) {
      try {
        await out.add(path, await readFile(join(dataDir, path)))
      } catch (error) {
        // Deleted after the backup started (an avatar replaced, a usage file rewritten): not part of it.
        if (!missingFile(error)) throw error
      }
    }
  }
}

/** Reads the written file back: every entry whole and matching the manifest. */
async function verify(path: string, manifest: BackupManifest): Promise<void> {
  let seen = 0
  for await (const entry of readArchive(path)) {
    if (!entry.path.startsWith(DATA_PREFIX)) continue
    const expected = manifest.files[entry.path.slice(DATA_PREFIX.length)]
    if (expected !== createHash('sha256').update(entry.bytes).digest('hex')) throw new BackupError(`the backup file did not read back as written (${entry.path})`)
    seen++
  }
  if (seen !== Object.keys(manifest.files).length) throw new BackupError('the backup file did not read back whole')
}

/** Backs the data dir up into `file`; `withKeys` adds `keys/` (the master key and the access-token key). */
export async function backupDataDir(config: Config, file: string, withKeys = false): Promise<BackupReport> {
  const dataDir = config.dataDir
  const format = await readDataDirFormat(dataDir)
  if (format === null) throw new BackupError(`the data dir ${dataDir} holds no data to back up (is FERRY_DATA_DIR right?)`)
  if (!relative(dataDir, file).startsWith('..')) {
    throw new BackupError(`${file} is inside the data dir ${dataDir}: write the backup elsewhere (the next backup would copy it, and it would be lost with the data dir)`)
  }
  const master = masterKeyOf(config)
  if (await stat(file).then(() => true, (error: unknown) => (missingFile(error) ? false : Promise.reject(error)))) {
    throw new BackupError(`${file} already exists; choose a new file name (a backup never overwrites one)`)
  }
  const partial = `${file}.partial`
  const archive = new ArchiveWriter(partial)
  const out = new Collector(archive)
  try {
    const meta: BackupMeta = { format: BACKUP_FORMAT, kind: 'ferry-data-dir', dataDirFormat: format, createdAt: new Date().toISOString() }
    await archive.add(META_ENTRY, Buffer.from(JSON.stringify(meta, null, 2)))
    await walk(dataDir, '', master, out, withKeys)
    const accounts = await readFile(join(dataDir, LAST)).catch((error: unknown) => (missingFile(error) ? null : Promise.reject(error)))
    if (accounts) await out.add(LAST, accounts)
    const manifest: BackupManifest = { files: out.hashes }
    await archive.add(MANIFEST_ENTRY, Buffer.from(JSON.stringify(manifest)))
    await archive.finish()
    const handle = await open(partial, 'r')
    await handle.sync().finally(() => handle.close())
    await verify(partial, manifest)
    await rename(partial, file)
  } catch (error) {
    await archive.abort()
    await rm(partial, { force: true })
    throw error
  }
  return { files: out.files, docs: out.docs, bytes: out.bytes, damaged: out.damaged, holdsMasterKey: 'keys/master.key' in out.hashes }
}
