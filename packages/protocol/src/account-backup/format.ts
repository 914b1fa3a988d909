/**
 * The account backup file (docs/BACKUP.md): everything of one account in one JSON file — every
 * doc as a Yjs update, the vault's public record (ciphertext and wrapped keys only) and the
 * profile name — that restores into any account on any relay, merging with what is there.
 * Doc names are stored without their owner (kind and id), so the file is not tied to the
 * account it came from; `source.accountId` says which one that was, because vault values and
 * wrapped keys are bound to it.
 *
 * This module writes the file, in pieces, so the relay can stream it doc by doc and the client
 * can build it in memory with the same code: `encodeBackupHead` + `encodeBackupDoc` for each
 * doc, joined by commas, + `BACKUP_TAIL`. `parse.ts` reads it back.
 */
import { toBase64 } from 'lib0/buffer'
import type { DocKind, UserId } from '../doc-names.ts'

/** The `format` field of every backup file. */
export const BACKUP_FORMAT = 'ferry-account-backup'
/** The version this code writes and the newest it reads. */
export const BACKUP_VERSION = 1
/** The largest file a client reads, bytes (the relay's restore route takes less: relay/src/account-backup). */
export const MAX_BACKUP_BYTES = 256 * 1024 * 1024
/** The most docs one file may hold. */
export const MAX_BACKUP_DOCS = 100_000
/** `source.accountId` of a backup of the local-only workspace (no account): its values are plain text. */
export const LOCAL_ACCOUNT_ID = 'local'

/** One doc: its kind, its id (collections only; null for the others) and its whole state. */
export interface BackupDoc {
  readonly kind: DocKind
  readonly id: string | null
  /** The doc's whole state as one Yjs update (v1 encoding). */
  readonly update: Uint8Array
}

/** Where the file came from. */
export interface BackupSource {
  /** The relay's public URL; null for a file built on a device (offline, or the local-only workspace). */
  readonly relay: string | null
  /** The account whose docs these were (`LOCAL_ACCOUNT_ID` for the local-only workspace). */
  readonly accountId: UserId
  readonly email: string | null
}

/** A vault key wrapped by the recovery key, with the tag that shows a holder of the key wrote it (null: written before tags). */
export interface BackupRecoveryWrap {
  readonly generation: number
  readonly wrappedKey: string
  readonly tag: string | null
}

/** A device of the vault as the relay lists it: public key and, once approved, the vault key wrapped to it. */
export interface BackupDevice {
  readonly id: string
  readonly name: string
  readonly publicKey: string
  readonly status: 'pending' | 'approved' | 'revoked'
  readonly wrappedKey: string | null
  readonly generation: number | null
  readonly createdAt: number
  readonly approvedAt: number | null
  readonly revokedAt: number | null
}

/**
 * The vault's record as the relay keeps it: nothing in it opens without a device's private key
 * or the recovery key. Values in the environments doc are sealed under the keys it wraps.
 */
export interface BackupVault {
  /** The current key generation. */
  readonly generation: number
  /** The current recovery wrap first (of `generation`), then the ones it replaced, newest first. */
  readonly recoveries: readonly BackupRecoveryWrap[]
  /** The key chain's links (opaque, base64url), oldest first. */
  readonly links: readonly { readonly generation: number; readonly link: string }[]
  readonly devices: readonly BackupDevice[]
}

export interface AccountBackup {
  /** When the file was written, ISO 8601. */
  readonly createdAt: string
  readonly source: BackupSource
  /** The account's display name; null when it has none (or the file is of the local-only workspace). */
  readonly profile: { readonly name: string } | null
  readonly vault: BackupVault | null
  readonly docs: readonly BackupDoc[]
}

/** What comes before the docs: `{…, "docs":[`. */
export function encodeBackupHead(backup: Omit<AccountBackup, 'docs'>): string {
  const { source } = backup
  const head = {
    format: BACKUP_FORMAT,
    version: BACKUP_VERSION,
    createdAt: backup.createdAt,
    source: { relay: source.relay, accountId: source.accountId, email: source.email },
    profile: backup.profile === null ? null : { name: backup.profile.name },
    vault: backup.vault,
  }
  const json = JSON.stringify(head)
  return `${json.slice(0, -1)},"docs":[`
}

/** One doc entry (join entries with commas). */
export function encodeBackupDoc(doc: BackupDoc): string {
  return JSON.stringify({ kind: doc.kind, ...(doc.id === null ? {} : { id: doc.id }), update: toBase64(doc.update) })
}

/** What closes the file after the last doc. */
export const BACKUP_TAIL = ']}\n'

/** The whole file as text. */
export function encodeBackup(backup: AccountBackup): string {
  return encodeBackupHead(backup) + backup.docs.map(encodeBackupDoc).join(',') + BACKUP_TAIL
}

/** The file's name as the apps offer it: `ferry-backup-<email or "local">-<YYYY-MM-DD>.json`. */
export function backupFileName(backup: Pick<AccountBackup, 'createdAt' | 'source'>): string {
  const who = (backup.source.email ?? backup.source.accountId).replace(/[^A-Za-z0-9@._+-]/g, '_')
  return `ferry-backup-${who}-${backup.createdAt.slice(0, 10)}.json`
}
