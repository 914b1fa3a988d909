/**
 * The collections this device deleted for good that the relay has not deleted yet, sent one
 * after another: each is remembered in the account store first (trash.ts), so a relay that is
 * down, a closed tab or a reload loses none. The relay deletes only what its copy of the index
 * does not list live, so a run first waits for this device's own index changes (its trash mark)
 * to be stored, and a deletion it refuses — restored on another device — stays remembered until
 * this device hears of the restore, then is forgotten unsent; the local copy goes only once the
 * relay deleted it. A run stops at the first deletion the relay could not take, and
 * `wantsRetry` says so until the next run; one the relay turned away for now (deletes are
 * limited per minute: emptying a large trash) runs again by itself after its Retry-After.
 */
import type { DocName, UserId } from '@ferry/protocol'
import type { AccountStore } from './account-store.ts'
import { RateLimited, RelayError, type RelayErrorCode } from './errors.ts'
import type { SyncConnection } from './sync/types.ts'

/** Answers to a deletion that no retry changes (not the owner, not a collection): forgotten, not retried. */
const FINAL_DELETION_ERRORS: ReadonlySet<RelayErrorCode> = new Set(['bad_request', 'forbidden'])

const restoredOnRelay = (error: unknown): boolean => error instanceof RelayError && error.relayCode === 'collection_not_in_trash'

/** What a run asks of the workspace. */
export interface DeletionHooks {
  /** Whether `name` is still to be deleted: false once this device lists it live again (restored), and it is forgotten unsent. */
  wanted(name: DocName): boolean
  /** Resolves once this device's index changes are stored by the relay, or at once when they cannot be now. */
  indexStored(): Promise<void>
  /** The relay deleted `name`: it goes from this device too. */
  deleted(name: DocName): Promise<void>
}

export class PendingDeletions {
  readonly #owner: UserId
  readonly #store: AccountStore
  readonly #onError: (error: unknown) => void
  readonly #hooks: DeletionHooks
  /** Runs, one after another. */
  #runs: Promise<void> = Promise.resolve()
  #wantsRetry = false
  #sending: DocName | null = null
  #retryTimer: ReturnType<typeof setTimeout> | null = null

  constructor(owner: UserId, store: AccountStore, hooks: DeletionHooks, onError: (error: unknown) => void) {
    this.#owner = owner
    this.#store = store
    this.#hooks = hooks
    this.#onError = onError
  }

  /** The deletion being sent (until this device dropped its copy): the relay's 4410 for it is this device's own doing. */
  get sending(): DocName | null {
    return this.#sending
  }

  /** A deletion could not reach the relay: worth another run once the docs are connected. */
  get wantsRetry(): boolean {
    return this.#wantsRetry
  }

  /** Queues a run over `sync` (none: nothing to send with); resolves once it ran. `stopped` ends it early. */
  send(sync: SyncConnection | null, stopped: () => boolean): Promise<void> {
    this.#runs = this.#runs.then(() => this.#run(sync, stopped)).catch(this.#onError)
    return this.#runs
  }

  #retryAfter(seconds: number, sync: SyncConnection, stopped: () => boolean): void {
    if (this.#retryTimer !== null) clearTimeout(this.#retryTimer)
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null
      if (!stopped()) void this.send(sync, stopped)
    }, seconds * 1000)
  }

  async #run(sync: SyncConnection | null, stopped: () => boolean): Promise<void> {
    if (!sync?.deleteDoc || stopped()) return
    this.#wantsRetry = false
    const names = await this.#store.pendingDeletions(this.#owner)
    if (names.length === 0) return
    await this.#hooks.indexStored()
    for (const name of names) {
      if (stopped()) return
      if (this.#hooks.wanted(name)) {
        this.#sending = name
        try {
          await sync.deleteDoc(name)
          await this.#hooks.deleted(name)
        } catch (error) {
          if (restoredOnRelay(error)) {
            this.#wantsRetry = true
            continue
          }
          if (!(error instanceof RelayError && FINAL_DELETION_ERRORS.has(error.code))) {
            this.#wantsRetry = true
            if (error instanceof RateLimited) this.#retryAfter(error.retryAfterSeconds, sync, stopped)
            return
          }
        } finally {
          this.#sending = null
        }
      }
      await this.#store.setPendingDeletion(this.#owner, name, false)
    }
  }
}
