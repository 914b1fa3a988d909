/**
 * How versions are sealed at rest, for both stores: the metadata as JSON and the state as
 * `[u32 LE state-vector length][state vector][update]`, each AES-256-GCM framed under the doc's
 * data key (sealed-frames.ts) with associated data naming the doc and the version, so a
 * version's bytes cannot be moved to another doc or version.
 */
import { openChunks, sealChunks } from '../sealed-frames.ts'
import { VersionStoreError, type VersionEntry, type VersionState } from './version-store.ts'

const context = (docId: string, kind: 'meta' | 'state', id: number): Buffer => Buffer.from(`ferry/version-${kind}/v1/${docId}/${id}`)

export function sealEntry(key: Buffer, docId: string, id: number, entry: VersionEntry): Buffer {
  return Buffer.concat(sealChunks(key, context(docId, 'meta', id), Buffer.from(JSON.stringify(entry))))
}

export function openEntry(key: Buffer, docId: string, id: number, bytes: Buffer): VersionEntry {
  const plain = openChunks(key, context(docId, 'meta', id), bytes)
  if (!plain) throw new VersionStoreError('corrupt', `version ${id} of doc ${docId}: its metadata does not open`)
  return JSON.parse(plain.toString('utf8')) as VersionEntry
}

export function sealState(key: Buffer, docId: string, id: number, state: VersionState): Buffer {
  const length = Buffer.allocUnsafe(4)
  length.writeUInt32LE(state.stateVector.length, 0)
  const plain = Buffer.concat([length, state.stateVector, state.update])
  return Buffer.concat(sealChunks(key, context(docId, 'state', id), plain))
}

export function openState(key: Buffer, docId: string, id: number, bytes: Buffer): VersionState {
  const plain = openChunks(key, context(docId, 'state', id), bytes)
  if (!plain || plain.length < 4 || plain.readUInt32LE(0) > plain.length - 4) {
    throw new VersionStoreError('corrupt', `version ${id} of doc ${docId}: its state does not open`)
  }
  const svLength = plain.readUInt32LE(0)
  return { stateVector: plain.subarray(4, 4 + svLength), update: plain.subarray(4 + svLength) }
}
