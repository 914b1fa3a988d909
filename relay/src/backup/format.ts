/**
 * What a Ferry data-dir backup file holds (docs/decisions.md, "Operator backup", describes it
 * for operators): a gzip-compressed tar whose first entry is `ferry-backup.json` (`BackupMeta`),
 * then the data dir's files under `data/`, then `ferry-backup-manifest.json` (`BackupManifest`).
 */

/** Version of this layout; a restore refuses a newer one. */
export const BACKUP_FORMAT = 1
export const META_ENTRY = 'ferry-backup.json'
export const MANIFEST_ENTRY = 'ferry-backup-manifest.json'
export const DATA_PREFIX = 'data/'

export interface BackupMeta {
  readonly format: number
  readonly kind: 'ferry-data-dir'
  /** The data dir's format version (`format.json`) when it was backed up. */
  readonly dataDirFormat: number
  readonly createdAt: string
}

export interface BackupManifest {
  /** Path below the data dir → SHA-256 of its bytes, hex. */
  readonly files: Readonly<Record<string, string>>
}

/** A backup or restore that cannot go on, with a sentence saying why. */
export class BackupError extends Error {
  override name = 'BackupError'
}
