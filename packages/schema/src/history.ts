/**
 * `<userId>:history` — requests as sent, newest last, trimmed to the newest `limit` entries.
 * Root type: `entries`, a `Y.Array` of plain JSON objects (entries never change once
 * written, so they need no nested shared types).
 *
 * Why this layout survives 100,000 appends: each append trims the oldest overflow in the
 * same transaction; Yjs garbage-collects the deleted content and keeps only id ranges, which
 * merge because one device's appends have consecutive clocks. Measured
 * (test/bench/history-trim.bench.ts): after 100,000 appends keeping 5,000, the encoded doc is
 * ≈ 1.0× a fresh doc holding the same 5,000 entries. Entries as `Y.Map`s were slower to
 * write and larger, so they are plain objects.
 */
import type * as Y from 'yjs'
import type { ChangeInfo, SchemaOptions } from './options.ts'
import { createId, cryptoRandom, type RandomSource } from './random.ts'
import { SETTINGS_DEFAULTS } from './settings.ts'
import { observeTypes } from './transact.ts'
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
  return { id: v.id, request, status: v.status, timingMs: v.timingMs, responseSize: v.responseSize, time: v.time, source }
}

export interface HistoryOptions extends SchemaOptions {
  /** Entries kept, newest first; default 5,000 (the `historyLimit` setting). */
  limit?: number
}

export class History {
  /** Entries kept by `append`'s trim; the client sets it from the `historyLimit` setting. */
  limit: number
  private readonly entriesArray: Y.Array<unknown>
  private readonly report: ProblemSink
  private readonly random: RandomSource

  constructor(
    readonly doc: Y.Doc,
    options: HistoryOptions = {},
  ) {
    this.entriesArray = doc.getArray('entries')
    this.limit = options.limit ?? SETTINGS_DEFAULTS.historyLimit
    this.report = options.onProblem ?? ignoreProblems
    this.random = options.random ?? cryptoRandom
  }

  /** The valid entries, oldest first; malformed ones are reported and skipped. */
  entries(): HistoryEntry[] {
    const out: HistoryEntry[] = []
    this.entriesArray.forEach((value, index) => {
      const entry = parseHistoryEntry(value)
      if (entry) out.push(entry)
      else this.report({ code: 'malformed_item', path: `entries/${index}`, message: 'not a valid history entry' })
    })
    return out
  }

  get length(): number {
    return this.entriesArray.length
  }

  /** Records a sent request and trims to `limit` in the same transaction; returns its id. */
  append(input: HistoryEntryInput): string {
    const id = createId(this.random)
    this.doc.transact(() => {
      this.entriesArray.push([{ ...input, id }])
      this.trim()
    })
    return id
  }

  /** Deletes the oldest entries beyond `limit`; returns how many. */
  trim(limit = this.limit): number {
    const excess = this.entriesArray.length - Math.max(0, limit)
    if (excess > 0) this.entriesArray.delete(0, excess)
    return Math.max(0, excess)
  }

  /** Deletes one entry by id; false if absent. */
  remove(id: string): boolean {
    const index = this.entriesArray.toArray().findIndex((v) => isRecord(v) && v.id === id)
    if (index >= 0) this.entriesArray.delete(index, 1)
    return index >= 0
  }

  clear(): void {
    this.entriesArray.delete(0, this.entriesArray.length)
  }

  observe(cb: (change: ChangeInfo) => void): () => void {
    return observeTypes(this.doc, [this.entriesArray], cb)
  }
}
