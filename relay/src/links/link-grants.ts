/**
 * What a link token grants on the sync endpoint: read-only access to its one doc while the
 * link is live. A bare link token counts a use (and is refused once the link is used up); a
 * viewer token (see `link-tokens.ts`) was counted when it was resolved, so it only needs the
 * link to be neither revoked nor expired. Anything else that looks like a link token gets
 * `none` (close 4403); tokens that are not link tokens are left to other resolvers. A live
 * link to a collection in its owner's trash is refused with 4423 (no use counted): suspended
 * until the owner restores it — checked again once the socket joined its room (it may join
 * after the sweeps of a trash made meanwhile, trash-watch.ts) and after a broadcast outage.
 *
 * Sockets are closed when their link is revoked (`revoke`) or expires (a timer per link with
 * open sockets), through the sync plugin's `revoke(grantId)`.
 */
import { CloseCode, type ParsedDocName } from '@ferry/protocol'
import type { DocStore } from '../storage/doc-store.ts'
import type { SyncGrant, SyncRefusal, SyncService } from '../sync/index.ts'
import type { LinkId, LinkRecord, LinkStore } from '../storage/accounts/links.ts'
import { linkUseError } from '../storage/accounts/links.ts'
import { COLLECTION_TRASHED, readCollectionListing } from './collection-listing.ts'
import { parseLinkToken, passMatches } from './link-tokens.ts'

/** setTimeout's largest delay; later expiries re-arm the timer. */
const MAX_TIMER_MS = 2 ** 31 - 1
/**
 * A socket authorized just before a revocation may join its room just after it; a second
 * sweep this much later closes it too (well inside the promised second).
 */
const LATE_SWEEP_MS = 250

const NONE: SyncGrant = { access: 'none' }
const TRASHED_REFUSAL: SyncRefusal = { code: CloseCode.CollectionTrashed, reason: COLLECTION_TRASHED }
const TRASHED: SyncGrant = { access: 'none', refusal: TRASHED_REFUSAL }

export const grantId = (id: LinkId): string => `link:${id}`

export class LinkGrants {
  readonly #store: LinkStore
  readonly #sync: SyncService
  readonly #docs: DocStore
  readonly #timers = new Map<LinkId, NodeJS.Timeout>()

  constructor(store: LinkStore, sync: SyncService, docs: DocStore) {
    this.#store = store
    this.#sync = sync
    this.#docs = docs
  }

  /** The `SyncTokenResolver` for link and viewer tokens. */
  readonly resolve = async (token: string, doc: ParsedDocName): Promise<SyncGrant | null> => {
    const presented = parseLinkToken(token)
    if (presented === null) return null
    const now = Date.now()
    let link = await this.#store.findLinkByToken(presented.hash)
    if (link === null) return null
    if (link.docName !== doc.name) return NONE
    const refused = linkUseError(link, now)
    // A viewer token's use was counted at its resolve: only a revoked or expired link stops it.
    const dead = presented.pass === null ? refused !== null : !passMatches(link, presented.pass) || refused === 'revoked' || refused === 'expired'
    if (dead) return NONE
    if (await this.#trashed(doc)) return TRASHED
    if (presented.pass === null) {
      const used = await this.#store.useLink(presented.hash, now)
      if (!used.ok) return NONE
      link = used.value
    }
    this.#closeAtExpiry(link)
    return { access: 'read-only', grantId: grantId(link.id), recheck: () => this.#trashed(doc) }
  }

  /** The refusal while the collection is in its owner's trash. */
  async #trashed(doc: ParsedDocName): Promise<SyncRefusal | null> {
    return (await readCollectionListing(this.#docs, doc)).trashed ? TRASHED_REFUSAL : null
  }

  /** Closes every socket opened with the link (4403), now and once more shortly after. */
  revoke(id: LinkId): void {
    this.#clearTimer(id)
    this.#sync.revoke(grantId(id))
    setTimeout(() => this.#sync.revoke(grantId(id)), LATE_SWEEP_MS).unref()
  }

  close(): void {
    for (const timer of this.#timers.values()) clearTimeout(timer)
    this.#timers.clear()
  }

  #closeAtExpiry(link: LinkRecord): void {
    const { id, expiresAt } = link
    if (expiresAt === null || this.#timers.has(id)) return
    const arm = (): void => {
      const wait = expiresAt - Date.now()
      if (wait <= 0) {
        this.#timers.delete(id)
        this.#sync.revoke(grantId(id))
        return
      }
      this.#timers.set(id, setTimeout(arm, Math.min(wait, MAX_TIMER_MS)).unref())
    }
    arm()
  }

  #clearTimer(id: LinkId): void {
    const timer = this.#timers.get(id)
    if (timer) clearTimeout(timer)
    this.#timers.delete(id)
  }
}
