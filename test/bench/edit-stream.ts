/**
 * Simulated editing of one collection, as people do it (version-history.bench.ts measures what
 * its versions take, update-cost.bench.ts what its updates cost to decode): a collection of 8
 * folders of 6 requests, then edits drawn from a stream's mix, each one Yjs transaction.
 *
 * - `typical`: edits in bursts (a third of the minutes, 1–4 edits each, ~400 a day) that mostly
 *   add — typing into URLs, bodies and descriptions (60%), header rows (15%), a dozen new
 *   requests a day — with small fixes (8%: deleting up to 4 characters), method switches,
 *   renames and about two removed requests a day.
 * - `heavy`: 4–8 edits every working minute (~2,800 a day), a fifth of them deleting runs of up
 *   to 8 characters at random places, so the collection's content is largely rewritten every
 *   few days.
 */
import * as Y from 'yjs'
import { Collection } from '@ferry/schema'

export interface Stream {
  readonly name: string
  /** Chance that a working minute has edits, and how many it has (min, max). */
  readonly activeMinute: number
  readonly perMinute: readonly [number, number]
  /** Weights of: typing, deleting a run, a header row, a method, a rename, a new request, a removed one. */
  readonly mix: readonly [number, number, number, number, number, number, number]
  /** Longest run a delete removes. */
  readonly deleteRun: number
  readonly maxRequests: number
}

export const STREAMS: readonly Stream[] = [
  { name: 'typical', activeMinute: 1 / 3, perMinute: [1, 4], mix: [0.6, 0.08, 0.15, 0.05, 0.085, 0.03, 0.005], deleteRun: 4, maxRequests: 150 },
  { name: 'heavy', activeMinute: 1, perMinute: [4, 8], mix: [0.35, 0.2, 0.2, 0.15, 0.07, 0.015, 0.015], deleteRun: 8, maxRequests: 80 },
]

/** A small seeded PRNG (mulberry32), so every run edits alike. */
export function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export interface EditedCollection {
  readonly doc: Y.Doc
  /** Makes one edit of the stream's mix. */
  edit(): void
  /** Edits made so far. */
  readonly edits: number
}

/** A new collection of 8 folders of 6 requests, edited by `stream` with `random`. */
export function editedCollection(stream: Stream, random: () => number): EditedCollection {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!
  const words = ['users', 'orders', 'items', 'v2', 'search', 'token', 'id', 'page', 'limit', 'expand', 'status', 'created']
  const typed = (n: number): string => Array.from({ length: n }, () => pick(words)).join(pick(['/', '&', '=', ' ', '-']))

  const doc = new Y.Doc()
  const c = new Collection(doc)
  const requests: string[] = []
  for (let f = 0; f < 8; f++) {
    const folder = c.add({ kind: 'folder', name: `Folder ${f}` })
    for (let r = 0; r < 6; r++) {
      requests.push(c.add({ kind: 'request', name: `Request ${f}.${r}`, url: `https://api.example.com/${typed(3)}`, headers: [{ key: 'Accept', value: 'application/json' }] }, { parentId: folder }))
    }
  }
  let edits = 0
  const weights = stream.mix.map((_, i) => stream.mix.slice(0, i + 1).reduce((sum, w) => sum + w, 0))
  const edit = (): void => {
    const id = pick(requests)
    const roll = random() * weights.at(-1)!
    const kind = weights.findIndex((w) => roll < w)
    if (kind === 0) {
      const text = c.text(id, pick(['url', 'body', 'description'] as const))!
      const at = Math.floor(random() * (text.length + 1))
      // Typing: one transaction per few characters, as an editor sends them.
      const run = typed(1 + Math.floor(random() * 3))
      for (let i = 0; i < run.length; i += 3) text.insert(at + i, run.slice(i, i + 3))
    } else if (kind === 1) {
      const text = c.text(id, pick(['url', 'body'] as const))!
      if (text.length > 10) text.delete(Math.floor(random() * (text.length - stream.deleteRun)), 1 + Math.floor(random() * stream.deleteRun))
    } else if (kind === 2) {
      const headers = c.list(id, 'headers')!
      const rows = headers.rows()
      if (rows.length < 8 && random() < 0.4) headers.insert({ key: `X-${pick(words)}`, value: typed(1) })
      else if (rows.length > 0) headers.update(Math.floor(random() * rows.length), { value: typed(1) })
    } else if (kind === 3) {
      c.update(id, { method: pick(['GET', 'POST', 'PUT', 'DELETE', 'PATCH']) })
    } else if (kind === 4) {
      c.update(id, { name: `${pick(words)} ${pick(words)}` })
    } else if (kind === 5 && requests.length < stream.maxRequests) {
      requests.push(c.add({ kind: 'request', name: `New ${edits}`, url: `https://api.example.com/${typed(2)}` }))
    } else if (kind === 6 && requests.length > 30) {
      c.remove(requests.splice(requests.indexOf(id), 1)[0]!)
    }
    edits++
  }
  return {
    doc,
    edit,
    get edits() {
      return edits
    },
  }
}

const MINUTE = 60_000
const DAY = 24 * 60 * MINUTE

export interface WorkHooks {
  /** After each edit, with its time. */
  edited(now: number): void
  /** After each working spell (the device goes idle: the relay compacts), with the time of its last minute. */
  spellEnded(now: number): Promise<void> | void
  /** After each day (1-based). */
  dayEnded?(day: number): Promise<void> | void
}

/**
 * `days` working days of `stream` from `start` (ms, a midnight): two spells a day (9:00–12:30
 * and 13:30–18:00), each on a new Yjs client (a device reloading).
 */
export async function work(edited: EditedCollection, stream: Stream, random: () => number, days: number, start: number, hooks: WorkHooks): Promise<void> {
  for (let day = 0; day < days; day++) {
    const dayStart = start + day * DAY
    for (const [from, to] of [[9, 12.5], [13.5, 18]] as const) {
      edited.doc.clientID = Math.floor(random() * 2 ** 31)
      for (let minute = from * 60; minute < to * 60; minute++) {
        if (random() >= stream.activeMinute) continue
        const [least, most] = stream.perMinute
        const count = least + Math.floor(random() * (most - least + 1))
        for (let i = 0; i < count; i++) {
          edited.edit()
          hooks.edited(dayStart + minute * MINUTE)
        }
      }
      await hooks.spellEnded(dayStart + (to * 60 - 1) * MINUTE)
    }
    await hooks.dayEnded?.(day + 1)
  }
}
