/**
 * `<userId>:history` — requests as sent, newest last, trimmed to the newest `limit` entries.
 *
 * Layout: root map `buckets`, from an order key (sorted = oldest first) to a `Y.Array` of
 * at most `HISTORY_BUCKET_SIZE` plain JSON entries (entries never change once written). An
 * append goes to the newest bucket, opening a new one when it is full; trimming deletes whole
 * old buckets and the front of the oldest remaining one.
 *
 * Why buckets and not one trimmed `Y.Array`: a deleted array element stays in the array's
 * linked list as a tombstone, and tombstones of different devices interleave and never merge,
 * so with several devices one array grows a tombstone for every entry ever written and each
 * trim walks all of them (measured: 6 ms per append after 20,000 appends from three devices,
 * growing). Deleting a whole bucket deletes its array, and Yjs then collapses its contents to
 * per-device id ranges. Only the oldest live bucket holds tombstones. See
 * test/bench/history-trim.bench.ts for the sizes.
 *
 * Merge caveat: a device offline for long may append into a bucket that another device has
 * since trimmed away; after merging, those entries are gone — by merged order they were among
 * the oldest.
 */
import * as Y from 'yjs'
import type { ChangeInfo, SchemaOptions } from './options.ts'
import { compareOrder, isOrderKey, keyBetween } from './order.ts'
import { createId, cryptoRandom, type RandomSource } from './random.ts'
import { SETTINGS_DEFAULTS } from './settings.ts'
import { observeTypes, transact } from './transact.ts'
import { ignoreProblems, isRecord, MAX_SCALAR_LENGTH, type ProblemSink } from './validate.ts'

/** A header as it went on the wire (variables substituted, disabled rows dropped). */
export interface SentHeader {
  key: string
  value: string
}

export interface SentRequest {
  method: string
  url: string
  headers: SentHeader[]
  /** The body as sent, as text (the client decides how much of a large body to keep). */
  body: string
}

/** Which way a request went: from the page, through the Ferry agent, or the relay's send proxy. */
export type SentVia = 'direct' | 'agent' | 'relay'

const SENT_VIA: readonly string[] = ['direct', 'agent', 'relay'] satisfies SentVia[]

export interface HistoryEntry {
  id: string
  request: SentRequest
  /** HTTP status; 0 when no response arrived (network error, timeout). */
  status: number
  /** Time from send to the end of the response, in milliseconds. */
  timingMs: number
  /** Response body size in bytes. */
  responseSize: number
  /** When it was sent, in milliseconds since the Unix epoch. */
  time: number
  /** The collection request it was sent from, if any. */
  source: { collectionId: string; requestId: string } | null
  /** Which way it went; absent in entries written before it was recorded, or when nothing was sent. */
  via?: SentVia
}

export type HistoryEntryInput = Omit<HistoryEntry, 'id'>

const str = (v: unknown): v is string => typeof v === 'string' && v.length <= MAX_SCALAR_LENGTH
const num = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0

function parseRequest(v: unknown): SentRequest | undefined {
  if (!isRecord(v) || !str(v.method) || !str(v.url) || !str(v.body) || !Array.isArray(v.headers)) return undefined
  const headers: SentHeader[] = []
  for (const h of v.headers as unknown[]) {
    if (!isRecord(h) || !str(h.key) || !str(h.value)) return undefined
    headers.push({ key: h.key, value: h.value })
  }
  return { method: v.method, url: v.url, headers, body: v.body }
}

function parseSource(v: unknown): HistoryEntry['source'] | undefined {
  if (v === null) return null
  return isRecord(v) && str(v.collectionId) && str(v.requestId) ? { collectionId: v.collectionId, requestId: v.requestId } : undefined
}

/** A validated copy of a stored entry, or undefined. */
export function parseHistoryEntry(v: unknown): HistoryEntry | undefined {
  if (!isRecord(v) || !str(v.id) || !num(v.status) || !num(v.timingMs) || !num(v.responseSize) || !num(v.time)) return undefined
  const request = parseRequest(v.request)
  const source = parseSource(v.source)
  if (!request || source === undefined) return undefined
  const entry: HistoryEntry = { id: v.id, request, status: v.status, timingMs: v.timingMs, responseSize: v.responseSize, time: v.time, source }
  // A way a newer Ferry knows and this one does not is left out: the rest of the entry still reads.
  if (typeof v.via === 'string' && SENT_VIA.includes(v.via)) entry.via = v.via as SentVia
  return entry
}

