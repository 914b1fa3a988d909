/**
 * The collections this device deleted that the relay has not deleted yet, sent one after another:
 * each is remembered in the account store before the local copy goes (workspace.ts), so a relay
 * that is down, a closed tab or a reload loses none; a run stops at the first deletion the relay
 * could not take and `wantsRetry` says so until the next run.
 */
import type { UserId } from '@ferry/protocol'
import type { AccountStore } from './account-store.ts'
import { RelayError, type RelayErrorCode } from './errors.ts'
import type { SyncConnection } from './sync/types.ts'

/** Answers to a deletion that no retry changes (not the owner, not a collection): forgotten, not retried. */
const FINAL_DELETION_ERRORS: ReadonlySet<RelayErrorCode> = new Set(['bad_request', 'forbidden'])

export class PendingDeletions {
  readonly #owner: UserId
  readonly #store: AccountStore
  readonly #onError: (error: unknown) => void
  /** Runs, one after another. */
  #runs: Promise<void> = Promise.resolve()
  #wantsRetry = false

  constructor(owner: UserId, store: AccountStore, onError: (error: unknown) => void) {
    this.#owner = owner
    this.#store = store
    this.#onError = onError
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

  async #run(sync: SyncConnection | null, stopped: () => boolean): Promise<void> {
    if (!sync?.deleteDoc || stopped()) return
    this.#wantsRetry = false
    for (const name of await this.#store.pendingDeletions(this.#owner)) {
      if (stopped()) return
      try {
        await sync.deleteDoc(name)
      } catch (error) {
        if (!(error instanceof RelayError && FINAL_DELETION_ERRORS.has(error.code))) {
          this.#wantsRetry = true
          return
        }
      }
      await this.#store.setPendingDeletion(this.#owner, name, false)
    }
  }
}
