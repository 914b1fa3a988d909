/**
 * An account's backup file as the relay builds it (`GET /v1/backup`), streamed doc by doc so
 * that memory holds one doc at a time, whatever the account's size: the head (source, profile,
 * the vault's public record), then the workspace, environments, history and every collection
 * the workspace lists (in the trash or not), each read from the store in one load (decrypted
 * in memory only) and merged into one update. Docs never written, and collections deleted for
 * good, are left out.
 */
import { Readable } from 'node:stream'
import * as Y from 'yjs'
import { docName, encodeBackupDoc, encodeBackupHead, BACKUP_TAIL, type AccountBackup, type BackupDoc, type BackupVault, type DocKind, type DocName, type UserId } from '@ferry/protocol'
import { WorkspaceIndex } from '@ferry/schema'
import { isGone, type DocStore } from '../storage/doc-store.ts'
import type { VaultStore } from '../storage/accounts/vault.ts'
import { applyUpdates, storedUpdates } from '../storage/yjs-updates.ts'

/** What the head of the file says (everything but the docs). */
export type BackupHead = Omit<AccountBackup, 'docs'>

/** The vault's public record in the file's shape; null without a vault. */
export async function readVault(store: VaultStore, owner: UserId): Promise<BackupVault | null> {
  const [chain, devices] = await Promise.all([store.getVaultChain(owner), store.listDevices(owner)])
  if (chain === null) return null
  return {
    generation: chain.generation,
    recoveries: chain.recoveries.map((r) => ({ generation: r.generation, wrappedKey: r.recoveryWrappedKey, tag: r.recoveryTag })),
    links: chain.links.map(({ generation, link }) => ({ generation, link })),
    devices: devices.map(({ userId: _, ...device }) => device),
  }
}

/** One doc as stored, as a whole-state update in a `Y.Doc` (the caller destroys it); null when never written or deleted for good. */
async function loadDoc(store: DocStore, name: DocName): Promise<Y.Doc | null> {
  let stored
  try {
    stored = await store.load(name)
  } catch (error) {
    if (isGone(error)) return null
    throw error
  }
  if (stored.seq === 0 && stored.snapshot === null) return null
  const doc = new Y.Doc({ guid: name })
  applyUpdates(doc, storedUpdates(stored))
  return doc
}

/** Every doc of `owner` the relay holds: the workspace first, then those it lists. */
async function* accountDocs(store: DocStore, owner: UserId): AsyncGenerator<BackupDoc> {
  const index = await loadDoc(store, docName(owner, 'workspace'))
  let collections: string[] = []
  if (index) {
    try {
      collections = new WorkspaceIndex(index, { recordConflicts: false }).allCollections().map((c) => c.id)
      yield { kind: 'workspace', id: null, update: Y.encodeStateAsUpdate(index) }
    } finally {
      index.destroy()
    }
  }
  const rest: [DocKind, string | null][] = [['environments', null], ['history', null], ...collections.map((id): [DocKind, string] => ['collection', id])]
  for (const [kind, id] of rest) {
    const doc = await loadDoc(store, id === null ? docName(owner, kind) : docName(owner, kind, id))
    if (!doc) continue
    try {
      yield { kind, id, update: Y.encodeStateAsUpdate(doc) }
    } finally {
      doc.destroy()
    }
  }
}

/** The file as a stream of text; a store failure midway ends it early (the truncated file reads as not JSON). */
export function backupStream(store: DocStore, owner: UserId, head: BackupHead): Readable {
  async function* pieces(): AsyncGenerator<string> {
    yield encodeBackupHead(head)
    let first = true
    for await (const doc of accountDocs(store, owner)) {
      yield (first ? '' : ',') + encodeBackupDoc(doc)
      first = false
    }
    yield BACKUP_TAIL
  }
  return Readable.from(pieces())
}