export interface HistoryOptions extends SchemaOptions {
  /** Entries kept, newest first; default 5,000 (the `historyLimit` setting). */
  limit?: number
}

/** Entries per bucket: bounds the tombstones a trim leaves and walks. */
export const HISTORY_BUCKET_SIZE = 500

interface Bucket {
  id: string
  order: string
  array: Y.Array<unknown>
}

export class History {
  /** Entries kept by `append`'s trim; the client sets it from the `historyLimit` setting. */
  limit: number
  private readonly buckets: Y.Map<unknown>
  private readonly report: ProblemSink
  private readonly random: RandomSource

  constructor(
    readonly doc: Y.Doc,
    options: HistoryOptions = {},
  ) {
    this.buckets = doc.getMap('buckets')
    this.limit = options.limit ?? SETTINGS_DEFAULTS.historyLimit
    this.report = options.onProblem ?? ignoreProblems
    this.random = options.random ?? cryptoRandom
  }

  /** The valid buckets, oldest first; `quiet` skips reporting (writes only need the shape). */
  private sorted(quiet = false): Bucket[] {
    const out: Bucket[] = []
    for (const [key, array] of this.buckets.entries()) {
      if (array instanceof Y.Array && isOrderKey(key)) out.push({ id: key, order: key, array })
      else if (!quiet) this.report({ code: 'malformed_item', path: `buckets/${key}`, message: 'not a history bucket' })
    }
    return out.sort(compareOrder)
  }

  /** The valid entries, oldest first; malformed ones are reported and skipped. */
  entries(): HistoryEntry[] {
    const out: HistoryEntry[] = []
    for (const bucket of this.sorted()) {
      bucket.array.forEach((value, index) => {
        const entry = parseHistoryEntry(value)
        if (entry) out.push(entry)
        else this.report({ code: 'malformed_item', path: `buckets/${bucket.id}/${index}`, message: 'not a valid history entry' })
      })
    }
    return out
  }

  /** Stored entries (malformed ones included). */
  get length(): number {
    return this.sorted(true).reduce((n, b) => n + b.array.length, 0)
  }

  /** Records a sent request and trims to `limit` in the same transaction; returns its id. */
  append(input: HistoryEntryInput): string {
    const id = createId(this.random)
    this.doc.transact(() => {
      const newest = this.sorted(true).at(-1)
      let target = newest?.array
      if (!target || target.length >= HISTORY_BUCKET_SIZE) {
        target = new Y.Array<unknown>()
        this.buckets.set(keyBetween(newest?.order ?? null, null, this.random), target)
      }
      target.push([{ ...input, id }])
      this.trim()
    })
    return id
  }

  /** Deletes the oldest entries beyond `limit` (and emptied buckets); returns how many. */
  trim(limit = this.limit): number {
    const buckets = this.sorted(true)
    let excess = buckets.reduce((n, b) => n + b.array.length, 0) - Math.max(0, limit)
    const removed = Math.max(0, excess)
    transact(this.buckets, () => {
      for (const bucket of buckets) {
        if (excess <= 0 && bucket.array.length > 0) break
        const cut = Math.min(Math.max(0, excess), bucket.array.length)
        excess -= cut
        if (cut === bucket.array.length) this.buckets.delete(bucket.id)
        else bucket.array.delete(0, cut)
      }
    })
    return removed
  }

  /** Deletes one entry by id; false if absent. */
  remove(id: string): boolean {
    for (const bucket of this.sorted(true)) {
      const index = bucket.array.toArray().findIndex((v) => isRecord(v) && v.id === id)
      if (index < 0) continue
      if (bucket.array.length === 1) this.buckets.delete(bucket.id)
      else bucket.array.delete(index, 1)
      return true
    }
    return false
  }

  clear(): void {
    transact(this.buckets, () => {
      for (const key of [...this.buckets.keys()]) this.buckets.delete(key)
    })
  }

  observe(cb: (change: ChangeInfo) => void): () => void {
    return observeTypes(this.doc, [this.buckets], cb)
  }
}
