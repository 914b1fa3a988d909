/**
 * Downloading the backup file of the workspace on screen (docs/BACKUP.md). A signed-in
 * account's file comes from the relay (`GET /v1/backup`: every doc it stores and the vault's
 * record, which only the relay holds), with this device's changes the relay has not stored
 * yet merged in. When the relay cannot be reached, or the session ended, and for the local-only
 * workspace, the file is built from this device's copy: complete as to docs, but without a
 * vault record, so its values restore only into the same account.
 */
import { backupFileName, encodeBackup, LOCAL_ACCOUNT_ID, stateVectorOfUpdate, type AccountBackup, type BackupDoc, type DocKind } from '@ferry/protocol'
import * as Y from 'yjs'
import { Offline, SignedOut } from '../errors.ts'
import type { FerryClient } from '../ferry-client.ts'
import type { Workspace } from '../workspace.ts'
import { readBackupFile } from './file-vault.ts'

export interface DownloadedBackup {
  /** The file, UTF-8 JSON. */
  readonly text: string
  /** `ferry-backup-<email>-<date>.json` */
  readonly fileName: string
  /** `relay`: the relay's file (with this device's unsynced changes); `device`: built here, without the vault record. */
  readonly from: 'relay' | 'device'
}

/** Every doc this device holds of the workspace: the index, environments, history and each collection it lists (in the trash or not). */
async function deviceDocs(workspace: Workspace): Promise<BackupDoc[]> {
  const wanted: [DocKind, string | null][] = [['workspace', null], ['environments', null], ['history', null], ...workspace.index.allCollections().map((c): [DocKind, string] => ['collection', c.id])]
  const docs: BackupDoc[] = []
  for (const [kind, id] of wanted) {
    const update = await workspace.docUpdate(kind, id ?? undefined)
    if (!holdsNothing(update)) docs.push({ kind, id, update })
  }
  return docs
}

/** True for an update without a single struct (a doc nobody wrote to): its state vector names no client. */
function holdsNothing(update: Uint8Array): boolean {
  return stateVectorOfUpdate(update).length <= 1
}

/** The relay's docs with this device's merged in (a doc only one side has is taken as it is). */
function withLocal(relayDocs: readonly BackupDoc[], local: readonly BackupDoc[]): BackupDoc[] {
  const key = (doc: BackupDoc) => `${doc.kind}:${doc.id ?? ''}`
  const mine = new Map(local.map((doc) => [key(doc), doc]))
  const merged = relayDocs.map((doc) => {
    const own = mine.get(key(doc))
    mine.delete(key(doc))
    return own ? { ...doc, update: Y.mergeUpdates([doc.update, own.update]) } : doc
  })
  return [...merged, ...mine.values()]
}

const done = (backup: AccountBackup, from: DownloadedBackup['from']): DownloadedBackup => ({ text: encodeBackup(backup), fileName: backupFileName(backup), from })

export async function downloadBackup(client: FerryClient): Promise<DownloadedBackup> {
  const workspace = client.workspace
  const local = await deviceDocs(workspace)
  const account = workspace.owner === LOCAL_ACCOUNT_ID ? null : client.accounts.get(workspace.owner)
  if (account) {
    try {
      const fromRelay = readBackupFile(await client.relay.backup(await client.accounts.accessToken(account.id)))
      return done({ ...fromRelay, docs: withLocal(fromRelay.docs, local) }, 'relay')
    } catch (error) {
      if (!(error instanceof Offline || error instanceof SignedOut)) throw error
    }
  }
  const backup: AccountBackup = {
    createdAt: new Date().toISOString(),
    source: { relay: null, accountId: workspace.owner, email: account?.profile.email ?? null },
    profile: account?.profile.name ? { name: account.profile.name } : null,
    vault: null,
    docs: local,
  }
  return done(backup, 'device')
}
