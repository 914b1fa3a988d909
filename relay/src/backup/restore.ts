/**
 * `ferry-relay restore <file>`: puts a backup (see `backup.ts`) into a data dir that holds
 * nothing yet — or, with `--force`, whose content it replaces. The whole file is checked
 * first (its kind and version, every file against the manifest, nothing extra, nothing
 * missing), so a damaged or foreign file changes nothing. The data dir is locked meanwhile, so
 * a relay running on it makes the restore refuse, and no relay starts on a half-restored one.
 * Files are written 0600 and fsynced, directories 0700 and fsynced. A backup from an older
 * relay is migrated by the next `serve` or `migrate`, as any older data dir is.
 */
import { createHash } from 'node:crypto'
import { mkdir, open, readdir, rm } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import type { Config } from '../config.ts'
import { lockDataDir } from '../data-dir.ts'
import { DATA_DIR_FORMAT, RESTORE_MARKER } from '../storage/data-dir-format.ts'
import { fsyncDir } from '../storage/files/fs-util.ts'
import { ArchiveError, readArchive } from './archive.ts'
import { BACKUP_FORMAT, BackupError, DATA_PREFIX, MANIFEST_ENTRY, META_ENTRY, type BackupManifest, type BackupMeta } from './format.ts'

export interface RestoreReport {
  readonly files: number
  readonly createdAt: string
  readonly holdsMasterKey: boolean
}

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex')

function parseJson<T>(bytes: Buffer, what: string): T {
  try {
    return JSON.parse(bytes.toString('utf8')) as T
  } catch {
    throw new BackupError(`the backup file's ${what} is not valid JSON: the file is damaged`)
  }
}

function checkMeta(meta: BackupMeta): void {
  if (meta.kind !== 'ferry-data-dir') throw new BackupError('this is not a backup of a Ferry data dir')
  if (meta.format > BACKUP_FORMAT) throw new BackupError(`the backup file has format ${meta.format}, newer than this relay reads (${BACKUP_FORMAT}): restore it with the relay that made it`)
  if (meta.dataDirFormat > DATA_DIR_FORMAT) {
    throw new BackupError(`the backup holds a data dir of format ${meta.dataDirFormat}, newer than this relay reads (${DATA_DIR_FORMAT}): restore it with a newer relay`)
  }
}

/** Reads the whole file once: its meta, and the manifest checked against every file in it. */
async function checkArchive(file: string): Promise<{ meta: BackupMeta; manifest: BackupManifest }> {
  let meta: BackupMeta | null = null
  let manifest: BackupManifest | null = null
  const hashes = new Map<string, string>()
  for await (const entry of readArchive(file)) {
    if (meta === null) {
      if (entry.path !== META_ENTRY) throw new BackupError(`${file} is not a Ferry backup (it does not start with ${META_ENTRY})`)
      meta = parseJson<BackupMeta>(entry.bytes, META_ENTRY)
      checkMeta(meta)
    } else if (entry.path === MANIFEST_ENTRY) {
      manifest = parseJson<BackupManifest>(entry.bytes, MANIFEST_ENTRY)
    } else if (entry.path.startsWith(DATA_PREFIX) && manifest === null && !hashes.has(entry.path)) {
      hashes.set(entry.path.slice(DATA_PREFIX.length), sha256(entry.bytes))
    } else {
      throw new BackupError(`the backup file holds an unexpected entry ${entry.path}: it is not one this relay wrote`)
    }
  }
  if (meta === null) throw new BackupError(`${file} is empty`)
  if (manifest === null) throw new BackupError('the backup file has no manifest: it is incomplete')
  const listed = Object.entries(manifest.files)
  if (listed.length !== hashes.size) throw new BackupError(`the backup file holds ${hashes.size} files but its manifest lists ${listed.length}: it is damaged`)
  for (const [path, hash] of listed) {
    if (hashes.get(path) !== hash) throw new BackupError(`${path} in the backup file does not match its checksum: the file is damaged`)
  }
  return { meta, manifest }
}

async function writeDurably(path: string, bytes: Buffer): Promise<void> {
  const handle = await open(path, 'wx', 0o600)
  try {
    await handle.writeFile(bytes)
    await handle.sync()
  } finally {
    await handle.close()
  }
}

/** Empties the data dir but for the lock this process holds. */
async function clear(dataDir: string): Promise<void> {
  for (const name of await readdir(dataDir)) if (name !== 'relay.lock') await rm(join(dataDir, name), { recursive: true, force: true })
}

export async function restoreDataDir(config: Config, file: string, force: boolean): Promise<RestoreReport> {
  const { meta, manifest } = await checkArchive(file).catch((error: unknown) => {
    if (error instanceof ArchiveError) throw new BackupError(error.message)
    if ((error as { code?: string }).code === 'ENOENT') throw new BackupError(`${file} does not exist`)
    if ((error as { code?: string }).code?.startsWith('Z_')) throw new BackupError(`${file} is not a gzip file, or it is damaged`)
    throw error
  })
  const dataDir = config.dataDir
  const release = lockDataDir(dataDir)
  try {
    const present = (await readdir(dataDir)).filter((name) => name !== 'relay.lock')
    if (present.length > 0) {
      if (!force) throw new BackupError(`the data dir ${dataDir} is not empty (it holds ${present.slice(0, 3).join(', ')}${present.length > 3 ? ', …' : ''}); restore into an empty one, or add --force to replace its content`)
      await clear(dataDir)
    }
    // Until the last file is durable, a relay refuses to start here (see `data-dir-format.ts`).
    await writeDurably(join(dataDir, RESTORE_MARKER), Buffer.alloc(0))
    const dirs = new Set<string>([dataDir])
    let files = 0
    for await (const entry of readArchive(file)) {
      if (!entry.path.startsWith(DATA_PREFIX)) continue
      const relative = entry.path.slice(DATA_PREFIX.length)
      // Checked again: the file could have changed since it was checked.
      if (manifest.files[relative] !== sha256(entry.bytes)) throw new BackupError(`${relative} changed in the backup file while it was restored`)
      const path = join(dataDir, relative)
      await mkdir(dirname(path), { recursive: true, mode: 0o700 })
      for (let dir = dirname(path); dir.length > dataDir.length; dir = dirname(dir)) dirs.add(dir)
      await writeDurably(path, entry.bytes)
      files++
    }
    for (const dir of [...dirs].sort((a, b) => b.length - a.length)) await fsyncDir(dir)
    await rm(join(dataDir, RESTORE_MARKER))
    await fsyncDir(dataDir)
    await fsyncDir(dirname(dataDir))
    return { files, createdAt: meta.createdAt, holdsMasterKey: 'keys/master.key' in manifest.files }
  } finally {
    release()
  }
}
