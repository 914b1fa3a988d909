/**
 * A collection's version history, for the History panel: the relay's `/v1/docs/:doc/versions`
 * routes, typed, and restoring — the whole collection or one request or folder — as a new
 * forward change in the live doc (@ferry/schema `restoreCollection`): the version's state is
 * fetched, read into a separate Y.Doc, and only its differences from the live doc are written
 * there as ordinary edits, which sync and merge like any other (never a rewind).
 */
import * as Y from 'yjs'
import type { DocName } from '@ferry/protocol'
import { fromBase64Url } from '@ferry/crypto'
import { diffCollections, restoreCollection, type CollectionDiff, type DiffSummary, type RestoreResult } from '@ferry/schema'
import { RelayError } from './errors.ts'
import type { RelayApi } from './relay-api.ts'

/** One version as the relay lists it. `at`: ms since the epoch; `devices`: the sign-in sessions whose edits it holds. */
export interface VersionInfo {
  readonly id: number
  readonly at: number
  readonly devices: readonly string[]
  readonly summary: DiffSummary
  readonly name: string | null
}

type Json = Record<string, unknown>
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)
const unexpected = (what: string) => new RelayError('unexpected', `The relay sent an unexpected answer (${what}).`, 200)
const count = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0

function parseVersion(v: unknown): VersionInfo {
  if (!isObject(v) || !count(v.id) || typeof v.at !== 'number' || !Array.isArray(v.devices) || !isObject(v.summary)) throw unexpected('version')
  const { added, removed, changed } = v.summary
  if (!count(added) || !count(removed) || !count(changed) || !(v.name === null || typeof v.name === 'string')) throw unexpected('version')
  return { id: v.id, at: v.at, devices: v.devices.filter((d): d is string => typeof d === 'string'), summary: { added, removed, changed }, name: v.name }
}

function parseDiff(v: unknown): CollectionDiff {
  if (!isObject(v) || !Array.isArray(v.collection) || !Array.isArray(v.items)) throw unexpected('diff')
  return v as unknown as CollectionDiff
}

export class CollectionVersions {
  readonly #relay: RelayApi
  readonly #token: () => Promise<string>
  readonly #path: string

  /** `doc` is the collection's doc name; `token` answers a fresh access token of its owner. */
  constructor(relay: RelayApi, token: () => Promise<string>, doc: DocName) {
    this.#relay = relay
    this.#token = token
    this.#path = `/v1/docs/${encodeURIComponent(doc)}/versions`
  }

  async #call(method: string, path: string, body?: Json): Promise<unknown> {
    return this.#relay.call(method, this.#path + path, await this.#token(), body)
  }

  /** Every version the relay keeps, oldest first. */
  async list(): Promise<VersionInfo[]> {
    const body = await this.#call('GET', '')
    if (!isObject(body) || !Array.isArray(body.versions)) throw unexpected('versions')
    return body.versions.map(parseVersion)
  }

  /** Takes a version of the collection as the relay holds it now, named `name` (it never expires). */
  async takeNamed(name: string): Promise<VersionInfo> {
    return parseVersion(await this.#call('POST', '', { name }))
  }

  /** Names a version (null: unnames it, so it expires like the others). */
  async rename(id: number, name: string | null): Promise<void> {
    await this.#call('PUT', `/${id}/name`, { name })
  }

  /** What changed from version `from` to version `to`, per item. */
  async diff(from: number, to: number): Promise<CollectionDiff> {
    return parseDiff(await this.#call('GET', `/${from}/diff/${to}`))
  }

  /** The collection as it was at version `id`, as a separate doc (the caller destroys it). */
  async open(id: number): Promise<Y.Doc> {
    const body = await this.#call('GET', `/${id}`)
    if (!isObject(body) || typeof body.state !== 'string') throw unexpected('version state')
    const doc = new Y.Doc()
    try {
      Y.applyUpdate(doc, fromBase64Url(body.state))
    } catch {
      doc.destroy()
      throw unexpected('version state')
    }
    return doc
  }

  /** What changed from version `id` to the live doc, per item (what a restore would undo). */
  async diffToLive(id: number, live: Y.Doc): Promise<CollectionDiff> {
    const version = await this.open(id)
    try {
      return diffCollections(version, live)
    } finally {
      version.destroy()
    }
  }

  /**
   * Restores the live collection doc `live` — or, with `itemId`, one request or folder in it —
   * to version `id`, as new edits in `live` (they sync like any edit).
   */
  async restore(id: number, live: Y.Doc, itemId?: string): Promise<RestoreResult> {
    const version = await this.open(id)
    try {
      return restoreCollection(live, version, itemId)
    } finally {
      version.destroy()
    }
  }
}
