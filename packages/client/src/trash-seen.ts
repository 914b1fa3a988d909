/**
 * When this device first saw each entry of the trash. What it deletes for good waits the whole
 * retention from then, whatever the mark says: a mark's time is the trashing device's clock, so
 * one set weeks behind (or a backup restored into a new account weeks later) would otherwise
 * have every other device delete it for good the moment it hears of it. A device whose own
 * clock is off by a constant counts its sightings on that clock too, so its skew cancels out:
 * it does not delete early either.
 *
 * Kept in the account store per account, `{ "<kind>:<id>": { at, seen } }`: `at` the mark's
 * time (a new mark — trashed again after a restore — starts over), `seen` this device's clock
 * then. A sighting lost (a tab closed before the write, two tabs writing at once) is made again
 * later: the wait only grows.
 */
import type { UserId } from '@ferry/protocol'
import type { AccountStore } from './account-store.ts'

export interface TrashMarkSeen {
  readonly kind: 'collection' | 'environment'
  readonly id: string
  /** The mark's time. */
  readonly at: number
}

interface Sighting {
  readonly at: number
  readonly seen: number
}

const keyOf = (mark: TrashMarkSeen): string => `${mark.kind}:${mark.id}`
const isSighting = (v: unknown): v is Sighting =>
  typeof v === 'object' && v !== null && Number.isFinite((v as Sighting).at) && Number.isFinite((v as Sighting).seen)

/** The sightings stored, without anything malformed. */
function parse(stored: unknown): Map<string, Sighting> {
  const out = new Map<string, Sighting>()
  if (typeof stored !== 'object' || stored === null) return out
  for (const [key, value] of Object.entries(stored)) if (isSighting(value)) out.set(key, value)
  return out
}

export class TrashSeen {
  constructor(
    private readonly owner: UserId,
    private readonly store: AccountStore,
    private readonly now: () => number,
  ) {}

  /**
   * When this device first saw each of `marks` (seen `now`, and remembered, when new or
   * re-marked). Sightings of `complete` kinds that are not in `marks` any more (restored,
   * deleted) are forgotten; those of other kinds are kept.
   */
  async sightings(marks: readonly TrashMarkSeen[], complete: ReadonlySet<TrashMarkSeen['kind']>, now = this.now()): Promise<(mark: TrashMarkSeen) => number> {
    const current = new Map(marks.map((mark) => [keyOf(mark), mark]))
    const written = await this.store.updateTrashSeen(this.owner, (stored) => {
      const known = parse(stored)
      const next: Record<string, Sighting> = {}
      for (const [key, sighting] of known) {
        const kind = key.slice(0, key.indexOf(':')) as TrashMarkSeen['kind']
        if (!current.has(key) && !complete.has(kind)) next[key] = sighting
      }
      for (const [key, mark] of current) {
        const sighting = known.get(key)
        next[key] = sighting?.at === mark.at ? sighting : { at: mark.at, seen: now }
      }
      return next
    })
    return (mark) => written[keyOf(mark)]?.seen ?? now
  }
}
